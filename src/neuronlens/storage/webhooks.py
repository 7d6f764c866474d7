"""Webhook endpoints, signing secrets and deliveries, per account (no FastAPI here).

The API routes and the dashboard both call this store; every read and write is scoped to an
account, and anything belonging to another account is ``NotFound``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from neuronlens.config import Settings
from neuronlens.errors import NotFound
from neuronlens.ids import new_id
from neuronlens.pipeline.netguard import (
    InvalidAudioURL,
    blocked_reason,
    parse_audio_url,
    parse_ip_literal,
)
from neuronlens.storage import webhook_claims
from neuronlens.storage import webhook_queue as queue
from neuronlens.storage.tables import webhook_deliveries, webhook_endpoints, webhook_signing_secrets
from neuronlens.storage.webhook_models import (
    EVENT_TYPES,
    TEST_EVENT,
    ClaimedDelivery,
    Delivery,
    DeliveryInProgress,
    DeliveryPage,
    DeliveryStatus,
    EndpointDisabled,
    InvalidWebhookURL,
    NewEndpointSecret,
    SigningSecret,
    UnknownEventType,
    WebhookEndpoint,
)
from neuronlens.storage.webhook_secrets import SecretBox, generate_secret

endpoints = webhook_endpoints
signing = webhook_signing_secrets
MAX_ENDPOINTS_PER_ACCOUNT = 50


def validate_webhook_url(url: str, *, allow_private: bool) -> str:
    """The URL if it is a sendable http(s) URL; InvalidWebhookURL otherwise (no DNS here)."""
    try:
        parsed = parse_audio_url(url, forbid_private=not allow_private)
    except InvalidAudioURL as exc:
        message = str(exc).replace("the audio URL", "the webhook URL")
        code = "webhook_url_forbidden" if exc.code == "audio_url_forbidden" else None
        raise InvalidWebhookURL(message, code=code) from None
    literal = parse_ip_literal(parsed.host)
    # Refused even where private networks are allowed (metadata services, multicast): say so
    # now rather than accept an endpoint that every delivery would fail on.
    reason = blocked_reason(literal, allow_private=True) if literal is not None else None
    if reason is not None:
        raise InvalidWebhookURL(f"the webhook URL points at {reason}", code="webhook_url_forbidden")
    if len(url) > 2048:
        raise InvalidWebhookURL("the webhook URL is longer than 2048 characters")
    return url


def validate_events(events: list[str] | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Known event types, deduplicated in order; None (or empty) means every event."""
    if not events:
        return None
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise UnknownEventType(
            f"unknown event type(s) {', '.join(unknown)}; use {', '.join(EVENT_TYPES)}"
        )
    return tuple(dict.fromkeys(events))


