"""Mono diarization: embed VAD speech, cluster into speakers, give every word its speaker."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Segment, Word
from neuronlens.pipeline.speaker_clusters import ClusterOptions, centroids, cluster_speakers
from neuronlens.pipeline.speaker_mel import is_narrowband
from neuronlens.pipeline.speaker_windows import Encoder, SpeakerWindows, WindowOptions, embed_speech
from neuronlens.pipeline.vad import SpeechSpan, VadSettings, speech_spans

REGION_BRIDGE = 0.3
"""One speaker's regions closer than this are one turn (the usual RTTM convention)."""


def speaker_label(index: int) -> str:
    """``speaker_1``, ``speaker_2``… for cluster 0, 1…"""
    return f"speaker_{index + 1}"


@dataclass(frozen=True)
class DiarizeOptions:
    vad: VadSettings = field(
        # Tighter than the ASR VAD: short pauses split spans, so windows rarely span two turns.
        # A lower threshold: at 0.5 Silero missed most telephone-band speech (bench, 8 kHz).
        default_factory=lambda: VadSettings(threshold=0.3, min_silence_ms=100, speech_pad_ms=30)
    )
    narrowband_vad: VadSettings = field(
        # Telephone-band audio (nothing above 4 kHz): Silero's speech probabilities run lower,
        # so the threshold does too (bench/diarization_tune.py: 8 kHz calls missed 8 % of their
        # speech at 0.3, about 6 % lower down).
        default_factory=lambda: VadSettings(threshold=0.2, min_silence_ms=100, speech_pad_ms=30)
    )
    windows: WindowOptions = field(default_factory=WindowOptions)
    clusters: ClusterOptions = field(default_factory=ClusterOptions)
    switch_penalty: float = 0.03
    """Cost (in cosine similarity) of a speaker change between two words: stops flicker."""


@dataclass(frozen=True)
class MonoDiarization:
    segments: tuple[Segment, ...]
    speakers_found: int
    regions: tuple[tuple[str, float, float], ...] = ()
    """Who speaks when, from the VAD's speech: (speaker, start, end), independent of the words."""


def _interval_scores(
    windows: SpeakerWindows, sims: np.ndarray, start: float, end: float, span: float
) -> np.ndarray:
    """Overlap-weighted similarity of the windows around [start, end] to each speaker."""
    lo = int(np.searchsorted(windows.starts, start - span, side="left"))
    hi = int(np.searchsorted(windows.starts, max(end, start + 1e-3), side="right"))
    if hi > lo:
        overlap = np.minimum(windows.ends[lo:hi], end) - np.maximum(windows.starts[lo:hi], start)
        # A zero-length word still counts the windows around its instant.
        overlap = np.where(overlap >= 0, np.maximum(overlap, 1e-3), 0.0)
        if overlap.sum() > 0:
            return np.asarray(overlap @ sims[lo:hi] / overlap.sum())
    centres = (windows.starts + windows.ends) / 2
    nearest = int(np.argmin(np.abs(centres - (start + end) / 2)))
    return np.asarray(sims[nearest])


def _viterbi(scores: np.ndarray, penalty: float) -> np.ndarray:
    """The speaker sequence maximising summed scores minus ``penalty`` per change."""
    n, k = scores.shape
    total = scores[0].copy()
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        switch = total.max() - penalty
        best = int(np.argmax(total))
        stay = total
        back[t] = np.where(stay >= switch, np.arange(k), best)
        total = np.maximum(stay, switch) + scores[t]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _split(segment: Segment, labels: list[int]) -> list[Segment]:
    """``segment`` cut where its words' speaker changes."""
    runs: list[tuple[int, list[Word]]] = []
    for word, label in zip(segment.words, labels, strict=True):
        if runs and runs[-1][0] == label:
            runs[-1][1].append(word)
        else:
            runs.append((label, [word]))
    if len(runs) == 1:
        return [replace(segment, speaker=speaker_label(runs[0][0]))]
    return [
        replace(
            segment,
            speaker=speaker_label(label),
            start=words[0].start,
            end=max(words[-1].end, words[0].start),
            text=" ".join(word.word for word in words),
            words=tuple(words),
        )
        for label, words in runs
    ]


def assign_words(
    segments: list[Segment], windows: SpeakerWindows, labels: np.ndarray, options: DiarizeOptions
) -> list[Segment]:
    """Give each word (each segment without words) a speaker, re-splitting at changes."""
    count = int(labels.max()) + 1
    sims = (
        windows.embeddings.astype(np.float64)
        @ centroids(windows.embeddings.astype(np.float64), labels, count).T
    )
    units: list[tuple[int, float, float]] = []  # (segment index, start, end) per word
    for index, segment in enumerate(segments):
        items = segment.words or (Word(segment.text, segment.start, segment.end, 0.0),)
        units += [(index, word.start, word.end) for word in items]
    span = options.windows.window_seconds
    scores = np.stack([_interval_scores(windows, sims, s, e, span) for _, s, e in units])
    order = np.argsort([s for _, s, _ in units], kind="stable")
    path = np.empty(len(units), dtype=np.int64)
    path[order] = _viterbi(scores[order], options.switch_penalty)
    by_segment: dict[int, list[int]] = {}
    for (index, _, _), label in zip(units, path.tolist(), strict=True):
        by_segment.setdefault(index, []).append(label)
    out: list[Segment] = []
    for index, segment in enumerate(segments):
        if segment.words:
            out += _split(segment, by_segment[index])
        else:
            out.append(replace(segment, speaker=speaker_label(by_segment[index][0])))
    return out


