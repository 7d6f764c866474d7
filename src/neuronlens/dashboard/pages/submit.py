"""Settings → Submit a call: the API's validation and queueing, from a form."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from neuronlens.api.deps import ServicesDep
from neuronlens.api.schemas import TranscriptionRequest
from neuronlens.dashboard.auth import Viewer, ViewerDep
from neuronlens.dashboard.forms import PostViewerDep, see_other
from neuronlens.dashboard.render import page
from neuronlens.domain import FEATURE_ORDER
from neuronlens.errors import NeuronLensError
from neuronlens.languages import LANGUAGES
from neuronlens.storage.scorecards import ScorecardRepository

router = APIRouter(include_in_schema=False)
DEFAULT_FEATURES = ("transcription", "summary", "sentiment", "intent")
FIELDS = ("audio_url", "language", "num_speakers", "features", "qa_scorecard_id", "metadata")


def _submit_page(
    request: Request,
    viewer: Viewer,
    services: ServicesDep,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    scorecards = ScorecardRepository(services.repository.engine).list(viewer.account.id)
    return page(
        request,
        "submit.html",
        viewer,
        status_code=status,
        nav="submit",
        values=values,
        errors=errors,
        languages=sorted(LANGUAGES.values(), key=lambda lang: lang.name),
        features=FEATURE_ORDER,
        scorecards=scorecards,
    )


@router.get("/settings/submit", response_class=HTMLResponse)
def submit_form(request: Request, viewer: ViewerDep, services: ServicesDep) -> Response:
    """The submit-a-call form."""
    values = {
        "audio_url": "",
        "language": "hi-IN",
        "num_speakers": "2",
        "features": list(DEFAULT_FEATURES),
        "qa_scorecard_id": "",
        "metadata": "",
    }
    return _submit_page(request, viewer, services, values, {})


def _body(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The form as a ``POST /transcription`` body (errors for what cannot even be parsed)."""
    body: dict[str, Any] = {
        "audio_url": values["audio_url"].strip(),
        "language": values["language"].strip(),
        "features": values["features"],
    }
    speakers = values["num_speakers"].strip()
    if speakers:
        if speakers.isdigit():
            body["num_speakers"] = int(speakers)
        else:
            errors["num_speakers"] = "a whole number from 1 to 10"
    if values["qa_scorecard_id"]:
        body["qa_scorecard_id"] = values["qa_scorecard_id"]
    if values["metadata"].strip():
        try:
            body["metadata"] = json.loads(values["metadata"])
        except json.JSONDecodeError as exc:
            errors["metadata"] = f"not valid JSON: {exc.msg} (line {exc.lineno})"
    return body


@router.post("/settings/submit", response_class=HTMLResponse)
async def submit(request: Request, viewer: PostViewerDep, services: ServicesDep) -> Response:
    """Validate like ``POST /transcription``, create the job, enqueue it, open its page."""
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in FIELDS}
    values["features"] = [str(f) for f in form.getlist("features")]
    errors: dict[str, str] = {}
    body = _body(values, errors)
    job_id = None
    if not errors:
        job_id = _create(services, viewer, body, errors)
    if job_id is None:
        return _submit_page(request, viewer, services, values, errors, status=422)
    return see_other(f"/calls/{job_id}")


def _create(
    services: ServicesDep, viewer: Viewer, body: dict[str, Any], errors: dict[str, str]
) -> str | None:
    settings = services.settings
    try:
        parsed = TranscriptionRequest.model_validate(body)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "form"
            errors.setdefault(name, str(err["msg"]).removeprefix("Value error, "))
        return None
    try:
        job_request = parsed.to_domain(
            settings.metadata_max_bytes, allow_private_urls=settings.allow_private_urls
        )
        if job_request.qa_scorecard_id is not None:
            # As the API does: refuse a missing, foreign or archived scorecard now, and pin
            # the version the job will be scored with.
            scorecard = ScorecardRepository(services.repository.engine).get_active(
                viewer.account.id, job_request.qa_scorecard_id
            )
            job_request = replace(job_request, qa_scorecard_version=scorecard.version)
    except NeuronLensError as exc:
        name = _field_of(exc)
        errors[name] = exc.message.removeprefix(f"{name}: ")
        return None
    new = services.repository.create_job(viewer.account.id, job_request, parsed.fingerprint(), None)
    services.queue.enqueue(new.job.id)
    return new.job.id


def _field_of(exc: NeuronLensError) -> str:
    """Which form field a domain validation error is about."""
    message = exc.message
    for name in ("audio_url", "webhook_url"):
        if message.startswith(f"{name}:"):
            return name
    if exc.code == "unsupported_language":
        return "language"
    if exc.code == "metadata_too_large":
        return "metadata"
    if "scorecard" in exc.code or "qa_scorecard_id" in message:
        return "qa_scorecard_id"
    return "form"
