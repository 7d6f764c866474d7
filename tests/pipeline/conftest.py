"""Fixtures for the speech-recognition tests: the real embedded model and real short clips."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from neuronlens.config import EMBEDDED_MODEL
from neuronlens.pipeline.models import ModelRegistry

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

ASR_DATA = Path(__file__).resolve().parents[1] / "data" / "asr"


@dataclass(frozen=True)
class Clip:
    file: str
    language: str
    reference: str
    samples: np.ndarray


@pytest.fixture(scope="session")
def whisper_model(model_registry: ModelRegistry) -> WhisperModel:
    """The embedded Whisper base model, loaded once per test session."""
    return model_registry.whisper(EMBEDDED_MODEL)


@pytest.fixture(scope="session")
def asr_clips() -> dict[str, Clip]:
    """The clips of ``tests/data/asr`` by file name, decoded to 16 kHz mono float32."""
    from faster_whisper import decode_audio

    with (ASR_DATA / "references.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {
        row["file"]: Clip(
            row["file"],
            row["language"],
            row["transcript"],
            decode_audio(str(ASR_DATA / row["file"])),
        )
        for row in rows
    }