class WebhookStore:
    """Reads and writes webhook endpoints, secrets and deliveries in short transactions."""

    def __init__(
        self, engine: sa.Engine, box: SecretBox, *, allow_private: bool, grace_seconds: float
    ) -> None:
        self.engine = engine
        self.box = box
        self._allow_private = allow_private
        self._grace = timedelta(seconds=grace_seconds)

    @classmethod
    def from_settings(cls, engine: sa.Engine, settings: Settings) -> WebhookStore:
        """The store for a deployment's settings (secret key, private-URL policy, grace)."""
        return cls(
            engine,
            SecretBox.from_settings(settings),
            allow_private=settings.allow_private_urls,
            grace_seconds=settings.webhook_secret_grace_seconds,
        )

    # --- endpoints -----------------------------------------------------------------------

    def create_endpoint(
        self, account_id: str, url: str, events: list[str] | None = None
    ) -> NewEndpointSecret:
        """Register a receiver; returns it with its secret (the only time it is shown)."""
        validate_webhook_url(url, allow_private=self._allow_private)
        wanted = validate_events(events)
        secret = generate_secret()
        now = queue.utcnow()
        endpoint_id = new_id("ep")
        with self.engine.begin() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).where(endpoints.c.account_id == account_id)
            ).scalar_one()
            if count >= MAX_ENDPOINTS_PER_ACCOUNT:
                raise InvalidWebhookURL(
                    f"an account can register at most {MAX_ENDPOINTS_PER_ACCOUNT} endpoints",
                    code="too_many_webhook_endpoints",
                )
            conn.execute(
                endpoints.insert().values(
                    id=endpoint_id,
                    account_id=account_id,
                    url=url,
                    events=list(wanted) if wanted else None,
                    secret=self.box.seal(secret),
                    enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        return NewEndpointSecret(self.get_endpoint(account_id, endpoint_id), secret)

    def list_endpoints(self, account_id: str) -> list[WebhookEndpoint]:
        """The account's endpoints, oldest first."""
        query = sa.select(endpoints).where(endpoints.c.account_id == account_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(endpoints.c.id)).all()
        return [_endpoint(row) for row in rows]

    def get_endpoint(self, account_id: str, endpoint_id: str) -> WebhookEndpoint:
        """One endpoint; NotFound when missing or another account's."""
        with self.engine.connect() as conn:
            return _endpoint(self._endpoint_row(conn, account_id, endpoint_id))

    def update_endpoint(
        self,
        account_id: str,
        endpoint_id: str,
        *,
        url: str | None = None,
        events: list[str] | None = None,
        all_events: bool = False,
        enabled: bool | None = None,
    ) -> WebhookEndpoint:
        """Change the URL, the subscribed events (``all_events``: every one), or enable/disable."""
        changes: dict[str, Any] = {"updated_at": queue.utcnow()}
        if url is not None:
            changes["url"] = validate_webhook_url(url, allow_private=self._allow_private)
        if all_events or events is not None:
            wanted = None if all_events else validate_events(events)
            changes["events"] = list(wanted) if wanted else None
        if enabled is not None:
            changes["enabled"] = enabled
            changes["disabled_reason"] = None if enabled else "disabled by the account"
        with self.engine.begin() as conn:
            self._endpoint_row(conn, account_id, endpoint_id)
            conn.execute(endpoints.update().where(endpoints.c.id == endpoint_id).values(changes))
            if enabled is False:
                queue.fail_pending_for_endpoint(conn, endpoint_id, "the endpoint was disabled")
        return self.get_endpoint(account_id, endpoint_id)

    def delete_endpoint(self, account_id: str, endpoint_id: str) -> None:
        """Delete an endpoint with its deliveries and their attempt logs."""
        with self.engine.begin() as conn:
            self._endpoint_row(conn, account_id, endpoint_id)
            # Explicit rather than ON DELETE CASCADE alone: SQLite enforces it per connection.
            conn.execute(
                webhook_deliveries.delete().where(queue.deliveries.c.endpoint_id == endpoint_id)
            )
            conn.execute(endpoints.delete().where(endpoints.c.id == endpoint_id))

    def rotate_endpoint_secret(self, account_id: str, endpoint_id: str) -> NewEndpointSecret:
        """A new secret; the old one keeps signing too until the grace period ends."""
        secret = generate_secret()
        now = queue.utcnow()
        with self.engine.begin() as conn:
            row = self._endpoint_row(conn, account_id, endpoint_id)
            conn.execute(
                endpoints.update()
                .where(endpoints.c.id == endpoint_id)
                .values(
                    secret=self.box.seal(secret),
                    previous_secret=row.secret,
                    previous_secret_expires_at=now + self._grace,
                    updated_at=now,
                )
            )
        return NewEndpointSecret(self.get_endpoint(account_id, endpoint_id), secret)

    def _endpoint_row(self, conn: sa.Connection, account_id: str, endpoint_id: str) -> Any:
        row = conn.execute(
            sa.select(endpoints).where(
                endpoints.c.id == endpoint_id, endpoints.c.account_id == account_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no webhook endpoint {endpoint_id!r}")
        return row

    # --- the account's signing secret (for per-job webhook_url) --------------------------

    def signing_secret(self, account_id: str) -> SigningSecret:
        """The account's signing secret, created on first use."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(signing).where(signing.c.account_id == account_id)).first()
        if row is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        signing.insert().values(
                            account_id=account_id,
                            secret=self.box.seal(generate_secret()),
                            created_at=queue.utcnow(),
                        )
                    )
            except sa.exc.IntegrityError:
                pass  # created concurrently: use that one
            return self.signing_secret(account_id)
        return SigningSecret(
            account_id=account_id,
            secret=self.box.open(row.secret),
            created_at=row.created_at,
            rotated_at=row.rotated_at,
            previous_secret_expires_at=row.previous_secret_expires_at,
        )

    def rotate_signing_secret(self, account_id: str) -> SigningSecret:
        """A new account secret; the previous one keeps signing until the grace period ends."""
        current = self.signing_secret(account_id)
        now = queue.utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                signing.update()
                .where(signing.c.account_id == account_id)
                .values(
                    secret=self.box.seal(generate_secret()),
                    previous_secret=self.box.seal(current.secret),
                    previous_secret_expires_at=now + self._grace,
                    rotated_at=now,
                )
            )
        return self.signing_secret(account_id)

    # --- deliveries ----------------------------------------------------------------------

    def send_test_event(self, account_id: str, endpoint_id: str) -> Delivery:
        """Queue a ``webhook.test`` event for one endpoint."""
        endpoint = self.get_endpoint(account_id, endpoint_id)
        if not endpoint.enabled:
            raise EndpointDisabled(f"webhook endpoint {endpoint_id!r} is disabled; enable it first")
        now = queue.utcnow()
        data = {"endpoint_id": endpoint.id, "message": "a test event from NeuronLens"}
        payload = queue.event_payload(TEST_EVENT, now, data)
        with self.engine.begin() as conn:
            event_id = queue.insert_event(
                conn, account_id, TEST_EVENT, None, payload, [(endpoint.id, endpoint.url)], now
            )
            delivery_id = conn.execute(
                sa.select(queue.deliveries.c.id).where(queue.deliveries.c.event_id == event_id)
            ).scalar_one()
        return self.get_delivery(account_id, delivery_id)

    def list_deliveries(
        self,
        account_id: str,
        *,
        endpoint_id: str | None = None,
        job_id: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> DeliveryPage:
        """Newest first, each with its attempts; ``cursor`` is the previous page's last id."""
        d = queue.deliveries
        query = queue.delivery_query().where(d.c.account_id == account_id)
        with self.engine.connect() as conn:
            if endpoint_id is not None:
                self._endpoint_row(conn, account_id, endpoint_id)
                query = query.where(d.c.endpoint_id == endpoint_id)
            if job_id is not None:
                query = query.where(queue.webhook_events.c.job_id == job_id)
            if cursor:
                query = query.where(d.c.id < cursor)
            rows = conn.execute(query.order_by(d.c.id.desc()).limit(limit + 1)).all()
            page = queue.load_deliveries(conn, rows[:limit])
        return DeliveryPage(page, page[-1].id if len(rows) > limit else None)

    def get_delivery(
        self, account_id: str, delivery_id: str, *, endpoint_id: str | None = None
    ) -> Delivery:
        """One delivery with its attempts; NotFound when missing or another account's."""
        d = queue.deliveries
        query = queue.delivery_query().where(d.c.id == delivery_id, d.c.account_id == account_id)
        if endpoint_id is not None:
            query = query.where(d.c.endpoint_id == endpoint_id)
        with self.engine.connect() as conn:
            found = queue.load_deliveries(conn, conn.execute(query).all())
        if not found:
            raise NotFound(f"no webhook delivery {delivery_id!r}")
        return found[0]

    def replay_delivery(
        self, account_id: str, delivery_id: str, *, endpoint_id: str | None = None
    ) -> Delivery:
        """Send a finished delivery's event again, as a new delivery (same ``webhook-id``)."""
        original = self.get_delivery(account_id, delivery_id, endpoint_id=endpoint_id)
        if original.status == DeliveryStatus.PENDING:
            raise DeliveryInProgress(f"delivery {delivery_id!r} is still being delivered")
        url = original.url
        if original.endpoint_id is not None:
            endpoint = self.get_endpoint(account_id, original.endpoint_id)
            if not endpoint.enabled:
                raise EndpointDisabled(f"webhook endpoint {endpoint.id!r} is disabled")
            url = endpoint.url
        with self.engine.begin() as conn:
            new_id_ = queue.insert_delivery(
                conn,
                account_id,
                original.event_id,
                original.endpoint_id,
                url,
                queue.utcnow(),
                replay_of=original.id,
            )
        return self.get_delivery(account_id, new_id_)

    # --- for the sender (storage.webhook_claims) -----------------------------------------

    def claim_delivery(self, owner: str, lease_seconds: float) -> ClaimedDelivery | None:
        """Take one due delivery with a lease, with its body and the secrets to sign it with."""
        return webhook_claims.claim_delivery(self, owner, lease_seconds)

    def disable_endpoint(self, endpoint_id: str, reason: str) -> None:
        """Disable an endpoint (the receiver answered 410 Gone) and drop its queued deliveries."""
        webhook_claims.disable_endpoint(self.engine, endpoint_id, reason)


def _endpoint(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        account_id=row.account_id,
        url=row.url,
        events=tuple(row.events) if row.events else None,
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        previous_secret_expires_at=row.previous_secret_expires_at,
    )
