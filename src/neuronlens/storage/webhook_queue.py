"""The durable delivery queue: events and deliveries in the database, claimed with a lease.

``enqueue_job_event`` runs inside the transaction that finishes a job, so an event exists if
and only if the job's final status does: a crash can lose neither.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from neuronlens.domain import Job, JobStatus
from neuronlens.ids import new_id
from neuronlens.serialize import isoformat, job_to_body
from neuronlens.storage.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
)
from neuronlens.storage.webhook_models import (
    JOB_COMPLETED,
    JOB_FAILED,
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryStatus,
)

deliveries = webhook_deliveries
MAX_ERROR_CHARS = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def event_payload(event_type: str, created_at: datetime, data: dict[str, Any]) -> str:
    """The exact JSON body every target of an event receives (and the signature covers)."""
    body = {"type": event_type, "created_at": isoformat(created_at), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def enqueue_job_event(conn: sa.Connection, job: Job) -> str | None:
    """Queue the job's final event for its endpoints and webhook_url; the event id, or None."""
    event_type = JOB_COMPLETED if job.status == JobStatus.COMPLETED else JOB_FAILED
    rows = conn.execute(
        sa.select(webhook_endpoints.c.id, webhook_endpoints.c.url, webhook_endpoints.c.events)
        .where(webhook_endpoints.c.account_id == job.account_id, webhook_endpoints.c.enabled)
        .order_by(webhook_endpoints.c.id)
    ).all()
    targets: list[tuple[str | None, str]] = [
        (row.id, row.url) for row in rows if row.events is None or event_type in row.events
    ]
    if job.request.webhook_url:
        targets.append((None, job.request.webhook_url))
    if not targets:
        return None
    now = utcnow()
    payload = event_payload(event_type, now, job_to_body(job))
    return insert_event(conn, job.account_id, event_type, job.id, payload, targets, now)


def insert_event(
    conn: sa.Connection,
    account_id: str,
    event_type: str,
    job_id: str | None,
    payload: str,
    targets: Sequence[tuple[str | None, str]],
    now: datetime,
) -> str:
    """Store an event and one pending delivery per ``(endpoint_id, url)`` target."""
    event_id = new_id("msg")
    conn.execute(
        webhook_events.insert().values(
            id=event_id,
            account_id=account_id,
            type=event_type,
            job_id=job_id,
            payload=payload,
            created_at=now,
        )
    )
    for endpoint_id, url in targets:
        insert_delivery(conn, account_id, event_id, endpoint_id, url, now)
    return event_id


def insert_delivery(
    conn: sa.Connection,
    account_id: str,
    event_id: str,
    endpoint_id: str | None,
    url: str,
    now: datetime,
    replay_of: str | None = None,
) -> str:
    """One pending delivery, due now."""
    delivery_id = new_id("dlv")
    conn.execute(
        deliveries.insert().values(
            id=delivery_id,
            account_id=account_id,
            event_id=event_id,
            endpoint_id=endpoint_id,
            url=url,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            replay_of=replay_of,
            created_at=now,
            updated_at=now,
        )
    )
    return delivery_id


def claim(engine: sa.Engine, owner: str, lease_seconds: float) -> sa.Row[Any] | None:
    """Take the most overdue pending delivery with a lease; its row joined with the event."""
    now = utcnow()
    ready = sa.and_(
        deliveries.c.status == DeliveryStatus.PENDING.value,
        deliveries.c.next_attempt_at <= now,
        sa.or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
    )
    pick = sa.select(deliveries.c.id).where(ready)
    pick = pick.order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(1)
    if engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    with engine.begin() as conn:
        delivery_id = conn.execute(pick).scalar()
        if delivery_id is None:
            return None
        taken = conn.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery_id, ready)
            .values(
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=deliveries.c.attempts + 1,
                updated_at=now,
            )
        )
        if taken.rowcount != 1:  # SQLite: someone else's conditional UPDATE won
            return None
        return conn.execute(
            sa.select(deliveries, webhook_events.c.payload)
            .join(webhook_events, webhook_events.c.id == deliveries.c.event_id)
            .where(deliveries.c.id == delivery_id)
        ).one()


