"""Table definitions (SQLAlchemy Core). Alembic migrations must match these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType: Any = sa.JSON().with_variant(JSONB(), "postgresql")

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("request", JSONType, nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("completed_at", UTCDateTime(), nullable=True),
    # Ingestion: a separate, cheap step that runs promptly after submission.
    sa.Column("fetch_state", sa.String(16), nullable=False),
    sa.Column("fetch_attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("fetch_not_before", UTCDateTime(), nullable=True),
    sa.Column("audio_path", sa.String(1024), nullable=True),
    sa.Column("audio_bytes", sa.BigInteger(), nullable=True),
    # Whoever holds the job now (a downloader, then a processor) and until when: a lease, so
    # that the job of a crashed or killed worker is taken up again once it runs out.
    sa.Column("lease_owner", sa.String(80), nullable=True),
    sa.Column("lease_until", UTCDateTime(), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("duration", sa.Float(), nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("error_message", sa.Text(), nullable=True),
    sa.Column("result", JSONType, nullable=True),
    sa.UniqueConstraint("account_id", "idempotency_key", name="uq_jobs_account_idempotency"),
    sa.Index("ix_jobs_account_id_id", "account_id", "id"),
    sa.Index("ix_jobs_status_fetch_state", "status", "fetch_state"),
)

# --- webhooks (migration 0002) -------------------------------------------------------------

# Secrets are stored Fernet-encrypted (key derived from the server secret), never in clear.
# During a rotation the previous secret stays valid (and is also signed with) until it expires.
webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("events", JSONType, nullable=True),  # null: every event type
    sa.Column("secret", sa.Text(), nullable=False),
    sa.Column("previous_secret", sa.Text(), nullable=True),
    sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("disabled_reason", sa.String(300), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_webhook_endpoints_account_id_id", "account_id", "id"),
)

# Signs deliveries to a job's own ``webhook_url``.
webhook_signing_secrets = sa.Table(
    "webhook_signing_secrets",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("secret", sa.Text(), nullable=False),
    sa.Column("previous_secret", sa.Text(), nullable=True),
    sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("rotated_at", UTCDateTime(), nullable=True),
)

# One row per event (its exact JSON body, the ``webhook-id`` receivers deduplicate on) ...
webhook_events = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("job_id", sa.String(40), nullable=True),  # no FK: deleting a job keeps its events
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

# ... and one row per (event, target): the durable queue the delivery threads claim from.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column(
        "event_id",
        sa.String(40),
        sa.ForeignKey("webhook_events.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "endpoint_id",
        sa.String(40),
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=True,  # null: the job's own webhook_url, signed with the account secret
    ),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(80), nullable=True),
    sa.Column("lease_until", UTCDateTime(), nullable=True),
    sa.Column("last_status_code", sa.Integer(), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("replay_of", sa.String(40), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("delivered_at", UTCDateTime(), nullable=True),
    sa.Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
    sa.Index("ix_webhook_deliveries_account_id_id", "account_id", "id"),
    sa.Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
)

webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "delivery_id",
        sa.String(40),
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("attempted_at", UTCDateTime(), nullable=False),
    sa.Column("status_code", sa.Integer(), nullable=True),
    sa.Column("latency_ms", sa.Float(), nullable=False),
    sa.Column("error", sa.String(500), nullable=True),
    sa.Column("response_body", sa.String(1024), nullable=True),
    sa.Index("ix_webhook_attempts_delivery_id", "delivery_id", "number"),
)

# --- scorecards (migration 0003) -----------------------------------------------------------

# A scorecard is a head row (owner, archive state, newest version) plus immutable versions:
# editing inserts a version, so a job scored with version 3 can always be re-read as it was.
# The version a job uses is pinned in its ``request`` JSON (``qa_scorecard_version``).
scorecards = sa.Table(
    "scorecards",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("latest_version", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("archived_at", UTCDateTime(), nullable=True),
    sa.Index("ix_scorecards_account_id_id", "account_id", "id"),
)

scorecard_versions = sa.Table(
    "scorecard_versions",
    metadata,
    sa.Column(
        "scorecard_id",
        sa.String(40),
        sa.ForeignKey("scorecards.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("version", sa.Integer(), primary_key=True),
    sa.Column("definition", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)
