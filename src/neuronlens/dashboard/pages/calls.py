"""Calls: the list of an account's jobs, a call's page, its audio."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from neuronlens.api.deps import ServicesDep
from neuronlens.dashboard.audio import audio_response
from neuronlens.dashboard.auth import Viewer, ViewerDep
from neuronlens.dashboard.forms import PostViewerDep, see_other
from neuronlens.dashboard.render import not_found, page
from neuronlens.dashboard.views import call_row, call_view
from neuronlens.domain import JobStatus
from neuronlens.errors import NeuronLensError, NotFound
from neuronlens.jobs.scoring import rescore_job
from neuronlens.languages import supported_codes
from neuronlens.storage.repository import JobFilter
from neuronlens.storage.scorecards import ScorecardRepository

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
DONE = {"rescored": "Scored again with the latest version of the scorecard."}
REFRESH_SECONDS = 3
Text = Annotated[str, Query(max_length=80)]


SENTIMENTS = ("negative", "neutral", "positive")


def _filter(status: str, language: str, intent: str, qa: str, sentiment: str) -> JobFilter:
    statuses = {s.value: s for s in JobStatus}
    return JobFilter(
        status=statuses.get(status),
        language=language if language in supported_codes() else None,
        intent=intent or None,
        qa_passed={"passed": True, "failed": False}.get(qa),
        sentiment=sentiment if sentiment in SENTIMENTS else None,
    )


@router.get("/calls", response_class=HTMLResponse)
def calls(
    request: Request,
    viewer: ViewerDep,
    services: ServicesDep,
    status: Text = "",
    language: Text = "",
    intent: Text = "",
    qa: Text = "",
    sentiment: Text = "",
    cursor: Text = "",
) -> Response:
    """The account's calls, newest first, filtered and paged."""
    repository = services.repository
    where = _filter(status, language, intent, qa, sentiment)
    result = repository.search_jobs(viewer.account.id, where, PAGE_SIZE, cursor or None)
    rows = [call_row(job) for job in result.jobs]
    query = {
        "status": status,
        "language": language,
        "intent": intent,
        "qa": qa,
        "sentiment": sentiment,
    }
    active = any(row.status in ("pending", "processing") for row in rows)
    return page(
        request,
        "calls.html",
        viewer,
        nav="calls",
        rows=rows,
        query=query,
        next_cursor=result.next_cursor,
        paged=bool(cursor),
        statuses=[s.value for s in JobStatus],
        languages=supported_codes(),
        intents=repository.job_intents(viewer.account.id),
        sentiments=SENTIMENTS,
        refresh=REFRESH_SECONDS * 2 if active else None,
    )


@router.get("/calls/{job_id}", response_class=HTMLResponse)
def call(
    request: Request, job_id: str, viewer: ViewerDep, services: ServicesDep, done: str = ""
) -> Response:
    """One call: transcript, analysis, QA with evidence, and the player."""
    return _call_page(request, viewer, services, job_id, flash=DONE.get(done))


def _call_page(
    request: Request,
    viewer: Viewer,
    services: ServicesDep,
    job_id: str,
    *,
    flash: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    try:
        job = services.repository.get_job(viewer.account.id, job_id)
    except NotFound:
        return not_found(request, viewer, "There is no such call in this account.")
    view = call_view(job)
    scorecards = ScorecardRepository(services.repository.engine).list(viewer.account.id)
    return page(
        request,
        "call.html",
        viewer,
        status_code=422 if error else 200,
        nav="calls",
        job=job,
        view=view,
        has_audio=bool(job.audio_path),
        scorecards=scorecards,
        flash=flash,
        error=error,
        refresh=None if view.final else REFRESH_SECONDS,
    )


@router.post("/calls/{job_id}/rescore", response_class=HTMLResponse)
def rescore_call(
    request: Request,
    job_id: str,
    viewer: PostViewerDep,
    services: ServicesDep,
    scorecard_id: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Score the stored transcript again with another scorecard (no re-transcription)."""
    try:
        services.repository.get_job(viewer.account.id, job_id)
    except NotFound:
        return not_found(request, viewer, "There is no such call in this account.")
    try:
        rescore_job(services.ctx, viewer.account.id, job_id, scorecard_id, version=None)
    except NeuronLensError as exc:  # a missing or archived scorecard, a call not completed
        return _call_page(request, viewer, services, job_id, error=exc.message)
    return see_other(f"/calls/{job_id}?done=rescored#qa")


@router.get("/calls/{job_id}/audio")
def call_audio(request: Request, job_id: str, viewer: ViewerDep, services: ServicesDep) -> Response:
    """The recording, with Range support so the player can seek."""
    try:
        job = services.repository.get_job(viewer.account.id, job_id)
        return audio_response(job, services.ctx.audio_store)
    except NotFound:
        return not_found(request, viewer, "This recording is not available.")


@router.post("/calls/{job_id}/delete")
def delete_call(
    request: Request, job_id: str, viewer: PostViewerDep, services: ServicesDep
) -> Response:
    """Delete a call with its audio and transcript."""
    try:
        job = services.repository.delete_job(viewer.account.id, job_id)
    except NotFound:
        return not_found(request, viewer, "There is no such call in this account.")
    services.ctx.remove_audio(job.id)
    return see_other("/calls?done=deleted")
