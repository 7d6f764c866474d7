"""Webhook sending against a real receiver on localhost, on SQLite and PostgreSQL.

Signatures are checked with ``standardwebhooks``, the Standard Webhooks reference library.
"""

from __future__ import annotations

import json
import random
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from neuronlens.config import Settings
from neuronlens.domain import JobError, JobRequest
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.webhook_http import SendOptions, post_webhook, retry_after_seconds
from neuronlens.jobs.webhooks import deliver_due, retry_delay, sign, webhook_store
from neuronlens.storage.webhook_models import Delivery, DeliveryStatus
from neuronlens.storage.webhook_secrets import generate_secret
from tests.support.polling import wait_for
from tests.support.webhook_receiver import Received, Reply, WebhookReceiver

FAST = [0.2, 0.2, 0.2, 0.2]


@pytest.fixture
def ctx(settings: Settings) -> Iterator[WorkerContext]:
    fast = settings.model_copy(update={"webhook_retry_delays": FAST, "webhook_timeout": 2.0})
    context = WorkerContext.from_settings(fast)
    yield context
    context.repository.engine.dispose()


def verify(secret: str, request: Received) -> dict[str, object]:
    """The body, verified by the reference implementation (raises if the signature is wrong)."""
    payload: dict[str, object] = Webhook(secret).verify(request.body, request.headers)
    return payload


def deliver_until(ctx: WorkerContext, account_id: str, delivery_id: str, *, timeout: float = 15):
    """Run ``deliver_due`` until the delivery is no longer pending; the final delivery."""

    def finished() -> Delivery | None:
        deliver_due(ctx, "test-sender")
        delivery = webhook_store(ctx).get_delivery(account_id, delivery_id)
        return delivery if delivery.status != DeliveryStatus.PENDING else None

    result: Delivery = wait_for(finished, timeout=timeout, interval=0.05, what="the delivery")
    return result


def finished_job(ctx: WorkerContext, account_id: str, webhook_url: str, *, ok: bool) -> str:
    repository = ctx.repository
    request = JobRequest("https://example.com/a.mp3", "hi-IN", webhook_url=webhook_url)
    job = repository.create_job(account_id, request, "hash", None).job
    assert repository.claim_fetch("fetcher", 60) is not None
    if ok:
        assert repository.finish_fetch(job.id, "fetcher", "/tmp/a", 10)
        assert repository.claim_job("worker", 60) is not None
        assert repository.complete_job(job.id, "worker", {"transcript": []})
    else:
        error = JobError("audio_fetch_failed", "HTTP 404")
        assert repository.fail_job(job.id, error, owner="fetcher")
    return job.id


# --- signing and the schedule (no I/O) -----------------------------------------------------


def test_signatures_verify_with_the_reference_implementation() -> None:
    old, new = generate_secret(), generate_secret()
    body = json.dumps({"type": "transcription.completed", "data": {"text": "नमस्ते"}}).encode()
    timestamp = int(datetime.now(UTC).timestamp())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign("msg_1", timestamp, body, [new, old]),
    }
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["data"] == {"text": "नमस्ते"}
    expected = Webhook(new).sign("msg_1", datetime.fromtimestamp(timestamp, UTC), body.decode())
    assert headers["webhook-signature"].split(" ")[0] == expected
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace(b"completed", b"failed"), headers)


def test_the_default_schedule_retries_for_more_than_a_day() -> None:
    delays = Settings().webhook_retry_delays
    assert delays[:6] == [5, 300, 1800, 7200, 18000, 36000]
    assert sum(delays) * 0.9 >= 24 * 3600  # even if every jitter draw is the lowest
    rng = random.Random(7)
    for attempt, base in enumerate(delays, start=1):
        delay = retry_delay(attempt, delays, rng=rng)
        assert delay is not None and 0.9 * base <= delay <= 1.1 * base
    assert retry_delay(len(delays) + 1, delays) is None  # the schedule is over: give up
    assert retry_delay(1, delays, retry_after=120, rng=rng) == 120  # Retry-After wins
    assert (retry_delay(2, delays, retry_after=1, rng=rng) or 0) >= 270  # never shortens it


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(format_datetime(now + timedelta(minutes=3), usegmt=True), now) == 180
    assert retry_after_seconds("10000000") == 24 * 3600
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


# --- delivery against a real receiver -------------------------------------------------------


