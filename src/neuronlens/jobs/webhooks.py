"""Sending webhooks: Standard Webhooks signatures, the retry policy, and ``deliver_due``.

Deliveries wait in the database (``storage.webhook_queue``); whoever runs ``deliver_due`` —
the embedded queue's delivery threads, or a Celery I/O worker — claims due ones with a lease,
POSTs them and records the attempt. Nothing here blocks job processing: these are separate
threads (or workers), and every attempt has a total deadline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import random
import time
import weakref
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.webhook_http import SendOptions, post_webhook
from neuronlens.storage import webhook_queue
from neuronlens.storage.repository import Repository
from neuronlens.storage.webhook_models import AttemptResult, ClaimedDelivery, DeliveryStatus
from neuronlens.storage.webhook_secrets import secret_key_bytes
from neuronlens.storage.webhooks import WebhookStore

log = logging.getLogger(__name__)

JITTER = 0.1
"""Each retry delay is scaled by a random factor in [0.9, 1.1], so that a receiver coming back
from an outage is not hit by every queued delivery in the same second."""
GONE = 410
_stores: weakref.WeakKeyDictionary[Repository, WebhookStore] = weakref.WeakKeyDictionary()


def sign(msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> str:
    """The ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256>`` per secret, space-separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1,"
        + base64.b64encode(hmac.new(secret_key_bytes(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets
    )


def signature_headers(
    msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(msg_id, timestamp, body, secrets),
    }


def retryable(result: AttemptResult) -> bool:
    """Timeouts, connection errors, 408, 429 and 5xx are worth another attempt."""
    if result.status_code is None:
        return not result.permanent
    return result.status_code in (408, 429) or result.status_code >= 500


def retry_delay(
    attempt: int,
    delays: Sequence[float],
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the attempt after ``attempt`` (1-based), or None once the schedule is over."""
    if attempt > len(delays):
        return None
    delay = delays[attempt - 1] * (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return max(delay, retry_after) if retry_after is not None else delay


def outcome(
    result: AttemptResult, attempt: int, delays: Sequence[float], now: datetime
) -> tuple[DeliveryStatus, datetime | None]:
    """The delivery's next state after an attempt: done, failed, or pending until a time."""
    code = result.status_code
    if code is not None and 200 <= code < 300:
        return DeliveryStatus.SUCCEEDED, None
    if retryable(result):
        delay = retry_delay(attempt, delays, result.retry_after)
        if delay is not None:
            return DeliveryStatus.PENDING, now + timedelta(seconds=delay)
    return DeliveryStatus.FAILED, None


def webhook_store(ctx: WorkerContext) -> WebhookStore:
    """The webhook store over a worker context's database (one per repository)."""
    store = _stores.get(ctx.repository)
    if store is None:
        store = WebhookStore.from_settings(ctx.repository.engine, ctx.settings)
        _stores[ctx.repository] = store
    return store


def deliver_due(ctx: WorkerContext, owner: str, limit: int = 10) -> int:
    """Claim and send up to ``limit`` due deliveries, one at a time; how many were handled."""
    store = webhook_store(ctx)
    options = SendOptions.from_settings(ctx.settings)
    delays = list(ctx.settings.webhook_retry_delays)
    # Long enough for one attempt, so that only a dead sender's delivery is taken over.
    lease = options.timeout * 2 + 30
    handled = 0
    while handled < limit:
        claim = store.claim_delivery(owner, lease)
        if claim is None:
            break
        send_claimed(store, claim, owner, options, delays)
        handled += 1
    return handled


def send_claimed(
    store: WebhookStore,
    claim: ClaimedDelivery,
    owner: str,
    options: SendOptions,
    delays: Sequence[float],
) -> DeliveryStatus:
    """Send one claimed delivery, log the attempt and schedule what comes next."""
    if claim.refusal is not None:
        webhook_queue.finish_unsent(store.engine, claim.id, owner, claim.refusal)
        return DeliveryStatus.FAILED
    body = claim.payload.encode()
    headers = signature_headers(claim.event_id, int(time.time()), body, claim.secrets)
    result = post_webhook(claim.url, body, headers, options)
    code = result.status_code
    if code is not None and not 200 <= code < 300:
        result = replace(result, error=f"the receiver answered HTTP {code}")
    status, next_at = outcome(result, claim.attempt, delays, webhook_queue.utcnow())
    if status == DeliveryStatus.FAILED and retryable(result):
        result = replace(result, error=f"{result.error}; gave up after {claim.attempt} attempts")
    if not webhook_queue.record_attempt(
        store.engine, claim.id, owner, claim.attempt, result, status, next_at
    ):
        return status
    if code == GONE and claim.endpoint_id is not None:
        store.disable_endpoint(claim.endpoint_id, "the receiver answered 410 Gone")
    log.info(
        "webhook %s attempt %d to endpoint %s: %s -> %s",
        claim.id,
        claim.attempt,
        claim.endpoint_id or "(job webhook_url)",
        code if code is not None else result.error,
        status.value if next_at is None else f"retry at {next_at:%H:%M:%S}",
    )
    return status
