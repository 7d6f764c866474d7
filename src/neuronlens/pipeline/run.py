"""The whole pipeline for one recording on disk, shared by the workers and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuronlens.analysis import FEATURES as ANALYSIS_FEATURES
from neuronlens.analysis import analyze, options_from_settings
from neuronlens.config import Settings
from neuronlens.domain import Audio, JobRequest, Transcript
from neuronlens.errors import NoSpeechDetected, ValidationFailed
from neuronlens.languages import lookup
from neuronlens.pipeline import asr
from neuronlens.pipeline.audio import decode_audio, is_silent
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.serialize import transcript_to_json

ProgressCallback = Callable[[str, float], None]
"""Called with a stage name and the fraction of that stage done (0..1)."""


@dataclass(frozen=True)
class PipelineResult:
    transcript: Transcript
    analysis: dict[str, Any] = field(default_factory=dict)
    """summary / sentiment / intent results for the requested features."""

    @property
    def duration(self) -> float:
        return self.transcript.duration

    def to_json(self) -> dict[str, Any]:
        """The stored result: what the job body shows once completed."""
        return {"transcript": transcript_to_json(self.transcript), **self.analysis}


def run_pipeline(
    audio_path: Path,
    request: JobRequest,
    models: ModelRegistry,
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    on_decoded: Callable[[Audio], None] | None = None,
) -> PipelineResult:
    """Decode, check for speech, transcribe and analyse one recording."""
    language = lookup(request.language)
    if language is None:
        raise ValidationFailed(f"unsupported language {request.language!r}")
    report = on_progress or (lambda _stage, _fraction: None)

    report("decode", 0.0)
    audio = decode_audio(audio_path, max_seconds=settings.max_audio_seconds)
    report("decode", 1.0)
    if on_decoded is not None:
        on_decoded(audio)
    if is_silent(audio):
        raise NoSpeechDetected("the recording is silent: no speech to transcribe")

    model = models.whisper(settings.model_for(language.code))
    segments = asr.transcribe(
        audio.mono(), language, model, progress=lambda fraction: report("transcribe", fraction)
    )
    transcript = Transcript(
        language=language.code, duration=audio.duration, segments=tuple(segments)
    )
    report("analyse", 0.0)
    analysis = analyze_transcript(transcript, request.features, settings)
    report("analyse", 1.0)
    return PipelineResult(transcript=transcript, analysis=analysis)


def analyze_transcript(
    transcript: Transcript, features: tuple[str, ...], settings: Settings
) -> dict[str, Any]:
    """The requested analysis features over a transcript (empty when none are requested)."""
    if not any(name in ANALYSIS_FEATURES for name in features):
        return {}
    return analyze(transcript, features, options_from_settings(settings))