def record_attempt(
    engine: sa.Engine,
    delivery_id: str,
    owner: str,
    number: int,
    result: AttemptResult,
    status: DeliveryStatus,
    next_attempt_at: datetime | None,
) -> bool:
    """Log an attempt and move the delivery on; False if the delivery no longer exists."""
    now = utcnow()
    error = result.error[:MAX_ERROR_CHARS] if result.error else None
    with engine.begin() as conn:
        changes: dict[str, Any] = {
            "status": status.value,
            "next_attempt_at": next_attempt_at,
            "lease_owner": None,
            "lease_until": None,
            "last_status_code": result.status_code,
            "last_error": error,
            "updated_at": now,
        }
        if status == DeliveryStatus.SUCCEEDED:
            changes["delivered_at"] = now
        mine = sa.and_(deliveries.c.id == delivery_id, deliveries.c.lease_owner == owner)
        if conn.execute(deliveries.update().where(mine).values(**changes)).rowcount != 1:
            # Our lease ran out (a very slow receiver): keep the log, leave the state alone.
            exists = conn.execute(sa.select(deliveries.c.id).where(deliveries.c.id == delivery_id))
            if exists.first() is None:
                return False  # deleted with its endpoint meanwhile
        conn.execute(
            webhook_attempts.insert().values(
                id=new_id("att"),
                delivery_id=delivery_id,
                number=number,
                attempted_at=now,
                status_code=result.status_code,
                latency_ms=round(result.latency_ms, 1),
                error=error,
                response_body=result.response_body[:1000] if result.response_body else None,
            )
        )
    return True


def finish_unsent(engine: sa.Engine, delivery_id: str, owner: str, reason: str) -> None:
    """End a claimed delivery as failed without sending it (its endpoint was disabled)."""
    with engine.begin() as conn:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery_id, deliveries.c.lease_owner == owner)
            .values(
                status=DeliveryStatus.FAILED.value,
                next_attempt_at=None,
                lease_owner=None,
                lease_until=None,
                last_error=reason[:MAX_ERROR_CHARS],
                updated_at=utcnow(),
            )
        )


def fail_pending_for_endpoint(conn: sa.Connection, endpoint_id: str, reason: str) -> None:
    """Give up every queued delivery of an endpoint that was disabled."""
    conn.execute(
        deliveries.update()
        .where(
            deliveries.c.endpoint_id == endpoint_id,
            deliveries.c.status == DeliveryStatus.PENDING.value,
            deliveries.c.lease_owner.is_(None),
        )
        .values(
            status=DeliveryStatus.FAILED.value,
            next_attempt_at=None,
            last_error=reason[:MAX_ERROR_CHARS],
            updated_at=utcnow(),
        )
    )


def delivery_query() -> sa.Select[Any]:
    """Deliveries with their event's type and job id."""
    return sa.select(deliveries, webhook_events.c.type, webhook_events.c.job_id).join(
        webhook_events, webhook_events.c.id == deliveries.c.event_id
    )


def load_deliveries(conn: sa.Connection, rows: Sequence[sa.Row[Any]]) -> list[Delivery]:
    """Rows of ``delivery_query`` as Delivery values, each with its attempt log."""
    ids = [row.id for row in rows]
    log: dict[str, list[Attempt]] = {delivery_id: [] for delivery_id in ids}
    if ids:
        attempts = conn.execute(
            sa.select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_(ids))
            .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.number)
        ).all()
        for a in attempts:
            log[a.delivery_id].append(
                Attempt(
                    a.number, a.attempted_at, a.status_code, a.latency_ms, a.error, a.response_body
                )
            )
    return [
        Delivery(
            id=row.id,
            account_id=row.account_id,
            event_id=row.event_id,
            event_type=row.type,
            job_id=row.job_id,
            endpoint_id=row.endpoint_id,
            url=row.url,
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            replay_of=row.replay_of,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            attempt_log=tuple(log[row.id]),
        )
        for row in rows
    ]
