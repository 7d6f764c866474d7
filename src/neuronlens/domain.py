"""Typed values passed between stages: frozen dataclasses, no framework types."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
"""Every stage after decoding works on 16 kHz float32 samples."""
SENTIMENT_NEUTRAL_BAND = 0.15
"""Sentiment scores within ±this of zero are neutral: labels, dashboard colours and filters."""


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
    qa_scorecard_version: int | None = None
    """The scorecard version pinned at submission (or by the latest re-scoring)."""


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


# --- QA scorecards (SPEC §5) ----------------------------------------------------------------


class CriterionKind(enum.StrEnum):
    """How a scorecard criterion is evaluated."""

    REQUIRED = "required"
    """The agent must say or do it (optionally ``within_seconds`` of the call's start)."""
    WITHIN_SECONDS = "within_seconds"
    """A required behaviour that must happen within ``within_seconds`` (mandatory then)."""
    PROHIBITED = "prohibited"
    """Must never happen (rude or abusive language, promises the agent may not make)."""
    MAX_SILENCE = "max_silence"
    """The longest silence between turns stays under ``max_seconds``."""
    AGENT_TALK_SHARE = "agent_talk_share"
    """The agent's share of speaking time stays within ``min_share``..``max_share`` (0..1)."""
    INTERRUPTIONS = "interruptions"
    """The agent interrupts the customer at most ``max_count`` times."""


@dataclass(frozen=True)
class Criterion:
    """One scorecard criterion; ``params`` holds the metric kinds' numbers, ``extra`` any
    unknown keys of the imported JSON (kept and exported unchanged)."""

    id: str
    question: str
    weight: float
    kind: str
    fatal: bool = False
    within_seconds: float | None = None
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScorecardSection:
    name: str
    criteria: tuple[Criterion, ...]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scorecard:
    """A scorecard definition (the SPEC §5 JSON, validated)."""

    name: str
    pass_threshold: float
    sections: tuple[ScorecardSection, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for section in self.sections for c in section.criteria)


@dataclass(frozen=True)
class StoredScorecard:
    """One version of an account's scorecard as stored."""

    id: str
    account_id: str
    version: int
    definition: Scorecard
    created_at: datetime
    """When the scorecard (version 1) was created."""
    version_created_at: datetime
    """When this version was saved."""
    latest_version: int
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


# --- Speakers: diarization, roles and talk metrics (issue 3) ----------------------------------


@dataclass(frozen=True)
class SpeakerSummary:
    """One speaker of a call as the job body's ``speakers`` block shows it."""

    label: str
    """As in the transcript's segments: ``agent``, ``customer``, ``speaker_1``…"""
    role: str | None
    """``agent`` / ``customer`` when decided, else None."""
    role_confidence: float | None
    talk_time: float
    talk_share: float
    """This speaker's share of all talk time (0..1)."""
    turns: int
    words: int
    channel: int | None = None
    """The stereo channel (0-based) that carried this speaker, for one-party-per-channel calls."""


@dataclass(frozen=True)
class TalkMetrics:
    """Call-level talk metrics (what AWS Call Analytics users expect), all in seconds."""

    talk_time_by_speaker: dict[str, float]
    total_talk_time: float
    non_talk_time: float
    """Time nobody speaks (silence, hold, noise)."""
    overlap_time: float
    """Time two or more speakers speak at once."""
    interruptions: int
    interruptions_by_speaker: dict[str, int]
    """Times each speaker started talking while another was mid-turn."""
    longest_silence: float


@dataclass(frozen=True)
class SpeakerReport:
    """How speakers were found and named, with per-speaker and call-level talk metrics."""

    method: str
    """``stereo_channels``, ``clustering`` or ``single_speaker``."""
    speakers_requested: int
    speakers_found: int
    roles_assigned: bool
    roles_note: str
    speakers: tuple[SpeakerSummary, ...]
    metrics: TalkMetrics