def speech_regions(
    spans: list[SpeechSpan],
    windows: SpeakerWindows,
    labels: np.ndarray,
    options: DiarizeOptions,
    step: float = 0.1,
) -> list[tuple[int, float, float]]:
    """Speaker regions over the VAD's speech: ``step``-second frames decoded with Viterbi."""
    count = int(labels.max()) + 1
    embeddings = windows.embeddings.astype(np.float64)
    sims = embeddings @ centroids(embeddings, labels, count).T
    frames = [
        (t, min(t + step, span.end / SAMPLE_RATE))
        for span in spans
        for t in np.arange(span.start / SAMPLE_RATE, span.end / SAMPLE_RATE, step)
    ]
    if not frames:
        return []
    span = options.windows.window_seconds
    scores = np.stack([_interval_scores(windows, sims, b, e, span) for b, e in frames])
    path = _viterbi(scores, options.switch_penalty).tolist()
    regions: list[tuple[int, float, float]] = []
    for label, (start, end) in zip(path, frames, strict=True):
        if regions and regions[-1][0] == label and start - regions[-1][2] < REGION_BRIDGE:
            regions[-1] = (label, regions[-1][1], end)
        else:
            regions.append((label, float(start), float(end)))
    return regions


def diarize_mono(
    samples: np.ndarray,
    segments: list[Segment],
    num_speakers: int,
    encoder: Encoder,
    options: DiarizeOptions | None = None,
) -> MonoDiarization:
    """Speaker-attributed segments of a mono call, with at most ``num_speakers`` speakers."""
    opts = options or DiarizeOptions()
    if num_speakers <= 1 or not segments:
        return MonoDiarization(tuple(replace(s, speaker=speaker_label(0)) for s in segments), 1)
    return attribute_speakers(segments, embed_window(samples, encoder, opts), num_speakers, opts)


@dataclass(frozen=True)
class SpeakerEvidence:
    """What a stretch of audio says about who speaks: the VAD's speech (samples of the whole
    recording) and the embedded windows inside it (seconds of the whole recording)."""

    spans: list[SpeechSpan]
    windows: SpeakerWindows


def embed_window(
    samples: np.ndarray, encoder: Encoder, options: DiarizeOptions | None = None, offset: int = 0
) -> SpeakerEvidence:
    """Speech and speaker embeddings of mono ``samples`` that start ``offset`` samples into the
    recording (one window of a long call, or the whole of a short one)."""
    opts = options or DiarizeOptions()
    spans = speech_spans(samples, opts.narrowband_vad if is_narrowband(samples) else opts.vad)
    windows = embed_speech(samples, spans, encoder, opts.windows)
    if offset:
        seconds = offset / SAMPLE_RATE
        spans = [SpeechSpan(span.start + offset, span.end + offset) for span in spans]
        windows = replace(windows, starts=windows.starts + seconds, ends=windows.ends + seconds)
    return SpeakerEvidence(spans, windows)


def join_evidence(parts: list[SpeakerEvidence]) -> SpeakerEvidence:
    """The evidence of consecutive windows as one (their embeddings are clustered together)."""
    if len(parts) == 1:
        return parts[0]
    filled = [part.windows for part in parts if len(part.windows)]
    if not filled:
        return SpeakerEvidence([span for part in parts for span in part.spans], parts[0].windows)
    windows = SpeakerWindows(
        np.concatenate([w.embeddings for w in filled]),
        np.concatenate([w.starts for w in filled]),
        np.concatenate([w.ends for w in filled]),
    )
    return SpeakerEvidence([span for part in parts for span in part.spans], windows)


def attribute_speakers(
    segments: list[Segment],
    evidence: SpeakerEvidence,
    num_speakers: int,
    options: DiarizeOptions | None = None,
) -> MonoDiarization:
    """Cluster the evidence's windows into at most ``num_speakers`` speakers and give every
    word of ``segments`` its speaker."""
    opts = options or DiarizeOptions()
    if num_speakers <= 1 or not segments:
        return MonoDiarization(tuple(replace(s, speaker=speaker_label(0)) for s in segments), 1)
    spans, windows = evidence.spans, evidence.windows
    labels = cluster_speakers(windows.embeddings, num_speakers, opts.clusters)
    if len(windows) == 0 or labels.max() == 0:
        alone = tuple(replace(s, speaker=speaker_label(0)) for s in segments)
        timed = tuple((speaker_label(0), s.start / SAMPLE_RATE, s.end / SAMPLE_RATE) for s in spans)
        return MonoDiarization(alone, 1, timed)
    attributed = assign_words(segments, windows, labels, opts)
    regions = speech_regions(spans, windows, labels, opts)
    # Number speakers by first appearance in the transcript, not by cluster index.
    names = [s.speaker for s in attributed] + [speaker_label(r[0]) for r in regions]
    order = {name: speaker_label(i) for i, name in enumerate(dict.fromkeys(names))}
    renamed = tuple(replace(s, speaker=order[s.speaker]) for s in attributed)
    found = len({s.speaker for s in renamed})
    timed = tuple((order[speaker_label(k)], b, e) for k, b, e in regions)
    return MonoDiarization(renamed, found, timed)
