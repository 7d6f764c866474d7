"""``neuronlens transcribe`` and ``analyze``: the service's pipeline without a server."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from neuronlens.analysis import transcript_from_json
from neuronlens.analysis.scorecard_schema import ScorecardInvalid, parse_scorecard
from neuronlens.config import Settings
from neuronlens.domain import (
    Feature,
    Job,
    JobError,
    JobRequest,
    JobStatus,
    StoredScorecard,
    normalize_features,
)
from neuronlens.errors import JobFailure
from neuronlens.languages import lookup, supported_codes
from neuronlens.pipeline.fetch import FetchOptions, fetch_audio
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.run import PipelineResult, analyze_transcript, run_pipeline
from neuronlens.serialize import job_to_body


def run_local(
    settings: Settings,
    source: str,
    *,
    language: str,
    num_speakers: int,
    features: list[str],
    workdir: Path,
    progress: bool,
    scorecard: StoredScorecard | None = None,
) -> dict[str, Any]:
    """Fetch (if a URL), process and return the job body; ValueError for bad arguments."""
    request = _with_scorecard(_request(source, language, num_speakers, features), scorecard)
    started = datetime.now(UTC)
    duration: float | None = None
    bar = tqdm(total=100, unit="%", disable=not progress, bar_format="{desc} {bar} {n:.0f}%")
    try:
        path = _local_audio(settings, source, workdir)
        last_stage = ""

        def on_progress(stage: str, fraction: float) -> None:
            nonlocal last_stage
            if stage != last_stage:
                bar.set_description(stage)
                last_stage = stage
            bar.n = round(100 * fraction)
            bar.refresh()

        result = run_pipeline(
            path,
            request,
            ModelRegistry(settings),
            settings,
            on_progress=on_progress,
            scorecard=scorecard,
        )
        duration = result.duration
        status, error, payload = JobStatus.COMPLETED, None, result.to_json()
    except JobFailure as exc:
        status, error, payload = JobStatus.FAILED, JobError(exc.code, exc.message), None
    finally:
        bar.close()
    return _body(request, started, status, error, payload, duration)


def analyze_local(
    settings: Settings,
    transcript_json: Any,
    *,
    language: str,
    features: list[str],
    scorecard: StoredScorecard | None = None,
) -> dict[str, Any]:
    """Run summary/sentiment/intent/QA on an existing transcript; ValueError for bad input."""
    started = datetime.now(UTC)
    request = _with_scorecard(_request("", language, 2, features), scorecard)
    transcript = transcript_from_json(transcript_json, language=request.language)
    analysis = analyze_transcript(transcript, request.features, settings, scorecard=scorecard)
    result = PipelineResult(transcript=transcript, analysis=analysis).to_json()
    return _body(request, started, JobStatus.COMPLETED, None, result, transcript.duration)


def load_scorecard_file(path: Path) -> StoredScorecard:
    """A scorecard JSON file (SPEC §5) as an unsaved version 1; ValueError when invalid."""
    try:
        definition = parse_scorecard(json.loads(path.read_text(encoding="utf-8")))
    except ScorecardInvalid as exc:
        problems = "; ".join(f"{e['field'] or '(file)'}: {e['message']}" for e in exc.errors)
        raise ValueError(f"{path}: invalid scorecard: {problems}") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    now = datetime.now(UTC)
    return StoredScorecard(
        id=path.stem,
        account_id="local",
        version=1,
        definition=definition,
        created_at=now,
        version_created_at=now,
        latest_version=1,
    )


def _with_scorecard(request: JobRequest, scorecard: StoredScorecard | None) -> JobRequest:
    """A scorecard implies ``qa_scoring``; ``qa_scoring`` needs a scorecard."""
    if scorecard is None:
        if Feature.QA_SCORING.value in request.features:
            raise ValueError("qa_scoring needs a scorecard: add --scorecard FILE.json")
        return request
    features = normalize_features([*request.features, Feature.QA_SCORING.value])
    return replace(
        request,
        features=features,
        qa_scorecard_id=scorecard.id,
        qa_scorecard_version=scorecard.version,
    )


def _request(source: str, language: str, num_speakers: int, features: list[str]) -> JobRequest:
    resolved = lookup(language)
    if resolved is None:
        codes = ", ".join(supported_codes())
        raise ValueError(f"unsupported language {language!r}; use one of: {codes}")
    return JobRequest(
        audio_url=source,
        language=resolved.code,
        num_speakers=num_speakers,
        features=normalize_features(features),
    )


def _body(
    request: JobRequest,
    started: datetime,
    status: JobStatus,
    error: JobError | None,
    result: dict[str, Any] | None,
    duration: float | None,
) -> dict[str, Any]:
    """The job body, as the API would show it for this local run."""
    now = datetime.now(UTC)
    job = Job(
        id="local",
        account_id="local",
        status=status,
        request=request,
        created_at=started,
        updated_at=now,
        completed_at=now,
        duration=duration,
        error=error,
        result=result,
    )
    return job_to_body(job)


def _local_audio(settings: Settings, source: str, workdir: Path) -> Path:
    if source.lower().startswith(("http://", "https://")):
        return fetch_audio(source, workdir / "audio", FetchOptions.from_settings(settings)).path
    path = Path(source).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {source}")
    return path
