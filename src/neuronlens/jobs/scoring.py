"""QA scoring around jobs: the scorecard version a job pins, and re-scoring completed jobs."""

from __future__ import annotations

from neuronlens.analysis import transcript_from_json
from neuronlens.analysis.scorecard import score_stored, scoring_options
from neuronlens.domain import Feature, Job, JobStatus, StoredScorecard
from neuronlens.errors import NotFound, ProcessingError, ValidationFailed
from neuronlens.jobs.context import WorkerContext
from neuronlens.storage.scorecards import JobNotCompleted, ScorecardRepository


def scorecard_for_job(ctx: WorkerContext, job: Job) -> StoredScorecard | None:
    """The scorecard version pinned at submission, when the job asked for QA scoring."""
    request = job.request
    if Feature.QA_SCORING.value not in request.features or not request.qa_scorecard_id:
        return None
    # Archived since submission or not: the pinned version still scores the job it was
    # accepted for.
    try:
        return ScorecardRepository(ctx.repository.engine).get(
            job.account_id, request.qa_scorecard_id, request.qa_scorecard_version
        )
    except NotFound as exc:
        raise ProcessingError(exc.message, code="scorecard_not_found") from None


def rescore_job(
    ctx: WorkerContext, account_id: str, job_id: str, scorecard_id: str, version: int | None
) -> Job:
    """Score a completed job's stored transcript again and store the new ``qa`` on it."""
    store = ScorecardRepository(ctx.repository.engine)
    job = ctx.repository.get_job(account_id, job_id)
    stored = (
        store.get_active(account_id, scorecard_id)
        if version is None
        else store.get(account_id, scorecard_id, version)
    )
    if job.status != JobStatus.COMPLETED:
        raise JobNotCompleted(
            f"job {job_id!r} is {job.status.value}; only completed jobs can be re-scored"
        )
    if job.result is None or not isinstance(job.result.get("transcript"), list):
        raise ValidationFailed(f"job {job_id!r} has no stored transcript to score")
    transcript = transcript_from_json(
        {"transcript": job.result["transcript"], "duration": job.duration},
        language=job.request.language,
    )
    qa = score_stored(transcript, stored, scoring_options(ctx.settings))
    return store.record_qa(account_id, job_id, stored, qa)
