"""Measures over decoded audio: is it silent, do its channels carry the same signal."""

from __future__ import annotations

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Audio

SILENCE_DBFS = -60.0
"""Digital silence and line hiss sit below this; the quietest real speech is well above it."""
SILENCE_WINDOW_S = 0.1
PIECE = SAMPLE_RATE * 6
"""Samples measured at once (a whole number of 100 ms windows)."""


def is_silent(audio: Audio, *, threshold_dbfs: float = SILENCE_DBFS) -> bool:
    """True when no 100 ms window of any channel is louder than ``threshold_dbfs`` RMS."""
    return loudest_window_dbfs(audio) < threshold_dbfs


def loudest_window_dbfs(audio: Audio) -> float:
    """RMS level in dBFS (DC removed) of the loudest 100 ms window of any channel."""
    return power_to_dbfs(max(loudest_window_power(channel) for channel in audio.samples))


def loudest_window_power(samples: np.ndarray) -> float:
    """Mean power (DC removed) of the loudest 100 ms window of ``samples``, from its start."""
    win = int(SILENCE_WINDOW_S * SAMPLE_RATE)
    loudest = 0.0
    for start in range(0, samples.shape[0], PIECE):  # small float64 temporaries
        x = samples[start : start + PIECE].astype(np.float64)
        whole = x.shape[0] // win * win
        for w in (x[:whole].reshape(-1, win), x[whole:].reshape(1, -1)):
            if w.size:
                power = ((w - w.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)
                loudest = max(loudest, float(power.max()))
    return loudest


def power_to_dbfs(power: float) -> float:
    return float(10.0 * np.log10(power)) if power > 0 else float("-inf")


def channels_identical(audio: Audio, *, min_correlation: float = 0.99) -> bool:
    """True when every channel carries the first one's signal (|correlation| >= min); mono too.
    A constant channel matches only another constant channel."""
    first = audio.samples[0]
    return all(_moments(first, other).identical(min_correlation) for other in audio.samples[1:])


def _moments(x: np.ndarray, y: np.ndarray) -> Moments:
    moments = Moments()
    moments.add(x, y)  # in small float64 pieces
    return moments


class Moments:
    """Running float64 sums of two equally long signals, for their Pearson correlation."""

    def __init__(self) -> None:
        self.n, self.sx, self.sy, self.sxx, self.syy, self.sxy = 0, 0.0, 0.0, 0.0, 0.0, 0.0

    def add(self, x: np.ndarray, y: np.ndarray) -> None:
        for start in range(0, x.shape[0], PIECE):  # small float64 temporaries
            a = x[start : start + PIECE].astype(np.float64)
            b = y[start : start + PIECE].astype(np.float64)
            self.n += a.shape[0]
            self.sx, self.sy = self.sx + float(a.sum()), self.sy + float(b.sum())
            self.sxx, self.syy = self.sxx + float(a @ a), self.syy + float(b @ b)
            self.sxy += float(a @ b)

    def _variances(self) -> tuple[float, float]:
        n = max(self.n, 1)
        return self.sxx - self.sx * self.sx / n, self.syy - self.sy * self.sy / n

    def correlation(self) -> float | None:
        """None when either side is constant."""
        vx, vy = self._variances()
        if vx <= 1e-12 * self.n or vy <= 1e-12 * self.n:
            return None
        return float((self.sxy - self.sx * self.sy / self.n) / np.sqrt(vx * vy))

    def identical(self, min_correlation: float) -> bool:
        """The same signal (|correlation| >= min), or both sides constant."""
        corr = self.correlation()
        if corr is None:
            vx, vy = self._variances()
            return vx <= 1e-12 * self.n and vy <= 1e-12 * self.n
        return abs(corr) >= min_correlation
