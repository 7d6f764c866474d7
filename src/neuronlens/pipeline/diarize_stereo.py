"""Stereo calls with one party per channel: detect them, keep each channel's words to its party."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Audio, Segment
from neuronlens.pipeline.audio_signal import channels_identical

FRAME_SECONDS = 0.02


@dataclass(frozen=True)
class StereoOptions:
    dominance_db: float = 10.0
    """A channel "carries" a frame when it is this much louder than the other."""
    min_dominated: float = 0.6
    """Share of active frames where one channel dominates, for a one-party-per-channel call."""
    min_each: float = 0.02
    """Each channel must dominate at least this share of active frames (both parties talk)."""
    bleed_db: float = 6.0
    """A word is the other party's echo when the other channel is this much louder during it."""


def frame_levels(samples: np.ndarray) -> np.ndarray:
    """(channels, frames) energy in dBFS per 20 ms frame."""
    size = int(FRAME_SECONDS * SAMPLE_RATE)
    frames = samples.shape[1] // size
    x = samples[:, : frames * size].reshape(samples.shape[0], frames, size).astype(np.float64)
    power = np.mean(x * x, axis=2)
    return 10.0 * np.log10(np.maximum(power, 1e-12))


def one_party_per_channel(audio: Audio, options: StereoOptions | None = None) -> bool:
    """True for a two-channel recording in which each channel carries one party's voice."""
    if audio.channels != 2 or channels_identical(audio):
        return False
    return levels_show_one_party_per_channel(frame_levels(audio.samples), options)


def levels_show_one_party_per_channel(
    levels: np.ndarray, options: StereoOptions | None = None
) -> bool:
    """The decision of :func:`one_party_per_channel` from two distinct channels' levels."""
    opts = options or StereoOptions()
    if levels.shape[1] == 0:
        return False
    floor = np.percentile(levels, 10, axis=1)[:, None]
    # Active: a channel is well above its own noise floor and above near-silence.
    active = np.any((levels > floor + 15.0) & (levels > -55.0), axis=0)
    if active.sum() < 50:  # under a second of speech: nothing to decide from
        return False
    diff = levels[0, active] - levels[1, active]
    first, second = diff > opts.dominance_db, diff < -opts.dominance_db
    return bool(
        (first | second).mean() >= opts.min_dominated
        and first.mean() >= opts.min_each
        and second.mean() >= opts.min_each
    )


def drop_bleed(
    segments: list[Segment], channel: int, levels: np.ndarray, options: StereoOptions | None = None
) -> list[Segment]:
    """Remove words the recogniser heard on ``channel`` while the other channel was far louder
    (the other party's voice leaking across); segments left without words are dropped."""
    opts = options or StereoOptions()
    other = 1 - channel
    out: list[Segment] = []
    for segment in segments:
        if not segment.words:
            out.append(segment)
            continue
        kept = [
            word
            for word in segment.words
            if _margin(levels, channel, other, word.start, word.end) > -opts.bleed_db
        ]
        if len(kept) == len(segment.words):
            out.append(segment)
        elif kept:
            out.append(
                replace(
                    segment,
                    start=kept[0].start,
                    end=max(kept[-1].end, kept[0].start),
                    text=" ".join(word.word for word in kept),
                    words=tuple(kept),
                )
            )
    return out


def _margin(levels: np.ndarray, channel: int, other: int, start: float, end: float) -> float:
    """How much louder (dB) ``channel`` is than ``other`` over [start, end], in mean power."""
    first = int(start / FRAME_SECONDS)
    last = max(first + 1, int(np.ceil(end / FRAME_SECONDS)))
    own, theirs = levels[channel, first:last], levels[other, first:last]
    if own.size == 0:
        return 0.0
    mean_db = lambda v: 10.0 * np.log10(np.mean(10.0 ** (v / 10.0)))  # noqa: E731
    return float(mean_db(own) - mean_db(theirs))


def merge_channels(per_channel: list[list[Segment]]) -> list[Segment]:
    """Segments of all channels by start time, channel ``i`` speaking as ``speaker_{i+1}``."""
    merged = [
        replace(segment, speaker=f"speaker_{channel + 1}")
        for channel, segments in enumerate(per_channel)
        for segment in segments
    ]
    return sorted(merged, key=lambda s: (s.start, s.end))
