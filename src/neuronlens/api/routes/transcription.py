"""``/transcription``: submit, read, list and delete jobs."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from neuronlens.api.deps import AccountDep, ServicesDep
from neuronlens.api.ratelimit import enforce_unfinished_cap
from neuronlens.api.schemas import DeletedOut, JobListOut, JobOut, TranscriptionRequest
from neuronlens.domain import JobStatus
from neuronlens.errors import QueueUnavailable
from neuronlens.serialize import job_to_body
from neuronlens.storage.scorecards import ScorecardRepository

router = APIRouter(prefix="/transcription", tags=["transcription"])


_REPLAY = {"model": JobOut, "description": "Idempotency-Key replay: the job the key made"}


@router.post("", status_code=201, response_model=JobOut, responses={200: _REPLAY})
def submit(
    body: TranscriptionRequest,
    account: AccountDep,
    services: ServicesDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=255)] = None,
) -> dict[str, Any]:
    """Accept a recording by URL; it is downloaded at once and processed in the background."""
    settings = services.settings
    request = body.to_domain(
        settings.metadata_max_bytes, allow_private_urls=settings.allow_private_urls
    )
    replay = bool(idempotency_key) and services.repository.has_idempotency_key(
        account.id, idempotency_key or ""
    )
    if request.qa_scorecard_id is not None and not replay:
        # Refuse a missing, foreign (404) or archived (422) scorecard now, and pin the version
        # the job will be scored with so later edits do not change its result. (A replay
        # answers with the job its key made, even if the scorecard was archived since.)
        scorecard = ScorecardRepository(services.repository.engine).get_active(
            account.id, request.qa_scorecard_id
        )
        request = replace(request, qa_scorecard_version=scorecard.version)
    repository = services.repository
    if not replay:  # a replay creates nothing, so it is answered even at the cap
        enforce_unfinished_cap(repository.count_unfinished_jobs(account.id), settings)
    new = services.repository.create_job(account.id, request, body.fingerprint(), idempotency_key)
    if new.created:
        try:
            services.queue.enqueue(new.job.id)
        except QueueUnavailable:
            # Not accepted after all: withdraw the row so the client's retry is the only copy.
            # (Were this delete to fail, the sweeper would still run the job: never lost.)
            repository.delete_job(account.id, new.job.id)
            raise
    else:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/transcription/{new.job.id}"
    return job_to_body(new.job)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """A job's status and, once completed, its results."""
    return job_to_body(services.repository.get_job(account.id, job_id))


@router.get("", response_model=JobListOut)
def list_jobs(
    account: AccountDep,
    services: ServicesDep,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=80, pattern=r"^job_[0-9a-z]{1,60}$")] = None,
) -> dict[str, Any]:
    """The account's jobs, newest first, without transcripts; follow ``next_cursor``."""
    page = services.repository.list_jobs(account.id, status, limit, cursor)
    items = []
    for job in page.jobs:
        item = job_to_body(job)
        item.pop("transcript")
        items.append(item)
    return {"data": items, "next_cursor": page.next_cursor}


@router.delete("/{job_id}", response_model=DeletedOut)
def delete_job(job_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """Delete a job with its audio and transcript."""
    job = services.repository.delete_job(account.id, job_id)
    services.ctx.remove_audio(job.id)
    return {"job_id": job.id, "deleted": True}