def test_failed_attempts_are_retried_until_the_event_arrives(ctx: WorkerContext) -> None:
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    script = [Reply(500, body=b"oops"), Reply(429, {"Retry-After": "1"})]
    with WebhookReceiver(script) as receiver:
        new = store.create_endpoint(account.id, receiver.url())
        queued = store.send_test_event(account.id, new.endpoint.id)
        delivery = deliver_until(ctx, account.id, queued.id)
        got = receiver.received

    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.delivered_at is not None
    assert [r.status for r in got] == [500, 429, 200]
    assert {r.headers["webhook-id"] for r in got} == {delivery.event_id}  # one id: dedupe on it
    for request in got:
        body = verify(new.secret, request)
        assert body["type"] == "webhook.test"
        assert request.headers["content-type"] == "application/json"
    assert got[2].at - got[1].at >= 1.0  # Retry-After: 1 was honoured (the schedule says 0.2)
    log = delivery.attempt_log
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 429), (3, 200)]
    assert log[0].error == "the receiver answered HTTP 500" and log[0].response_body == "oops"
    assert all(a.latency_ms > 0 for a in log) and log[2].error is None


def test_410_gone_disables_the_endpoint_and_drops_its_queue(ctx: WorkerContext) -> None:
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    with WebhookReceiver([Reply(410)]) as receiver:
        endpoint = store.create_endpoint(account.id, receiver.url()).endpoint
        first = store.send_test_event(account.id, endpoint.id)
        second = store.send_test_event(account.id, endpoint.id)
        assert deliver_until(ctx, account.id, first.id).status == DeliveryStatus.FAILED
        assert deliver_due(ctx, "test-sender") == 0
        assert len(receiver.received) == 1
    disabled = store.get_endpoint(account.id, endpoint.id)
    assert not disabled.enabled and "410" in (disabled.disabled_reason or "")
    both = [store.get_delivery(account.id, queued.id) for queued in (first, second)]
    assert all(d.status == DeliveryStatus.FAILED for d in both)
    (sent,) = [d for d in both if d.attempt_log]
    (dropped,) = [d for d in both if not d.attempt_log]  # given up without being sent
    assert sent.last_status_code == 410 and "disabled" in (dropped.last_error or "")
    # A job finishing now queues nothing for the disabled endpoint.
    job_id = finished_job(ctx, account.id, "", ok=True)
    assert store.list_deliveries(account.id, job_id=job_id).deliveries == []
    # Re-enabled by its owner, it receives again.
    store.update_endpoint(account.id, endpoint.id, enabled=True)
    assert store.get_endpoint(account.id, endpoint.id).disabled_reason is None


def test_other_client_errors_fail_at_once(ctx: WorkerContext) -> None:
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    with WebhookReceiver([Reply(400), Reply(301, {"Location": "/elsewhere"})]) as receiver:
        endpoint = store.create_endpoint(account.id, receiver.url()).endpoint
        bad = deliver_until(ctx, account.id, store.send_test_event(account.id, endpoint.id).id)
        moved = deliver_until(ctx, account.id, store.send_test_event(account.id, endpoint.id).id)
        assert len(receiver.received) == 2  # no retries, no redirect followed
    assert (bad.status, bad.attempts, bad.last_status_code) == (DeliveryStatus.FAILED, 1, 400)
    assert (moved.status, moved.attempts, moved.last_status_code) == (DeliveryStatus.FAILED, 1, 301)
    assert store.get_endpoint(account.id, endpoint.id).enabled  # only 410 disables


def test_the_sender_gives_up_when_the_schedule_is_over(ctx: WorkerContext) -> None:
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    with WebhookReceiver(default=Reply(503)) as receiver:
        job_id = finished_job(ctx, account.id, receiver.url("/job"), ok=False)
        (queued,) = store.list_deliveries(account.id, job_id=job_id).deliveries
        delivery = deliver_until(ctx, account.id, queued.id)
        assert len(receiver.received) == len(FAST) + 1
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == len(FAST) + 1
    assert delivery.last_error == (
        f"the receiver answered HTTP 503; gave up after {len(FAST) + 1} attempts"
    )


def test_job_webhook_urls_get_the_event_signed_with_the_account_secret(
    ctx: WorkerContext,
) -> None:
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    old = store.signing_secret(account.id).secret
    with WebhookReceiver() as receiver:
        job_id = finished_job(ctx, account.id, receiver.url("/job"), ok=False)
        (queued,) = store.list_deliveries(account.id, job_id=job_id).deliveries
        assert deliver_until(ctx, account.id, queued.id).status == DeliveryStatus.SUCCEEDED
        new = store.rotate_signing_secret(account.id).secret
        replayed = store.replay_delivery(account.id, queued.id)
        assert deliver_until(ctx, account.id, replayed.id).status == DeliveryStatus.SUCCEEDED
        first, second = receiver.received
    body = verify(old, first)
    assert body["type"] == "transcription.failed"
    data = body["data"]
    assert isinstance(data, dict) and data["job_id"] == job_id and data["status"] == "failed"
    assert data["error"] == {"code": "audio_fetch_failed", "message": "HTTP 404"}
    assert first.path == "/job"
    # After rotation both secrets verify during the grace period; the body is the same event.
    assert verify(new, second) == verify(old, second) == body
    assert second.headers["webhook-id"] == first.headers["webhook-id"]


