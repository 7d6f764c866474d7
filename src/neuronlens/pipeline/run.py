"""The whole pipeline for one recording on disk, shared by the workers and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    @property
    def duration(self) -> float:
        return self.transcript.duration

    def to_json(self) -> dict[str, Any]:
        """The stored result: what the job body shows once completed."""
        return {"transcript": transcript_to_json(self.transcript)}


def run_pipeline(
    audio_path: Path,
    request: JobRequest,
    models: ModelRegistry,
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    on_decoded: Callable[[Audio], None] | None = None,
) -> PipelineResult:
    """Decode, check for speech and transcribe one recording."""
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
    return PipelineResult(transcript=transcript)
