"""Decoded samples in one in-memory buffer: the sink ``decode_audio`` fills."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from neuronlens.domain import SAMPLE_RATE
from neuronlens.pipeline.audio_spool import sanitize


class Sink(Protocol):
    """Where decoded (channels, n) float32 blocks go; it keeps samples finite and in [-1, 1]."""

    channels: int

    def write(self, block: np.ndarray) -> None: ...


SinkFactory = Callable[[int, int], Sink]
"""(channels, expected frames) -> a sink."""


class MemorySink:
    """One buffer sized from the header (np.empty commits no memory until written), so the
    result needs no final copy; a header that says too little only costs a regrowth."""

    def __init__(self, channels: int, capacity: int) -> None:
        self.channels = channels
        self.buffer = np.empty((channels, max(capacity, SAMPLE_RATE)), np.float32)
        self.frames = self.clean = 0

    def write(self, block: np.ndarray) -> None:
        channels = self.channels
        end = self.frames + block.shape[1]
        if end > self.buffer.shape[1]:  # the header said less than there is
            grown = np.empty((channels, max(end, self.buffer.shape[1] * 3 // 2)), np.float32)
            grown[:, : self.frames] = self.buffer[:, : self.frames]
            self.buffer = grown
        self.buffer[:, self.frames : end] = block
        self.frames = end
        if self.frames - self.clean > SAMPLE_RATE * 10:
            self._sanitize()

    def _sanitize(self) -> None:
        # Done in pieces as they fill: on the whole array the masks would double the memory.
        sanitize(self.buffer[:, self.clean : self.frames])
        self.clean = self.frames

    def to_array(self) -> np.ndarray:
        self._sanitize()
        channels, capacity = self.buffer.shape
        n = self.frames
        if channels > 1 and capacity - n > n // 10 + SAMPLE_RATE:
            out = self.buffer[:, :n].copy()  # far too big a guess: pay one copy
        else:
            # Slide each channel down to follow the previous one, so the first channels * n
            # samples form a contiguous (channels, n) array inside the same buffer: no copy.
            flat = self.buffer.reshape(-1)
            step = SAMPLE_RATE * 60
            for c in range(1, channels):
                for i in range(0, n, step):
                    j = min(i + step, n)
                    flat[c * n + i : c * n + j] = flat[c * capacity + i : c * capacity + j]
            out = flat[: channels * n].reshape(channels, n)
        self.buffer = out
        return out
