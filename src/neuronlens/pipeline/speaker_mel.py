"""The speaker encoder's front end: resemblyzer's 40-band mel power spectrogram, in NumPy."""

from __future__ import annotations

from functools import cache

import numpy as np

from neuronlens.domain import SAMPLE_RATE

N_FFT = 400
"""25 ms window at 16 kHz."""
HOP = 160
"""10 ms hop: one frame per 10 ms, frame ``t`` centred on sample ``t * HOP``."""
N_MELS = 40
FRAMES_PER_SECOND = SAMPLE_RATE // HOP
NORM_TARGET_DBFS = -30.0
"""resemblyzer raises quiet utterances to this level before embedding (never lowers loud ones)."""


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default, htk=False): linear below 1 kHz, log above."""
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0
    mels = hz / f_sp
    above = hz >= min_log_hz
    mels[above] = min_log_mel + np.log(hz[above] / min_log_hz) / logstep
    return mels


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0
    hz = f_sp * mels
    above = mels >= min_log_mel
    hz[above] = min_log_hz * np.exp(logstep * (mels[above] - min_log_mel))
    return hz


@cache
def mel_filters() -> np.ndarray:
    """The (40, 201) filterbank of ``librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)``."""
    fft_freqs = np.linspace(0.0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    edges = _mel_to_hz(
        np.linspace(
            _hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([SAMPLE_RATE / 2]))[0], N_MELS + 2
        )
    )
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    weights = np.zeros((N_MELS, fft_freqs.size))
    for i in range(N_MELS):
        lower = -ramps[i] / widths[i]
        upper = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2 : N_MELS + 2] - edges[:N_MELS]))[:, None]  # Slaney area norm
    return weights.astype(np.float32)


@cache
def _window() -> np.ndarray:
    # Periodic Hann, as librosa's stft uses (scipy.signal.get_window("hann", fftbins=True)).
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / N_FFT)).astype(np.float32)


def normalize_volume(samples: np.ndarray, target_dbfs: float = NORM_TARGET_DBFS) -> np.ndarray:
    """Raise ``samples`` to ``target_dbfs`` RMS if quieter (resemblyzer's increase-only rule)."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
    if rms <= 1e-9:
        return samples
    gain_db = target_dbfs - 20.0 * np.log10(rms)
    if gain_db <= 0:
        return samples
    return (samples * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) float32 mel power spectrogram of 16 kHz ``samples`` (centred frames)."""
    x = np.asarray(samples, dtype=np.float32)
    padded = np.pad(x, (N_FFT // 2, N_FFT // 2))  # librosa's center=True, pad_mode="constant"
    count = 1 + x.size // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:count]
    spectrum = np.fft.rfft(frames * _window(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return power @ mel_filters().T


NARROWBAND_SHARE = 1e-4
"""Below this share of power above 4 kHz a recording is telephone band (8 kHz source). Spliced
calls measured < 4e-6 at 8 kHz and > 4e-4 wideband, the pyannote phone call 3e-7."""


def is_narrowband(samples: np.ndarray, frames: int = 2000, size: int = 512) -> bool:
    """Whether 16 kHz ``samples`` carry (almost) nothing above 4 kHz: an 8 kHz telephone source.
    Looks at up to ``frames`` evenly spaced frames, so the cost does not grow with length."""
    x = np.asarray(samples, dtype=np.float32)
    if x.size < size:
        return False
    starts = np.linspace(0, x.size - size, min(frames, x.size // size)).astype(np.int64)
    chunks = np.stack([x[s : s + size] for s in starts]) * np.hanning(size).astype(np.float32)
    power = np.abs(np.fft.rfft(chunks, axis=1)) ** 2
    high = np.fft.rfftfreq(size, 1.0 / SAMPLE_RATE) >= 4000.0
    total = float(power.sum())
    return total > 0 and float(power[:, high].sum()) / total < NARROWBAND_SHARE
