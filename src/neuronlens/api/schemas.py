"""Request and response models at the API edge (pydantic)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from neuronlens.domain import Feature, JobRequest, JobStatus, normalize_features
from neuronlens.errors import ValidationFailed
from neuronlens.languages import lookup, supported_codes
from neuronlens.pipeline.fetch import InvalidAudioURL, validate_url_syntax


class UnsupportedLanguage(ValidationFailed):
    code = "unsupported_language"

    def __init__(self, language: str) -> None:
        super().__init__(
            f"language {language!r} is not supported; use one of: {', '.join(supported_codes())}"
        )
        self.extra = {"supported_languages": supported_codes()}


class TranscriptionRequest(BaseModel):
    """The body of ``POST /transcription``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "audio_url": "https://bucket.s3.ap-south-1.amazonaws.com/calls/4492.mp3?X-Amz-Signature=...",
                "language": "hi-IN",
                "num_speakers": 2,
                "features": ["transcription"],
                "metadata": {"crm_ticket_id": "TKT-4492", "agent_id": "agt_001"},
            }
        },
    )

    audio_url: Annotated[str, Field(min_length=1, max_length=8192)]
    language: Annotated[str, Field(min_length=2, max_length=35, description="BCP-47, e.g. hi-IN")]
    num_speakers: Annotated[int, Field(ge=1, le=10, strict=True)] = 2
    features: list[str] | None = None
    qa_scorecard_id: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    metadata: dict[str, Any] | None = None
    webhook_url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None

    @field_validator("audio_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None:
            validate_url_syntax(value)
        return value

    @field_validator("features")
    @classmethod
    def _features(cls, value: list[str] | None) -> list[str]:
        return list(normalize_features(value))

    def to_domain(self, metadata_max_bytes: int, *, allow_private_urls: bool) -> JobRequest:
        """Cross-field checks, then the domain value the repository stores."""
        for name, url in (("audio_url", self.audio_url), ("webhook_url", self.webhook_url)):
            try:
                if url is not None:
                    validate_url_syntax(url, forbid_private=not allow_private_urls)
            except InvalidAudioURL as exc:
                raise ValidationFailed(f"{name}: {exc}", code=exc.code) from None
        language = lookup(self.language)
        if language is None:
            raise UnsupportedLanguage(self.language)
        features = tuple(self.features or [Feature.TRANSCRIPTION.value])
        if Feature.QA_SCORING.value in features and not self.qa_scorecard_id:
            raise ValidationFailed("qa_scorecard_id is required when features include qa_scoring")
        metadata = self.metadata or {}
        size = len(json.dumps(metadata, ensure_ascii=False).encode())
        if size > metadata_max_bytes:
            raise ValidationFailed(
                f"metadata is {size} bytes as JSON; the limit is {metadata_max_bytes} bytes",
                code="metadata_too_large",
            )
        return JobRequest(
            audio_url=self.audio_url,
            language=language.code,
            num_speakers=self.num_speakers,
            features=features,
            qa_scorecard_id=self.qa_scorecard_id,
            metadata=metadata,
            webhook_url=self.webhook_url,
        )

    def fingerprint(self) -> str:
        """A hash of the request body, to tell Idempotency-Key replays from misuse."""
        canonical = json.dumps(self.model_dump(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class ErrorBody(BaseModel):
    code: str
    message: str


class WordOut(BaseModel):
    word: str
    start: float
    end: float
    confidence: float


class SegmentOut(BaseModel):
    speaker: str
    start: float
    end: float
    text: str
    """What was said, with spoken numbers and amounts written as digits."""
    raw_text: str | None = None
    """What the recogniser wrote, words as spoken (absent on transcripts stored before it)."""
    confidence: float
    words: list[WordOut]


class JobOut(BaseModel):
    """The body of ``GET /transcription/{job_id}`` (documentation model)."""

    job_id: str
    status: JobStatus
    error: ErrorBody | None
    language: str
    num_speakers: int
    features: list[str]
    qa_scorecard_id: str | None
    qa_scorecard_version: int | None = None
    transcript: list[SegmentOut] | None
    speakers: list[dict[str, Any]] | None = None
    """Per speaker: label, role, role_confidence, talk_time, talk_share, turns, words, channel."""
    talk_metrics: dict[str, Any] | None = None
    """Talk time per speaker, total talk, non-talk time, overlap, interruptions, longest silence."""
    diarization: dict[str, Any] | None = None
    """How speakers were found: method, speakers requested and found, whether roles were set."""
    summary: str | None
    sentiment: dict[str, Any] | None
    intent: str | None
    intent_confidence: float | None = None
    intent_candidates: list[dict[str, Any]] | None = None
    qa: dict[str, Any] | None
    metadata: dict[str, Any]
    webhook_url: str | None
    created_at: str
    completed_at: str | None
    duration: float | None


class JobListOut(BaseModel):
    data: list[dict[str, Any]]
    next_cursor: str | None


class DeletedOut(BaseModel):
    job_id: str
    deleted: bool
