"""``/transcription``: submit, read, list and delete jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from neuronlens.api.deps import AccountDep, ServicesDep
from neuronlens.api.schemas import DeletedOut, JobListOut, JobOut, TranscriptionRequest
from neuronlens.domain import JobStatus
from neuronlens.errors import NotFound
from neuronlens.serialize import job_to_body

router = APIRouter(prefix="/transcription", tags=["transcription"])


@router.post("", status_code=201, response_model=JobOut)
def submit(
    body: TranscriptionRequest,
    account: AccountDep,
    services: ServicesDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> dict[str, Any]:
    """Accept a recording by URL; it is downloaded at once and processed in the background."""
    settings = services.settings
    request = body.to_domain(
        settings.metadata_max_bytes, allow_private_urls=settings.allow_private_urls
    )
    if request.qa_scorecard_id is not None:
        # No scorecard can exist before QA scorecards are stored (a later release): refuse
        # rather than accept a job whose scoring could never run.
        raise NotFound(f"no scorecard {request.qa_scorecard_id!r}", code="scorecard_not_found")
    new = services.repository.create_job(account.id, request, body.fingerprint(), idempotency_key)
    if new.created:
        services.queue.enqueue(new.job.id)
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
    cursor: Annotated[str | None, Query(max_length=80)] = None,
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
