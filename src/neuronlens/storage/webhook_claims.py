"""The sender's side of the store: claim a due delivery with what it takes to sign it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from neuronlens.storage import webhook_queue as queue
from neuronlens.storage.tables import webhook_endpoints as endpoints
from neuronlens.storage.tables import webhook_signing_secrets as signing
from neuronlens.storage.webhook_models import ClaimedDelivery
from neuronlens.storage.webhook_secrets import SecretBox, SecretUnreadable

if TYPE_CHECKING:
    from neuronlens.storage.webhooks import WebhookStore


def claim_delivery(store: WebhookStore, owner: str, lease_seconds: float) -> ClaimedDelivery | None:
    """Take one due delivery with a lease, with its body and the secrets to sign it with."""
    row = queue.claim(store.engine, owner, lease_seconds)
    if row is None:
        return None
    try:
        url, secrets, refusal = _target(store, row)
    except SecretUnreadable as exc:
        # Sending unsigned is not an option, and waiting cannot fix a wrong server key:
        # fail it visibly (it can be replayed once the key is right).
        url, secrets, refusal = row.url, [], f"not sent: {exc.message}"
    return ClaimedDelivery(
        id=row.id,
        account_id=row.account_id,
        event_id=row.event_id,
        endpoint_id=row.endpoint_id,
        url=url,
        payload=row.payload,
        attempt=row.attempts,
        secrets=tuple(secrets),
        refusal=refusal,
    )


def _target(store: WebhookStore, row: Any) -> tuple[str, list[str], str | None]:
    """Where a claimed delivery goes, the secrets to sign it with, and a refusal if any."""
    now = queue.utcnow()
    if row.endpoint_id is None:  # a job's own webhook_url: the account's signing secret
        secret = store.signing_secret(row.account_id)
        with store.engine.connect() as conn:
            sealed = conn.execute(
                sa.select(signing.c.previous_secret, signing.c.previous_secret_expires_at).where(
                    signing.c.account_id == row.account_id
                )
            ).one()
        return row.url, [secret.secret, *_previous(store.box, sealed, now)], None
    with store.engine.connect() as conn:
        ep = conn.execute(sa.select(endpoints).where(endpoints.c.id == row.endpoint_id)).first()
    if ep is None:
        return row.url, [], "not sent: the endpoint was deleted"
    refusal = None if ep.enabled else f"not sent: the endpoint is disabled ({ep.disabled_reason})"
    return ep.url, [store.box.open(ep.secret), *_previous(store.box, ep, now)], refusal


def _previous(box: SecretBox, row: Any, now: datetime) -> list[str]:
    """The previous secret while its grace period after a rotation lasts."""
    expires = row.previous_secret_expires_at
    if row.previous_secret is None or expires is None or expires <= now:
        return []
    return [box.open(row.previous_secret)]


def disable_endpoint(engine: sa.Engine, endpoint_id: str, reason: str) -> None:
    """Disable an endpoint and give up its queued deliveries, in one transaction."""
    with engine.begin() as conn:
        conn.execute(
            endpoints.update()
            .where(endpoints.c.id == endpoint_id)
            .values(enabled=False, disabled_reason=reason[:300], updated_at=queue.utcnow())
        )
        queue.fail_pending_for_endpoint(conn, endpoint_id, f"the endpoint was disabled: {reason}")
