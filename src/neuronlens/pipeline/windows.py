"""Long recordings in windows of a few minutes, cut in pauses, so memory does not grow with them.

Every stage that works on samples (VAD, recognition, speaker embeddings) runs one window at a
time and keeps only its small results (segments, embeddings), shifted to the recording's clock.
A recording no longer than ``WINDOW_SECONDS + SEARCH_SECONDS`` is one window: short calls are
processed exactly as a whole.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Segment

WINDOW_SECONDS = 300.0
"""Longest window before its end is searched for a pause (5 min: 19 MB of float32)."""
SEARCH_SECONDS = 60.0
"""The cut is the quietest moment of the window's last minute (a pause between phrases)."""
PAUSE_SECONDS = 0.6
"""The quiet stretch looked for: longer than the gaps inside a word."""
FRAME_SECONDS = 0.02

Reader = Callable[[int, int], np.ndarray]
"""(start, end) sample indices -> mono float32 samples of that stretch."""


def quietest_point(samples: np.ndarray) -> int:
    """Index of the middle of the quietest ``PAUSE_SECONDS`` of ``samples`` (lowest mean power
    of 20 ms frames); the first such stretch when several are equally quiet."""
    size = int(FRAME_SECONDS * SAMPLE_RATE)
    count = samples.shape[0] // size
    width = max(1, round(PAUSE_SECONDS / FRAME_SECONDS))
    if count <= width:
        return samples.shape[0] // 2
    x = samples[: count * size].reshape(count, size).astype(np.float64)
    power = np.mean(x * x, axis=1)
    running = np.convolve(power, np.ones(width) / width, mode="valid")
    first = int(np.argmin(running))
    return (first * size) + width * size // 2


def plan_windows(
    frames: int, read: Reader, window_seconds: float = WINDOW_SECONDS
) -> list[tuple[int, int]]:
    """(start, end) sample ranges covering ``frames`` samples, each cut in a pause: windows
    of ``window_seconds`` less up to a fifth (at most ``SEARCH_SECONDS``), the last one up to
    that much longer."""
    longest = int(window_seconds * SAMPLE_RATE)
    search = int(min(SEARCH_SECONDS, window_seconds / 5) * SAMPLE_RATE)
    windows: list[tuple[int, int]] = []
    start = 0
    while frames - start > longest + search:
        region = start + longest - search
        cut = region + quietest_point(read(region, start + longest))
        windows.append((start, cut))
        start = cut
    windows.append((start, frames))
    return windows


def shift_segments(segments: Sequence[Segment], seconds: float) -> list[Segment]:
    """``segments`` (and their words) moved ``seconds`` later: window time to call time."""
    if not seconds:
        return list(segments)

    def at(t: float) -> float:
        return round(t + seconds, 3)

    return [
        replace(
            segment,
            start=at(segment.start),
            end=at(segment.end),
            words=tuple(
                replace(word, start=at(word.start), end=at(word.end)) for word in segment.words
            ),
        )
        for segment in segments
    ]


def window_progress(
    report: Callable[[float], None] | None, window: tuple[int, int], frames: int
) -> Callable[[float], None] | None:
    """Progress within one window as progress over the whole recording."""
    if report is None:
        return None
    start, end = window
    return lambda fraction: report((start + fraction * (end - start)) / max(frames, 1))


def release_freed_memory() -> None:
    """Give the memory freed by the last window back to the system: glibc otherwise keeps it in
    fragmented arenas, and the peak creeps up window by window (and job by job in a worker).
    No-op off glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)  # the process's own symbols: glibc's on Linux
