"""The GE2E speaker encoder: weights read without PyTorch, ONNX graph equal to a NumPy forward."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from neuronlens.errors import ModelUnavailable
from neuronlens.pipeline import speaker_encoder
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.speaker_mel import (
    FRAMES_PER_SECOND,
    mel_filters,
    mel_spectrogram,
    normalize_volume,
)
from neuronlens.pipeline.torch_pickle import LEGACY_MAGIC, loads_legacy_checkpoint
from tests.pipeline.diarize_support import CALLS, decode, turns


@pytest.fixture(scope="module")
def weights() -> dict[str, np.ndarray]:
    return speaker_encoder.load_weights(speaker_encoder.weights_path())


def test_weights_are_read_without_torch(weights: dict[str, np.ndarray]) -> None:
    assert weights["lstm.weight_ih_l0"].shape == (1024, 40)
    assert weights["lstm.weight_hh_l2"].shape == (1024, 256)
    assert weights["linear.weight"].shape == (256, 256)
    assert all(v.dtype == np.float32 for v in weights.values())
    import sys

    assert "torch" not in sys.modules


def test_wrong_checksum_is_refused() -> None:
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        speaker_encoder.load_weights(speaker_encoder.weights_path(), expected_sha256="0" * 64)


def test_checkpoint_may_not_name_other_classes() -> None:
    """A pickle that would call os.system is refused, not executed."""
    values: tuple[object, ...] = (LEGACY_MAGIC, 1001, {})
    header = b"".join(pickle.dumps(v, protocol=2) for v in values)
    evil = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R."
    with pytest.raises(pickle.UnpicklingError, match=r"os\.system"):
        loads_legacy_checkpoint(header + evil)


def test_mel_filterbank_matches_librosa_layout() -> None:
    filters = mel_filters()
    assert filters.shape == (40, 201)
    assert (filters >= 0).all()
    # Each band peaks once, and band peaks rise with frequency (Slaney mel scale).
    peaks = filters.argmax(axis=1)
    assert (np.diff(peaks) >= 0).all() and 180 <= peaks[-1] <= 190  # top band near 7.4 kHz
    # Slaney normalisation: every triangle has unit area in Hz (bins are 40 Hz apart).
    assert filters[10:].sum(axis=1) * 40.0 == pytest.approx(np.ones(30), rel=0.05)
    # A 1 kHz tone lands in the band whose peak is nearest to 1 kHz (bin 25 of 200).
    tone = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000).astype(np.float32)
    mel = mel_spectrogram(tone)
    assert mel.shape == (1 + 16000 // 160, 40)
    assert abs(int(peaks[mel[50].argmax()]) - 25) <= 1


def test_quiet_speech_is_raised_loud_speech_left() -> None:
    quiet = np.full(1600, 0.001, dtype=np.float32)
    loud = np.full(1600, 0.5, dtype=np.float32)
    assert np.sqrt(np.mean(normalize_volume(quiet) ** 2)) == pytest.approx(10 ** (-30 / 20), 1e-3)
    assert normalize_volume(loud) is loud


@pytest.mark.slow
def test_onnx_graph_matches_numpy_forward(
    weights: dict[str, np.ndarray], model_registry: ModelRegistry
) -> None:
    samples = decode(CALLS / "hi_two_speakers.mp3")
    mel = mel_spectrogram(normalize_volume(samples[16000:64000]))
    windows = np.stack([mel[i : i + 150] for i in (0, 60, 120)])
    expected = speaker_encoder.numpy_forward(weights, windows)
    got = model_registry.speaker_encoder().embed(windows)
    assert got.shape == (3, 256)
    assert np.abs(got - expected).max() < 1e-4
    assert np.linalg.norm(got, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)


def test_onnx_file_is_built_once(tmp_path: Path) -> None:
    first = speaker_encoder.onnx_path(tmp_path)
    stamp = first.stat().st_mtime_ns
    assert speaker_encoder.onnx_path(tmp_path) == first
    assert first.stat().st_mtime_ns == stamp
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]


def test_registry_loads_the_encoder_once(model_registry: ModelRegistry) -> None:
    assert model_registry.speaker_encoder() is model_registry.speaker_encoder()


@pytest.mark.slow
def test_embeddings_tell_the_two_voices_apart(model_registry: ModelRegistry) -> None:
    samples = decode(CALLS / "hi_two_speakers.mp3")
    encoder = model_registry.speaker_encoder()
    by_speaker: dict[str, list[np.ndarray]] = {"A": [], "B": []}
    for speaker, start, end in turns():
        mel = mel_spectrogram(normalize_volume(samples[int(start * 16000) : int(end * 16000)]))
        size = int(1.5 * FRAMES_PER_SECOND)
        found = encoder.embed(np.stack([mel[i : i + size] for i in range(0, len(mel) - size, 50)]))
        by_speaker[speaker].append(found.mean(axis=0) / np.linalg.norm(found.mean(axis=0)))
    a, b = np.stack(by_speaker["A"]), np.stack(by_speaker["B"])
    within = np.mean([(a @ a.T)[np.triu_indices(4, 1)], (b @ b.T)[np.triu_indices(4, 1)]])
    across = float(np.mean(a @ b.T))
    assert within > across + 0.05
