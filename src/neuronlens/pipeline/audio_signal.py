"""Measures over decoded audio: is it silent, do its channels carry the same signal."""

from __future__ import annotations

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Audio

SILENCE_DBFS = -60.0
"""Digital silence and line hiss sit below this; the quietest real speech is well above it."""
SILENCE_WINDOW_S = 0.1


def is_silent(audio: Audio, *, threshold_dbfs: float = SILENCE_DBFS) -> bool:
    """True when no 100 ms window of any channel is louder than ``threshold_dbfs`` RMS."""
    return loudest_window_dbfs(audio) < threshold_dbfs


def loudest_window_dbfs(audio: Audio) -> float:
    """RMS level in dBFS (DC removed) of the loudest 100 ms window of any channel."""
    win = int(SILENCE_WINDOW_S * SAMPLE_RATE)
    step = win * 600  # a minute at a time keeps the float64 temporaries small
    loudest = 0.0
    for channel in audio.samples:
        for start in range(0, channel.shape[0], step):
            x = channel[start : start + step].astype(np.float64)
            whole = x.shape[0] // win * win
            for w in (x[:whole].reshape(-1, win), x[whole:].reshape(1, -1)):
                if w.size:
                    power = ((w - w.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)
                    loudest = max(loudest, float(power.max()))
    return float(10.0 * np.log10(loudest)) if loudest > 0 else float("-inf")


def channels_identical(audio: Audio, *, min_correlation: float = 0.99) -> bool:
    """True when every channel carries the first one's signal (|correlation| >= min); mono too."""
    first = audio.samples[0]
    for other in audio.samples[1:]:
        corr = _correlation(first, other)
        if corr is None:  # a constant channel matches only another constant channel
            if _correlation(first, first) is not None or _correlation(other, other) is not None:
                return False
        elif abs(corr) < min_correlation:
            return False
    return True


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation, summed a minute at a time in float64; None if a side is constant."""
    n, sx, sy, sxx, syy, sxy = x.shape[0], 0.0, 0.0, 0.0, 0.0, 0.0
    for i in range(0, n, SAMPLE_RATE * 60):
        a = x[i : i + SAMPLE_RATE * 60].astype(np.float64)
        b = y[i : i + SAMPLE_RATE * 60].astype(np.float64)
        sx, sy = sx + float(a.sum()), sy + float(b.sum())
        sxx, syy, sxy = sxx + float(a @ a), syy + float(b @ b), sxy + float(a @ b)
    vx, vy = sxx - sx * sx / max(n, 1), syy - sy * sy / max(n, 1)
    if vx <= 1e-12 * n or vy <= 1e-12 * n:
        return None
    return float((sxy - sx * sy / n) / np.sqrt(vx * vy))