def test_a_receiver_that_does_not_answer_times_out_and_is_retried(ctx: WorkerContext) -> None:
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    with WebhookReceiver([Reply(200, delay=10)]) as receiver:
        endpoint = store.create_endpoint(account.id, receiver.url()).endpoint
        queued = store.send_test_event(account.id, endpoint.id)
        assert deliver_due(ctx, "test-sender", limit=1) == 1
        delivery = store.get_delivery(account.id, queued.id)
        assert delivery.status == DeliveryStatus.PENDING
        (attempt,) = delivery.attempt_log
        assert attempt.status_code is None and "timeout" in (attempt.error or "")
        assert 1900 <= attempt.latency_ms < 5000  # webhook_timeout is 2 s
        assert deliver_until(ctx, account.id, queued.id).status == DeliveryStatus.SUCCEEDED


def test_big_answers_are_cut_off(ctx: WorkerContext) -> None:
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    with WebhookReceiver([Reply(200, body=b"x" * 5_000_000)]) as receiver:
        endpoint = store.create_endpoint(account.id, receiver.url()).endpoint
        queued = store.send_test_event(account.id, endpoint.id)
        delivery = deliver_until(ctx, account.id, queued.id)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(delivery.attempt_log[0].response_body or "") == 1000


# --- SSRF ------------------------------------------------------------------------------------


def test_private_targets_are_refused_when_private_urls_are_not_allowed(
    ctx: WorkerContext,
) -> None:
    strict = SendOptions(allow_private=False, timeout=2)
    with WebhookReceiver() as receiver:
        result = post_webhook(receiver.url(), b"{}", {}, strict)
        assert receiver.received == []
    assert result.status_code is None and result.permanent
    assert "loopback" in (result.error or "") and "webhook URL" in (result.error or "")

    connects: list[str] = []

    def resolver(host: str, port: int) -> list[str]:  # a DNS answer pointing inside
        connects.append(host)
        return ["10.0.0.1"]

    options = SendOptions(allow_private=False, timeout=2, resolver=resolver)
    result = post_webhook("http://hooks.example.test/x", b"{}", {}, options)
    assert connects == ["hooks.example.test"]  # resolved, checked, never connected
    assert result.permanent and "private" in (result.error or "")

    # Through the queue: a refused target fails at once instead of being retried for a day.
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    job_id = finished_job(ctx, account.id, "http://169.254.169.254/latest/meta-data", ok=True)
    (queued,) = store.list_deliveries(account.id, job_id=job_id).deliveries
    delivery = deliver_until(ctx, account.id, queued.id)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "metadata" in (delivery.last_error or "")


# --- the documented receiver -----------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_receiver() -> dict[str, Any]:
    """The standard-library receiver of docs/webhooks.md, run as its readers would."""
    text = DOCS.read_text()
    code = text.split("Standard library only", 1)[1].split("```python\n", 1)[1].split("```")[0]
    namespace: dict[str, Any] = {"__name__": "documented_receiver"}
    exec(compile(code, str(DOCS), "exec"), namespace)
    return namespace


def test_the_documented_receiver_accepts_real_deliveries_and_refuses_forgeries(
    ctx: WorkerContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = documented_receiver()
    handled: list[dict[str, Any]] = []
    receiver["handle"] = handled.append
    store = webhook_store(ctx)
    account, _ = ctx.repository.create_account("acme")
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), receiver["Receiver"])
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        new = store.create_endpoint(account.id, url)
        monkeypatch.setenv("NEURONLENS_WEBHOOK_SECRET", new.secret)
        first = store.send_test_event(account.id, new.endpoint.id)
        assert deliver_until(ctx, account.id, first.id).status == DeliveryStatus.SUCCEEDED
        replay = store.replay_delivery(account.id, first.id)
        assert deliver_until(ctx, account.id, replay.id).status == DeliveryStatus.SUCCEEDED
        # Signed with another secret: refused with a 400, which is not retried.
        monkeypatch.setenv("NEURONLENS_WEBHOOK_SECRET", generate_secret())
        forged = store.send_test_event(account.id, new.endpoint.id)
        refused = deliver_until(ctx, account.id, forged.id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert [event["type"] for event in handled] == ["webhook.test"]  # the replay was deduplicated
    assert refused.status == DeliveryStatus.FAILED and refused.last_status_code == 400
    with pytest.raises(receiver["InvalidSignature"]):
        receiver["verify"](new.secret, {"webhook-id": "msg_x"}, b"{}")
