"""Helpers for the diarization tests: the test call's known turns and word attribution scores."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from neuronlens.domain import Segment

CALLS = Path(__file__).resolve().parents[1] / "data" / "calls"


def decode(path: Path) -> np.ndarray:
    """Mono 16 kHz float32 samples of a test file."""
    from faster_whisper import decode_audio

    return np.asarray(decode_audio(str(path)), dtype=np.float32)


def turns() -> list[tuple[str, float, float]]:
    """(speaker A/B, start, end) of the test call's turns (clip boundaries)."""
    with (CALLS / "hi_two_speakers.turns.tsv").open(encoding="utf-8", newline="") as handle:
        return [
            (row["speaker"], float(row["start"]), float(row["end"]))
            for row in csv.DictReader(handle, delimiter="\t")
        ]


def _pairs(segments: Sequence[Segment]) -> list[tuple[str, str]]:
    truth = turns()
    pairs = []
    for segment in segments:
        for word in segment.words:
            mid = (word.start + word.end) / 2
            owner = [s for s, b, e in truth if b <= mid <= e]
            if owner:
                pairs.append((owner[0], segment.speaker))
    return pairs


def purity(segments: Sequence[Segment]) -> float:
    """Share of words whose label's majority speaker is their true speaker (labels not mixed)."""
    pairs = _pairs(segments)
    total = 0
    for label in {label for _, label in pairs}:
        owners = [true for true, own in pairs if own == label]
        total += max(owners.count("A"), owners.count("B"))
    return total / len(pairs) if pairs else 0.0


def word_attribution(segments: Sequence[Segment]) -> tuple[float, int]:
    """Share of words (by midpoint, inside a turn) whose label maps to the true speaker, under
    the best one-to-one mapping of labels to A/B; and how many words were scored."""
    pairs = _pairs(segments)
    labels = sorted({label for _, label in pairs})
    best = 0
    for perm in itertools.permutations(labels, min(2, len(labels))):
        mapping = dict(zip(perm, "AB", strict=False))
        best = max(best, sum(1 for true, label in pairs if mapping.get(label) == true))
    return (best / len(pairs) if pairs else 0.0), len(pairs)
