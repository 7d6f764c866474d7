"""The whole pipeline for one recording on disk, shared by the workers and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuronlens.analysis import FEATURES as ANALYSIS_FEATURES
from neuronlens.analysis import analyze, options_from_settings
from neuronlens.analysis.scorecard import score_stored, scoring_options
from neuronlens.config import Settings
from neuronlens.domain import (
    Feature,
    JobRequest,
    SpeakerReport,
    StoredScorecard,
    Transcript,
)
from neuronlens.errors import NoSpeechDetected, ValidationFailed
from neuronlens.languages import lookup
from neuronlens.pipeline import asr
from neuronlens.pipeline.audio import SpooledAudio, decode_to_spool
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.speakers import transcribe_with_speakers
from neuronlens.serialize import speaker_report_to_json, transcript_to_json

ProgressCallback = Callable[[str, float], None]
"""Called with a stage name and the fraction of that stage done (0..1)."""


@dataclass(frozen=True)
class PipelineResult:
    transcript: Transcript
    analysis: dict[str, Any] = field(default_factory=dict)
    """summary / sentiment / intent results for the requested features."""
    speakers: SpeakerReport | None = None

    @property
    def duration(self) -> float:
        return self.transcript.duration

    def to_json(self) -> dict[str, Any]:
        """The stored result: what the job body shows once completed."""
        extra = speaker_report_to_json(self.speakers) if self.speakers else {}
        return {"transcript": transcript_to_json(self.transcript), **extra, **self.analysis}


def run_pipeline(
    audio_path: Path,
    request: JobRequest,
    models: ModelRegistry,
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    on_decoded: Callable[[SpooledAudio], None] | None = None,
    scorecard: StoredScorecard | None = None,
) -> PipelineResult:
    """Decode, check for speech, transcribe and analyse one recording."""
    language = lookup(request.language)
    if language is None:
        raise ValidationFailed(f"unsupported language {request.language!r}")
    report = on_progress or (lambda _stage, _fraction: None)

    report("decode", 0.0)
    # Decoded to a temporary file, read back a window at a time: memory stays flat with length.
    with decode_to_spool(
        audio_path, max_seconds=settings.max_audio_seconds, folder=settings.spool_dir
    ) as audio:
        report("decode", 1.0)
        if on_decoded is not None:
            on_decoded(audio)
        if audio.is_silent():
            raise NoSpeechDetected("the recording is silent: no speech to transcribe")

        model = models.whisper(settings.model_for(language.code))
        options = asr.AsrOptions(hotwords_path=settings.asr_hotwords_path)
        attributed = transcribe_with_speakers(
            audio,
            request.num_speakers,
            lambda samples, progress: asr.transcribe(
                samples, language, model, options, progress=progress
            ),
            models.speaker_encoder,
            report,
        )
    transcript = Transcript(
        language=language.code, duration=audio.duration, segments=attributed.segments
    )
    report("analyse", 0.0)
    analysis = analyze_transcript(transcript, request.features, settings, scorecard=scorecard)
    report("analyse", 1.0)
    return PipelineResult(transcript=transcript, analysis=analysis, speakers=attributed.report)


def analyze_transcript(
    transcript: Transcript,
    features: tuple[str, ...],
    settings: Settings,
    *,
    scorecard: StoredScorecard | None = None,
) -> dict[str, Any]:
    """The requested analysis features over a transcript (empty when none are requested);
    ``qa`` when ``qa_scoring`` is requested with a scorecard."""
    result: dict[str, Any] = {}
    if any(name in ANALYSIS_FEATURES for name in features):
        result = analyze(transcript, features, options_from_settings(settings))
    if Feature.QA_SCORING.value in features and scorecard is not None:
        result["qa"] = score_stored(transcript, scorecard, scoring_options(settings))
    return result
