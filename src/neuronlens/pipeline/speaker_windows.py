"""Speaker embeddings over short windows of VAD speech: the input of mono diarization."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from neuronlens.domain import SAMPLE_RATE
from neuronlens.pipeline.speaker_mel import FRAMES_PER_SECOND, mel_spectrogram, normalize_volume
from neuronlens.pipeline.vad import SpeechSpan

BATCH = 64
"""Windows embedded per onnxruntime call: bounds memory, big enough to keep both cores busy."""
LENGTH_STEP = 10
"""Short windows are cut to a multiple of this many frames, so few distinct lengths are batched."""


class Encoder(Protocol):
    def embed(self, mels: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class WindowOptions:
    window_seconds: float = 1.0
    """Shorter than GE2E's 1.6 s partials: locates turn changes better (bench/diarization.py)."""
    hop_seconds: float = 0.25
    min_seconds: float = 0.4
    """Speech stretches shorter than this get no window (too short to say who speaks)."""


@dataclass(frozen=True)
class SpeakerWindows:
    """Unit-length embeddings (n, 256) with each window's start and end in seconds."""

    embeddings: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])


def _window_frames(length: int, options: WindowOptions) -> list[tuple[int, int]]:
    """(first, last) frame ranges covering a span of ``length`` frames, none crossing its ends."""
    size = round(options.window_seconds * FRAMES_PER_SECOND)
    hop = round(options.hop_seconds * FRAMES_PER_SECOND)
    if length < round(options.min_seconds * FRAMES_PER_SECOND):
        return []
    if length <= size:
        cut = max(LENGTH_STEP, length // LENGTH_STEP * LENGTH_STEP)
        offset = (length - cut) // 2
        return [(offset, offset + cut)]
    starts = list(range(0, length - size + 1, hop))
    if starts[-1] + size < length:  # the tail gets a window of its own, aligned to the end
        starts.append(length - size)
    return [(start, start + size) for start in starts]


def embed_speech(
    samples: np.ndarray,
    spans: list[SpeechSpan],
    encoder: Encoder,
    options: WindowOptions | None = None,
) -> SpeakerWindows:
    """Embed windows inside each speech span (windows never cross a pause the VAD found)."""
    opts = options or WindowOptions()
    pending: dict[int, list[tuple[np.ndarray, float, float]]] = defaultdict(list)
    results: list[tuple[np.ndarray, float, float]] = []

    def flush(length: int) -> None:
        batch = pending.pop(length, [])
        if batch:
            vectors = encoder.embed(np.stack([mel for mel, _, _ in batch]))
            results.extend((v, s, e) for v, (_, s, e) in zip(vectors, batch, strict=True))

    for span in spans:
        # Mel per span (not per call), so memory stays bounded however long the recording.
        audio = normalize_volume(np.asarray(samples[span.start : span.end], dtype=np.float32))
        mel = mel_spectrogram(audio)
        origin = span.start / SAMPLE_RATE
        for first, last in _window_frames(mel.shape[0] - 1, opts):
            length = last - first
            pending[length].append(
                (
                    mel[first:last],
                    origin + first / FRAMES_PER_SECOND,
                    origin + last / FRAMES_PER_SECOND,
                )
            )
            if len(pending[length]) >= BATCH:
                flush(length)
    for length in list(pending):
        flush(length)
    results.sort(key=lambda item: item[1])
    if not results:
        empty = np.zeros(0)
        return SpeakerWindows(np.zeros((0, 256), dtype=np.float32), empty, empty)
    embeddings = np.nan_to_num(np.stack([v for v, _, _ in results]).astype(np.float32))
    return SpeakerWindows(
        embeddings,
        np.array([s for _, s, _ in results]),
        np.array([e for _, _, e in results]),
    )
