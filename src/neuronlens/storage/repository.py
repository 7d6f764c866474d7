"""The one Repository: every query lives here and returns domain objects (account and key
queries in ``storage/accounts.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from neuronlens.domain import (
    SENTIMENT_NEUTRAL_BAND,
    FetchState,
    Job,
    JobError,
    JobRequest,
    JobStatus,
)
from neuronlens.errors import NotFound, ValidationFailed
from neuronlens.ids import new_id
from neuronlens.storage.accounts import AccountQueries
from neuronlens.storage.clock import utcnow
from neuronlens.storage.tables import jobs
from neuronlens.storage.webhook_queue import enqueue_job_event


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    next_cursor: str | None


@dataclass(frozen=True)
class JobFilter:
    """Dashboard filters over an account's jobs; None means any."""

    status: JobStatus | None = None
    language: str | None = None
    intent: str | None = None
    qa_passed: bool | None = None
    sentiment: str | None = None
    """``positive``, ``neutral`` or ``negative``: the customer's score (the overall one when no
    speaker is the customer), as the calls list shows it."""


@dataclass(frozen=True)
class NewJob:
    job: Job
    created: bool
    """False when an Idempotency-Key replay returned an existing job."""


class Repository(AccountQueries):
    """Reads and writes accounts, keys and jobs in short transactions."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._skip_locked = engine.dialect.name == "postgresql"

    # --- jobs: the API side --------------------------------------------------------------

    def create_job(
        self, account_id: str, request: JobRequest, request_hash: str, idempotency_key: str | None
    ) -> NewJob:
        """Insert a pending job, or return the job an earlier call made with the same key."""
        if idempotency_key is not None:
            existing = self._job_by_idempotency_key(account_id, idempotency_key)
            if existing is not None:
                return self._replay(existing, request_hash)
        now = utcnow()
        job_id = new_id("job")
        values = {
            "id": job_id,
            "account_id": account_id,
            "status": JobStatus.PENDING.value,
            "request": request_to_json(request),
            "idempotency_key": idempotency_key,
            "request_hash": request_hash,
            "created_at": now,
            "updated_at": now,
            "fetch_state": FetchState.PENDING.value,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(jobs.insert().values(**values))
        except sa.exc.IntegrityError:
            # Two concurrent requests with one key: the loser answers with the winner's job.
            existing = self._job_by_idempotency_key(account_id, idempotency_key or "")
            if existing is None:
                raise
            return self._replay(existing, request_hash)
        return NewJob(job=self.get_job(account_id, job_id), created=True)

    def _job_by_idempotency_key(self, account_id: str, key: str) -> sa.Row[Any] | None:
        query = sa.select(jobs).where(
            jobs.c.account_id == account_id, jobs.c.idempotency_key == key
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first()

    def has_idempotency_key(self, account_id: str, key: str) -> bool:
        """Whether the account already made a job with this Idempotency-Key (a replay)."""
        return self._job_by_idempotency_key(account_id, key) is not None

    def count_unfinished_jobs(self, account_id: str) -> int:
        """The account's jobs that are pending or processing (for the concurrency cap)."""
        query = sa.select(sa.func.count()).where(
            jobs.c.account_id == account_id,
            jobs.c.status.in_([JobStatus.PENDING.value, JobStatus.PROCESSING.value]),
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    @staticmethod
    def _replay(row: sa.Row[Any], request_hash: str) -> NewJob:
        if row.request_hash != request_hash:
            raise ValidationFailed(
                "this Idempotency-Key was already used with a different request body",
                code="idempotency_key_reused",
            )
        return NewJob(job=row_to_job(row), created=False)

    def get_job(self, account_id: str | None, job_id: str) -> Job:
        """One job; NotFound when it does not exist or belongs to another account."""
        query = sa.select(jobs).where(jobs.c.id == job_id)
        if account_id is not None:
            query = query.where(jobs.c.account_id == account_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"no job {job_id!r}")
        return row_to_job(row)

    def list_jobs(
        self, account_id: str, status: JobStatus | None, limit: int, cursor: str | None
    ) -> JobPage:
        """Newest first; ``cursor`` is the last job id of the previous page."""
        query = sa.select(jobs).where(jobs.c.account_id == account_id)
        if status is not None:
            query = query.where(jobs.c.status == status.value)
        if cursor:
            query = query.where(jobs.c.id < cursor)
        query = query.order_by(jobs.c.id.desc()).limit(limit + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        page = [row_to_job(row) for row in rows[:limit]]
        return JobPage(jobs=page, next_cursor=page[-1].id if len(rows) > limit else None)

    def search_jobs(
        self, account_id: str, where: JobFilter, limit: int, cursor: str | None
    ) -> JobPage:
        """Like ``list_jobs``, filtered on fields inside the stored request and result."""
        query = sa.select(jobs).where(jobs.c.account_id == account_id)
        if where.status is not None:
            query = query.where(jobs.c.status == where.status.value)
        if where.language:
            query = query.where(jobs.c.request["language"].as_string() == where.language)
        if where.intent:
            query = query.where(jobs.c.result["intent"].as_string() == where.intent)
        if where.qa_passed is not None:
            query = query.where(jobs.c.result[("qa", "passed")].as_boolean() == where.qa_passed)
        if where.sentiment:
            query = query.where(_sentiment_is(where.sentiment))
        if cursor:
            query = query.where(jobs.c.id < cursor)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(jobs.c.id.desc()).limit(limit + 1)).all()
        page = [row_to_job(row) for row in rows[:limit]]
        return JobPage(jobs=page, next_cursor=page[-1].id if len(rows) > limit else None)

    def job_intents(self, account_id: str) -> list[str]:
        """The distinct intents found in an account's completed jobs (for a filter menu)."""
        intent = jobs.c.result["intent"].as_string()
        query = sa.select(intent).where(jobs.c.account_id == account_id, intent.is_not(None))
        with self.engine.connect() as conn:
            return sorted(set(conn.execute(query.distinct()).scalars()))

    def delete_job(self, account_id: str, job_id: str) -> Job:
        """Delete a job row and return it (the caller removes its audio)."""
        job = self.get_job(account_id, job_id)
        with self.engine.begin() as conn:
            conn.execute(jobs.delete().where(jobs.c.id == job_id, jobs.c.account_id == account_id))
        return job

    # --- jobs: ingestion -----------------------------------------------------------------

    def claim_fetch(
        self, owner: str, lease_seconds: float, job_id: str | None = None
    ) -> Job | None:
        """Take the oldest job (or job ``job_id``) whose audio still has to be downloaded."""
        now = utcnow()
        ready = sa.and_(
            jobs.c.status == JobStatus.PENDING.value,
            jobs.c.fetch_state == FetchState.PENDING.value,
            sa.or_(jobs.c.fetch_not_before.is_(None), jobs.c.fetch_not_before <= now),
            sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
        )
        if job_id is not None:  # a queue message names its job (scale-out mode)
            ready = sa.and_(ready, jobs.c.id == job_id)
        changes = {
            "lease_owner": owner,
            "lease_until": now + timedelta(seconds=lease_seconds),
            "fetch_attempts": jobs.c.fetch_attempts + 1,
            "updated_at": now,
        }
        return self._claim(ready, changes)

    def finish_fetch(self, job_id: str, owner: str, audio_path: str, audio_bytes: int) -> bool:
        """Record the downloaded audio; the job becomes ready for processing."""
        return self._update(
            job_id,
            sa.and_(self._fetch_owned_by(owner), jobs.c.fetch_state == FetchState.PENDING.value),
            fetch_state=FetchState.DONE.value,
            lease_owner=None,
            lease_until=None,
            audio_path=audio_path,
            audio_bytes=audio_bytes,
        )

    def retry_fetch_later(
        self, job_id: str, owner: str, delay_seconds: float, error: JobError
    ) -> bool:
        """Release a fetch after a transient failure, to be tried again after a delay."""
        return self._update(
            job_id,
            self._fetch_owned_by(owner),
            lease_owner=None,
            lease_until=None,
            fetch_not_before=utcnow() + timedelta(seconds=delay_seconds),
            error_code=error.code,
            error_message=error.message,
        )

    # --- jobs: processing ----------------------------------------------------------------

    def claim_job(self, owner: str, lease_seconds: float, job_id: str | None = None) -> Job | None:
        """Take the oldest job (or job ``job_id``) that is ready, or whose lease ran out."""
        now = utcnow()
        ready = sa.and_(
            jobs.c.fetch_state == FetchState.DONE.value,
            sa.or_(
                jobs.c.status == JobStatus.PENDING.value,
                sa.and_(jobs.c.status == JobStatus.PROCESSING.value, jobs.c.lease_until < now),
            ),
        )
        if job_id is not None:
            ready = sa.and_(ready, jobs.c.id == job_id)
        changes = {
            "status": JobStatus.PROCESSING.value,
            "lease_owner": owner,
            "lease_until": now + timedelta(seconds=lease_seconds),
            "attempts": jobs.c.attempts + 1,
            "started_at": sa.func.coalesce(jobs.c.started_at, now),
            "updated_at": now,
        }
        return self._claim(ready, changes)

    def renew_lease(self, job_id: str, owner: str, lease_seconds: float) -> bool:
        """Extend a download's or a processing run's lease; False if the job was lost."""
        return self._update(
            job_id,
            sa.and_(self._active, jobs.c.lease_owner == owner),
            lease_until=utcnow() + timedelta(seconds=lease_seconds),
        )

    def record_duration(self, job_id: str, duration: float) -> None:
        """Store the audio duration as soon as decoding knows it."""
        self._update(job_id, sa.true(), duration=duration)

    def complete_job(self, job_id: str, owner: str, result: dict[str, Any]) -> bool:
        """Mark a job completed with its results, if this worker still holds it."""
        now = utcnow()
        return self._update(
            job_id,
            self._owned_by(owner),
            final=True,
            status=JobStatus.COMPLETED.value,
            result=result,
            completed_at=now,
            lease_owner=None,
            lease_until=None,
            error_code=None,
            error_message=None,
        )

    def fail_job(self, job_id: str, error: JobError, owner: str | None = None) -> bool:
        """Mark a job failed; with ``owner``, only if that worker still holds it."""
        condition = (
            sa.and_(self._active, jobs.c.lease_owner == owner)
            if owner is not None
            else self._active
        )
        return self._update(
            job_id,
            condition,
            final=True,
            status=JobStatus.FAILED.value,
            fetch_state=sa.case(
                (jobs.c.fetch_state == FetchState.PENDING.value, FetchState.FAILED.value),
                else_=jobs.c.fetch_state,
            ),
            error_code=error.code,
            error_message=error.message,
            completed_at=utcnow(),
            lease_owner=None,
            lease_until=None,
        )

    _active = jobs.c.status.in_([JobStatus.PENDING.value, JobStatus.PROCESSING.value])

    @staticmethod
    def _owned_by(owner: str) -> sa.ColumnElement[bool]:
        return sa.and_(jobs.c.status == JobStatus.PROCESSING.value, jobs.c.lease_owner == owner)

    @staticmethod
    def _fetch_owned_by(owner: str) -> sa.ColumnElement[bool]:
        return sa.and_(jobs.c.status == JobStatus.PENDING.value, jobs.c.lease_owner == owner)

    # --- helpers -------------------------------------------------------------------------

    def _claim(self, ready: sa.ColumnElement[bool], changes: dict[str, Any]) -> Job | None:
        """Pick one ready row and take it with a single conditional UPDATE."""
        pick = sa.select(jobs.c.id).where(ready).order_by(jobs.c.id).limit(1)
        if self._skip_locked:
            pick = pick.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            job_id = conn.execute(pick).scalar()
            if job_id is None:
                return None
            taken = conn.execute(jobs.update().where(jobs.c.id == job_id, ready).values(**changes))
            if taken.rowcount != 1:
                return None
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()
        return row_to_job(row)

    def _update(
        self,
        job_id: str,
        condition: sa.ColumnElement[bool],
        *,
        final: bool = False,
        **values: Any,
    ) -> bool:
        values.setdefault("updated_at", utcnow())
        with self.engine.begin() as conn:
            result = conn.execute(
                jobs.update().where(jobs.c.id == job_id, condition).values(**values)
            )
            if final and result.rowcount == 1:
                # The job's webhook event is queued in the same transaction as its final
                # status: a crash can lose neither, and no event exists for an unfinished job.
                row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()
                enqueue_job_event(conn, row_to_job(row))
        return result.rowcount == 1

    def jobs_by_ids(self, job_ids: Sequence[str]) -> list[Job]:
        """Jobs by id regardless of account (for workers and tests)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(jobs).where(jobs.c.id.in_(list(job_ids)))).all()
        return [row_to_job(row) for row in rows]


def request_to_json(request: JobRequest) -> dict[str, Any]:
    """The stored form of a submission."""
    return {
        "audio_url": request.audio_url,
        "language": request.language,
        "num_speakers": request.num_speakers,
        "features": list(request.features),
        "qa_scorecard_id": request.qa_scorecard_id,
        "qa_scorecard_version": request.qa_scorecard_version,
        "metadata": request.metadata,
        "webhook_url": request.webhook_url,
    }


def row_to_job(row: sa.Row[Any]) -> Job:
    """A jobs row as a domain Job."""
    stored = row.request
    request = JobRequest(
        audio_url=stored["audio_url"],
        language=stored["language"],
        num_speakers=stored["num_speakers"],
        features=tuple(stored["features"]),
        qa_scorecard_id=stored.get("qa_scorecard_id"),
        qa_scorecard_version=stored.get("qa_scorecard_version"),
        metadata=stored.get("metadata") or {},
        webhook_url=stored.get("webhook_url"),
    )
    status = JobStatus(row.status)
    error = None
    if status == JobStatus.FAILED and row.error_code:
        error = JobError(code=row.error_code, message=row.error_message or "")
    return Job(
        id=row.id,
        account_id=row.account_id,
        status=status,
        request=request,
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        fetch_state=FetchState(row.fetch_state),
        audio_path=row.audio_path,
        duration=row.duration,
        error=error,
        result=row.result,
        attempts=row.attempts,
        fetch_attempts=row.fetch_attempts,
    )


def _sentiment_is(label: str) -> sa.ColumnElement[bool]:
    """A job whose customer (else overall) sentiment score carries ``label``."""
    score = sa.func.coalesce(
        jobs.c.result[("sentiment", "speakers", "customer")].as_float(),
        jobs.c.result[("sentiment", "overall")].as_float(),
    )
    band = SENTIMENT_NEUTRAL_BAND
    if label == "positive":
        return score > band
    if label == "negative":
        return score < -band
    if label == "neutral":
        return score.between(-band, band)
    raise ValueError(f"unknown sentiment label {label!r}")
