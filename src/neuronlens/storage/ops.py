"""Operational queries over the jobs table: what the sweeper re-announces, what metrics count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from neuronlens.domain import FetchState, JobStatus
from neuronlens.storage.clock import utcnow
from neuronlens.storage.tables import jobs, webhook_attempts, webhook_deliveries

_PENDING = JobStatus.PENDING.value
_PROCESSING = JobStatus.PROCESSING.value


@dataclass(frozen=True)
class Stranded:
    """Jobs whose queue message is (probably) gone: to be announced again."""

    fetch: list[str]
    process: list[str]


@dataclass(frozen=True)
class QueueDepth:
    """Jobs waiting for a worker, from the database (the source of truth)."""

    fetch: int
    """Pending downloads that could start now."""
    process: int
    """Downloaded jobs waiting for a speech worker, or whose worker's lease ran out."""


def _fetch_claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        jobs.c.status == _PENDING,
        jobs.c.fetch_state == FetchState.PENDING.value,
        sa.or_(jobs.c.fetch_not_before.is_(None), jobs.c.fetch_not_before <= now),
        sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
    )


def _process_claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        jobs.c.fetch_state == FetchState.DONE.value,
        sa.or_(
            jobs.c.status == _PENDING,
            sa.and_(jobs.c.status == _PROCESSING, jobs.c.lease_until < now),
        ),
    )


class OpsQueries:
    """Cross-account reads and one bookkeeping write, for the sweeper and ``/metrics``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def stranded(
        self,
        requeue_after: float,
        limit: int = 500,
        *,
        quiet_fetch: bool = True,
        quiet_process: bool = True,
    ) -> Stranded:
        """Claimable jobs whose worker died (lease ran out) or that waited ``requeue_after``.

        A job is announced once when its lease runs out (``updated_at`` then still predates
        ``lease_until``: the heartbeat last touched it), once when a download's retry delay has
        passed, and again every ``requeue_after`` seconds while nobody claims it (a lost message).
        ``mark_announced`` moves ``updated_at`` forward so that each rule fires once.
        ``quiet_fetch`` / ``quiet_process`` False skip the last rule for a queue whose broker
        backlog already holds a message for every waiting job (a long queue, not a lost message).
        """
        now = utcnow()
        quiet = jobs.c.updated_at < now - timedelta(seconds=requeue_after)
        lease_ran_out = sa.and_(
            jobs.c.lease_until.is_not(None),
            jobs.c.lease_until < now,
            jobs.c.updated_at <= jobs.c.lease_until,
        )
        retry_due = sa.and_(
            jobs.c.fetch_not_before.is_not(None), jobs.c.updated_at < jobs.c.fetch_not_before
        )
        never = sa.false()
        fetch = sa.and_(
            _fetch_claimable(now),
            sa.or_(quiet if quiet_fetch else never, lease_ran_out, retry_due),
        )
        process = sa.and_(
            _process_claimable(now), sa.or_(quiet if quiet_process else never, lease_ran_out)
        )
        with self.engine.connect() as conn:
            fetch_ids = conn.execute(
                sa.select(jobs.c.id).where(fetch).order_by(jobs.c.id).limit(limit)
            ).scalars()
            process_ids = conn.execute(
                sa.select(jobs.c.id).where(process).order_by(jobs.c.id).limit(limit)
            ).scalars()
            return Stranded(fetch=list(fetch_ids), process=list(process_ids))

    def mark_announced(self, job_ids: list[str]) -> None:
        """Record that these jobs were just announced again (see ``stranded``)."""
        if not job_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(jobs.update().where(jobs.c.id.in_(job_ids)).values(updated_at=utcnow()))

    def counts_by_status(self) -> dict[str, int]:
        """How many jobs are in each status (every status present, zero when none)."""
        counts = {status.value: 0 for status in JobStatus}
        query = sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status)
        with self.engine.connect() as conn:
            for status, count in conn.execute(query):
                counts[status] = int(count)
        return counts

    def queue_depth(self) -> QueueDepth:
        """Jobs waiting for a downloader and for a speech worker."""
        now = utcnow()
        count = sa.select(sa.func.count()).select_from(jobs)
        with self.engine.connect() as conn:
            fetch = conn.execute(count.where(_fetch_claimable(now))).scalar_one()
            process = conn.execute(count.where(_process_claimable(now))).scalar_one()
        return QueueDepth(fetch=int(fetch), process=int(process))

    def webhooks_due(self) -> int:
        """Webhook deliveries due now that no sender holds."""
        now = utcnow()
        due = sa.and_(
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.next_attempt_at <= now,
            sa.or_(
                webhook_deliveries.c.lease_until.is_(None), webhook_deliveries.c.lease_until < now
            ),
        )
        query = sa.select(sa.func.count()).select_from(webhook_deliveries).where(due)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def webhook_counts(self) -> tuple[dict[str, int], int]:
        """Deliveries by status, and how many delivery attempts failed (error or non-2xx)."""
        by_status = {"pending": 0, "succeeded": 0, "failed": 0}
        query = sa.select(webhook_deliveries.c.status, sa.func.count()).group_by(
            webhook_deliveries.c.status
        )
        code = webhook_attempts.c.status_code
        failed = sa.or_(
            webhook_attempts.c.error.is_not(None), code.is_(None), code < 200, code >= 300
        )
        attempts = sa.select(sa.func.count()).select_from(webhook_attempts).where(failed)
        with self.engine.connect() as conn:
            for status, count in conn.execute(query):
                by_status[status] = int(count)
            failed_attempts = int(conn.execute(attempts).scalar_one())
        return by_status, failed_attempts
