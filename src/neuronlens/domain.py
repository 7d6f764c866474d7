"""Typed values passed between stages: frozen dataclasses, no framework types."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
"""Every stage after decoding works on 16 kHz float32 samples."""


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class FetchState(enum.StrEnum):
    """Where the job's audio download stands (a separate, cheap step before processing)."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Feature(enum.StrEnum):
    TRANSCRIPTION = "transcription"
    SUMMARY = "summary"
    SENTIMENT = "sentiment"
    INTENT = "intent"
    QA_SCORING = "qa_scoring"


@dataclass(frozen=True)
class Audio:
    """Decoded audio: ``samples`` has shape (channels, frames), float32 in [-1, 1], 16 kHz."""

    samples: np.ndarray
    source_sample_rate: int
    source_channels: int
    codec: str
    container: str

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return float(self.samples.shape[1]) / SAMPLE_RATE

    def mono(self) -> np.ndarray:
        """The channels averaged into one float32 signal."""
        if self.channels == 1:
            return self.samples[0]
        return self.samples.mean(axis=0, dtype=np.float32)


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Segment:
    speaker: str
    start: float
    end: float
    text: str
    confidence: float
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    language: str
    duration: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class JobError:
    code: str
    message: str


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class JobRequest:
    """A validated submission, as the API accepted it."""

    audio_url: str
    language: str
    num_speakers: int = 2
    features: tuple[str, ...] = (Feature.TRANSCRIPTION.value,)
    qa_scorecard_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    webhook_url: str | None = None


@dataclass(frozen=True)
class Job:
    id: str
    account_id: str
    status: JobStatus
    request: JobRequest
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    fetch_state: FetchState = FetchState.PENDING
    audio_path: str | None = None
    duration: float | None = None
    error: JobError | None = None
    result: dict[str, Any] | None = None
    attempts: int = 0
    fetch_attempts: int = 0


FEATURE_ORDER = tuple(feature.value for feature in Feature)


def normalize_features(requested: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Known features in canonical order, always with ``transcription``; ValueError if unknown."""
    names = set(requested or ())
    unknown = sorted(names - set(FEATURE_ORDER))
    if unknown:
        raise ValueError(
            f"unknown feature(s) {', '.join(unknown)}; known: {', '.join(FEATURE_ORDER)}"
        )
    names.add(Feature.TRANSCRIPTION.value)
    return tuple(name for name in FEATURE_ORDER if name in names)
