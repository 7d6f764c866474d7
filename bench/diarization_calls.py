"""Spliced test calls with exact speaker ground truth, and the scores of diarization output."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper import decode_audio

SR = 16_000
Turn = tuple[str, float, float]  # speaker, start, end (seconds)


@dataclass(frozen=True)
class Clip:
    path: Path
    speaker: str


@dataclass(frozen=True)
class Call:
    name: str
    samples: np.ndarray
    """(channels, frames) 16 kHz float32; channel i carries speaker i in stereo calls."""
    turns: tuple[Turn, ...]


def read_manifest(folder: Path, language: str) -> dict[str, list[Clip]]:
    """Clips per speaker of one language in a Common Voice manifest."""
    by_speaker: dict[str, list[Clip]] = {}
    with (folder / "manifest.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["language"] == language:
                by_speaker.setdefault(row["speaker_id"], []).append(
                    Clip(folder / row["file"], row["speaker_id"])
                )
    return by_speaker


def trimmed(path: Path) -> np.ndarray:
    """The clip at 16 kHz with leading/trailing non-speech cut (Silero VAD, 50 ms margin), so
    clip bounds are speech bounds: Common Voice clips carry up to a second of room noise."""
    from neuronlens.pipeline.vad import VadSettings, speech_spans

    x = decode_audio(str(path), sampling_rate=SR)
    spans = speech_spans(x, VadSettings(min_silence_ms=300, speech_pad_ms=50))
    if not spans:
        return x
    return x[spans[0].start : spans[-1].end]


def splice(
    name: str,
    speakers: Sequence[list[Clip]],
    turns: int,
    rng: random.Random,
    overlap_every: int = 4,
) -> Call:
    """Alternating turns, 0.2-1.5 s gaps; every ``overlap_every``-th change overlaps 0.2-0.5 s."""
    pieces: list[tuple[int, np.ndarray, int]] = []
    cursor = 0
    used = {i: 0 for i in range(len(speakers))}
    for index in range(turns):
        who = index % len(speakers)
        clips = speakers[who]
        audio = trimmed(clips[used[who] % len(clips)].path)
        used[who] += 1
        if index:
            if index % overlap_every == 0:
                cursor -= int(rng.uniform(0.2, 0.5) * SR)
            else:
                cursor += int(rng.uniform(0.2, 1.5) * SR)
        pieces.append((who, audio, cursor))
        cursor += audio.size
    total = max(start + audio.size for _, audio, start in pieces) + SR // 2
    samples = np.zeros((len(speakers), total), dtype=np.float32)
    turns_out: list[Turn] = []
    for who, audio, start in pieces:
        samples[who, start : start + audio.size] += audio
        turns_out.append((f"S{who}", start / SR, (start + audio.size) / SR))
    return Call(name, samples, tuple(turns_out))


def telephone(mono: np.ndarray) -> np.ndarray:
    """8 kHz telephone band (300-3400 Hz), G.711 mu-law, back at 16 kHz for the pipeline."""
    from scipy.signal import butter, resample_poly, sosfilt

    narrow = resample_poly(mono, 1, 2)
    # A 4th-order channel filter: a brick-wall (zero-phase 12th-order) band made Silero VAD
    # miss most speech, which real telephone audio does not do.
    sos = butter(4, [300, 3400], btype="band", fs=8000, output="sos")
    narrow = np.clip(sosfilt(sos, narrow), -1, 1)
    mu = 255.0
    coded = np.sign(narrow) * np.log1p(mu * np.abs(narrow)) / np.log1p(mu)
    coded = np.round(coded * 127) / 127  # 8-bit companded samples
    narrow = np.sign(coded) * np.expm1(np.abs(coded) * np.log1p(mu)) / mu
    return resample_poly(narrow, 2, 1).astype(np.float32)


def regions(labelled: Sequence[Turn], step: float, length: int) -> list[set[str]]:
    """Which speakers talk in each ``step``-second frame."""
    frames: list[set[str]] = [set() for _ in range(length)]
    for speaker, start, end in labelled:
        for i in range(round(start / step), min(length, round(end / step))):
            frames[i].add(speaker)
    return frames


def der(reference: Sequence[Turn], hypothesis: Sequence[Turn], collar: float) -> float:
    """Diarization error rate (miss + false alarm + confusion over reference speech), with the
    optimal one-to-one speaker mapping; ``collar`` seconds around reference boundaries ignored."""
    from scipy.optimize import linear_sum_assignment

    step = 0.01
    end = max([e for _, _, e in [*reference, *hypothesis]] + [0.0])
    length = int(np.ceil(end / step)) + 1
    ref, hyp = regions(reference, step, length), regions(hypothesis, step, length)
    scored = np.ones(length, dtype=bool)
    for _, start, stop in reference:
        for edge in (start, stop):
            lo, hi = round((edge - collar) / step), round((edge + collar) / step)
            scored[max(0, lo) : max(0, hi)] = False
    ref_names = sorted({s for s, _, _ in reference})
    hyp_names = sorted({s for s, _, _ in hypothesis})
    overlap = np.zeros((len(ref_names), len(hyp_names)))
    for i in np.flatnonzero(scored):
        for r in ref[i]:
            for h in hyp[i]:
                overlap[ref_names.index(r), hyp_names.index(h)] += 1
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    mapping = {hyp_names[c]: ref_names[r] for r, c in zip(rows, cols, strict=True)}
    total = error = 0
    for i in np.flatnonzero(scored):
        truth, said = ref[i], {mapping.get(x, f"?{x}") for x in hyp[i]}
        total += len(truth)
        error += max(len(truth), len(said)) - len(truth & said)
    return error / total if total else 0.0


def word_accuracy(
    reference: Sequence[Turn], words: Sequence[tuple[str, float, float]]
) -> tuple[float, int]:
    """Share of words whose speaker (optimally mapped) is the reference speaker at its midpoint;
    words outside every reference turn are skipped. Returns (accuracy, words scored)."""
    from scipy.optimize import linear_sum_assignment

    pairs = []
    for speaker, start, end in words:
        mid = (start + end) / 2
        truth = [s for s, b, e in reference if b <= mid <= e]
        if len(truth) == 1:
            pairs.append((truth[0], speaker))
    if not pairs:
        return 0.0, 0
    refs, hyps = sorted({r for r, _ in pairs}), sorted({h for _, h in pairs})
    counts = np.zeros((len(refs), len(hyps)))
    for r, h in pairs:
        counts[refs.index(r), hyps.index(h)] += 1
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum() / len(pairs)), len(pairs)
