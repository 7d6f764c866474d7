"""Voice activity: where the speech is (Silero VAD, bundled with faster-whisper), as spans."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neuronlens.domain import SAMPLE_RATE
from neuronlens.errors import NoSpeechDetected

BLOCK_SECONDS = 600
"""Long audio is read in blocks, so the VAD's buffers do not grow with the recording."""


@dataclass(frozen=True)
class VadSettings:
    """Silero VAD settings; short silences split speech so chunks can end between phrases."""

    threshold: float = 0.5
    min_speech_ms: int = 0
    min_silence_ms: int = 160
    speech_pad_ms: int = 400


@dataclass(frozen=True)
class SpeechSpan:
    """A stretch of audio, in samples of the 16 kHz input."""

    start: int
    end: int

    @property
    def seconds(self) -> float:
        return (self.end - self.start) / SAMPLE_RATE


def speech_spans(
    samples: np.ndarray, vad: VadSettings | None = None, max_seconds: float = math.inf
) -> list[SpeechSpan]:
    """Where Silero VAD hears speech in mono 16 kHz ``samples`` (spans up to ``max_seconds``)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    settings = vad or VadSettings()
    options = VadOptions(
        threshold=settings.threshold,
        min_speech_duration_ms=settings.min_speech_ms,
        min_silence_duration_ms=settings.min_silence_ms,
        speech_pad_ms=settings.speech_pad_ms,
        max_speech_duration_s=max_seconds,
    )
    samples = np.asarray(samples, dtype=np.float32)
    block = BLOCK_SECONDS * SAMPLE_RATE
    spans: list[SpeechSpan] = []
    for offset in range(0, samples.size, block):
        found = get_speech_timestamps(samples[offset : offset + block], options, SAMPLE_RATE)
        spans += [SpeechSpan(offset + c["start"], offset + c["end"]) for c in found]
    return [span for span in spans if span.end > span.start]


def require_speech(
    samples: np.ndarray, vad: VadSettings | None = None, max_seconds: float = math.inf
) -> list[SpeechSpan]:
    """The VAD's speech spans; raises NoSpeechDetected when there are none."""
    spans = speech_spans(samples, vad, max_seconds) if samples.size else []
    if not spans:
        raise NoSpeechDetected("no speech found in the recording (silence, tone or noise)")
    return spans


def group_spans(spans: list[SpeechSpan], max_seconds: float, max_gap: float) -> list[SpeechSpan]:
    """Merge neighbouring speech spans into chunks of at most ``max_seconds``."""
    limit, gap = int(max_seconds * SAMPLE_RATE), int(max_gap * SAMPLE_RATE)
    chunks: list[SpeechSpan] = []
    for span in spans:
        last = chunks[-1] if chunks else None
        if last and span.start - last.end <= gap and span.end - last.start <= limit:
            chunks[-1] = SpeechSpan(last.start, span.end)
        else:
            chunks.append(span)
    return chunks


def speech_within(spans: list[SpeechSpan], window: SpeechSpan) -> float:
    """Seconds of speech that ``spans`` hold inside ``window``."""
    overlap = sum(
        max(0, min(window.end, span.end) - max(window.start, span.start)) for span in spans
    )
    return overlap / SAMPLE_RATE


RESUME_MIN_SECONDS = 0.5
"""Less of a span than this left after a point is padding or a breath, not speech to resume."""


def speech_after(spans: list[SpeechSpan], chunk: SpeechSpan, start: int) -> SpeechSpan | None:
    """The part of ``chunk`` after ``start``, trimmed to begin where speech begins again."""
    least = RESUME_MIN_SECONDS * SAMPLE_RATE
    later = [
        span
        for span in spans
        if span.end - max(start, span.start) >= least and span.start < chunk.end
    ]
    if not later:
        return None
    return SpeechSpan(max(start, later[0].start), chunk.end)
