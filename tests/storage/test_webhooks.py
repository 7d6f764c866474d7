"""The webhook store on SQLite and PostgreSQL: endpoints, secrets, the durable queue, leases."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from neuronlens.domain import JobError, JobRequest
from neuronlens.errors import NotFound
from neuronlens.storage.repository import Repository
from neuronlens.storage.tables import metadata
from neuronlens.storage.webhook_models import (
    AttemptResult,
    DeliveryInProgress,
    DeliveryStatus,
    EndpointDisabled,
    InvalidWebhookURL,
    UnknownEventType,
)
from neuronlens.storage.webhook_queue import record_attempt
from neuronlens.storage.webhook_secrets import SecretBox, SecretUnreadable
from neuronlens.storage.webhooks import WebhookStore

WEBHOOK_TABLES = {
    "webhook_endpoints",
    "webhook_signing_secrets",
    "webhook_events",
    "webhook_deliveries",
    "webhook_attempts",
}


@pytest.fixture
def store(repository: Repository) -> WebhookStore:
    box = SecretBox(b"a test server secret")
    return WebhookStore(repository.engine, box, allow_private=True, grace_seconds=3600)


def finished_job(
    repository: Repository, account_id: str, *, webhook_url: str | None = None, ok: bool = True
) -> str:
    """A job taken through fetch and processing to completed (or failed)."""
    request = JobRequest("https://example.com/a.mp3", "hi-IN", webhook_url=webhook_url)
    job = repository.create_job(account_id, request, "hash", None).job
    assert repository.claim_fetch("fetcher", 60) is not None
    assert repository.finish_fetch(job.id, "fetcher", "/tmp/audio", 10)
    assert repository.claim_job("worker", 60) is not None
    if ok:
        assert repository.complete_job(job.id, "worker", {"transcript": [], "summary": "hi"})
    else:
        assert repository.fail_job(job.id, JobError("corrupt_audio", "bad"), owner="worker")
    return job.id


def test_the_migration_creates_exactly_the_webhook_tables(repository: Repository) -> None:
    with repository.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if any(name in repr(d) for name in WEBHOOK_TABLES)]
    assert ours == []
    names = set(sa.inspect(repository.engine).get_table_names())
    assert names >= WEBHOOK_TABLES


def test_secrets_are_standard_webhooks_secrets_stored_encrypted(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    new = store.create_endpoint(account.id, "https://crm.example.com/hook")
    assert new.secret.startswith("whsec_")
    assert len(base64.b64decode(new.secret.removeprefix("whsec_"))) == 32
    account_secret = store.signing_secret(account.id).secret
    with repository.engine.connect() as conn:
        stored = [row[0] for row in conn.exec_driver_sql("SELECT secret FROM webhook_endpoints")]
        stored += [r[0] for r in conn.exec_driver_sql("SELECT secret FROM webhook_signing_secrets")]
    assert len(stored) == 2
    for value in stored:
        assert "whsec_" not in value and new.secret[6:] not in value
        assert account_secret[6:] not in value
    # Another server secret cannot read them: a clear error, not garbage.
    other = WebhookStore(
        repository.engine, SecretBox(b"other"), allow_private=True, grace_seconds=1
    )
    with pytest.raises(SecretUnreadable):
        other.signing_secret(account.id)
    # A sender with the wrong key fails the delivery visibly instead of looping on it.
    store.send_test_event(account.id, new.endpoint.id)
    claimed = other.claim_delivery("sender", 60)
    assert claimed is not None and claimed.secrets == ()
    assert "cannot be decrypted" in (claimed.refusal or "")


def test_the_account_signing_secret_is_made_once_and_rotates_with_a_grace_period(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    first = store.signing_secret(account.id)
    assert store.signing_secret(account.id) == first
    rotated = store.rotate_signing_secret(account.id)
    assert rotated.secret != first.secret and rotated.rotated_at is not None
    assert rotated.previous_secret_expires_at is not None
    assert rotated.previous_secret_expires_at - rotated.rotated_at == timedelta(hours=1)


def test_endpoint_urls_and_events_are_validated(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    strict = WebhookStore(repository.engine, SecretBox(b"k"), allow_private=False, grace_seconds=60)
    for url in ("ftp://example.com/x", "http://user:pw@example.com/", "not a url", ""):
        with pytest.raises(InvalidWebhookURL) as caught:
            strict.create_endpoint(account.id, url)
        assert caught.value.code == "invalid_webhook_url"
    for url in (
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://0x7f.1/",
        "http://169.254.169.254/latest",
    ):
        with pytest.raises(InvalidWebhookURL) as caught:
            strict.create_endpoint(account.id, url)
        assert caught.value.code == "webhook_url_forbidden", url
        assert "audio" not in caught.value.message
    with pytest.raises(UnknownEventType):
        strict.create_endpoint(account.id, "https://example.com/", ["transcription.done"])
    assert strict.list_endpoints(account.id) == []


def test_finishing_a_job_queues_one_delivery_per_subscribed_target(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    everything = store.create_endpoint(account.id, "https://a.example.com/hook").endpoint
    failures = store.create_endpoint(
        account.id, "https://b.example.com/hook", ["transcription.failed"]
    ).endpoint
    disabled = store.create_endpoint(account.id, "https://c.example.com/hook").endpoint
    store.update_endpoint(account.id, disabled.id, enabled=False)
    other, _ = repository.create_account("other")
    store.create_endpoint(other.id, "https://other.example.com/hook")

    completed = finished_job(repository, account.id, webhook_url="https://job.example.com/cb")
    failed = finished_job(repository, account.id, ok=False)

    page = store.list_deliveries(account.id, job_id=completed)
    assert {(d.endpoint_id, d.url) for d in page.deliveries} == {
        (everything.id, "https://a.example.com/hook"),
        (None, "https://job.example.com/cb"),
    }
    assert {d.event_type for d in page.deliveries} == {"transcription.completed"}
    assert len({d.event_id for d in page.deliveries}) == 1  # one event, one webhook-id
    assert all(d.status == DeliveryStatus.PENDING and d.attempts == 0 for d in page.deliveries)
    failed_page = store.list_deliveries(account.id, job_id=failed)
    assert {d.endpoint_id for d in failed_page.deliveries} == {everything.id, failures.id}
    assert store.list_deliveries(other.id).deliveries == []

    claimed = store.claim_delivery("sender", 60)
    assert claimed is not None
    body = json.loads(claimed.payload)
    assert set(body) == {"type", "created_at", "data"}
    assert body["data"]["job_id"] in (completed, failed)
    assert body["created_at"].endswith("Z")


def test_a_job_that_does_not_finish_queues_nothing_and_no_targets_means_no_event(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    job_id = finished_job(repository, account.id)  # no endpoint, no webhook_url
    # A second, refused attempt to finish it must not queue an event either.
    assert not repository.fail_job(job_id, JobError("processing_error", "late"))
    with repository.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM webhook_events").scalar() == 0


def test_claims_take_due_deliveries_with_a_lease(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    finished_job(repository, account.id, webhook_url="https://job.example.com/cb")
    first = store.claim_delivery("sender-a", 60)
    assert first is not None and first.attempt == 1
    assert first.secrets == (store.signing_secret(account.id).secret,)
    assert store.claim_delivery("sender-b", 60) is None  # leased
    # The sender dies: once its lease runs out, another one takes the delivery over.
    with repository.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE webhook_deliveries SET lease_until = '2000-01-01'")
    again = store.claim_delivery("sender-b", 60)
    assert again is not None and again.id == first.id and again.attempt == 2
    future = store.list_deliveries(account.id).deliveries[0].created_at + timedelta(hours=1)
    result = AttemptResult(503, 12.5, error="the receiver answered HTTP 503")
    record_attempt(store.engine, again.id, "sender-b", 2, result, DeliveryStatus.PENDING, future)
    assert store.claim_delivery("sender-c", 60) is None  # not due yet
    delivery = store.get_delivery(account.id, again.id)
    assert delivery.next_attempt_at == future and delivery.last_status_code == 503
    assert [(a.number, a.status_code, a.latency_ms) for a in delivery.attempt_log] == [
        (2, 503, 12.5)
    ]


def test_concurrent_claims_never_take_a_delivery_twice(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    for _ in range(12):
        finished_job(repository, account.id, webhook_url="https://job.example.com/cb")
    taken: list[str] = []
    lock = threading.Lock()

    def sender(name: str) -> None:
        while (claim := store.claim_delivery(name, 60)) is not None:
            with lock:
                taken.append(claim.id)

    threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 12 and len(set(taken)) == 12


def test_rotation_signs_with_both_secrets_until_the_grace_period_ends(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    old = store.create_endpoint(account.id, "https://a.example.com/hook")
    new = store.rotate_endpoint_secret(account.id, old.endpoint.id)
    assert new.secret != old.secret and new.endpoint.previous_secret_expires_at is not None
    store.send_test_event(account.id, old.endpoint.id)
    claimed = store.claim_delivery("sender", 60)
    assert claimed is not None and claimed.secrets == (new.secret, old.secret)
    with repository.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE webhook_endpoints SET previous_secret_expires_at = '2000-01-01'"
        )
    store.send_test_event(account.id, old.endpoint.id)
    later = store.claim_delivery("sender", 60)
    assert later is not None and later.secrets == (new.secret,)


def test_everything_is_per_account(repository: Repository, store: WebhookStore) -> None:
    mine, _ = repository.create_account("mine")
    theirs, _ = repository.create_account("theirs")
    endpoint = store.create_endpoint(mine.id, "https://a.example.com/hook").endpoint
    delivery = store.send_test_event(mine.id, endpoint.id)
    calls = [
        lambda: store.get_endpoint(theirs.id, endpoint.id),
        lambda: store.update_endpoint(theirs.id, endpoint.id, enabled=False),
        lambda: store.delete_endpoint(theirs.id, endpoint.id),
        lambda: store.rotate_endpoint_secret(theirs.id, endpoint.id),
        lambda: store.send_test_event(theirs.id, endpoint.id),
        lambda: store.list_deliveries(theirs.id, endpoint_id=endpoint.id),
        lambda: store.get_delivery(theirs.id, delivery.id),
        lambda: store.replay_delivery(theirs.id, delivery.id),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert store.list_endpoints(theirs.id) == []
    assert store.get_endpoint(mine.id, endpoint.id).enabled


def test_replay_sends_the_same_event_again_as_a_new_delivery(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    endpoint = store.create_endpoint(account.id, "https://a.example.com/hook").endpoint
    original = store.send_test_event(account.id, endpoint.id)
    with pytest.raises(DeliveryInProgress):
        store.replay_delivery(account.id, original.id)
    claim = store.claim_delivery("sender", 60)
    assert claim is not None
    record_attempt(
        store.engine, claim.id, "sender", 1, AttemptResult(400, 3.0), DeliveryStatus.FAILED, None
    )
    replay = store.replay_delivery(account.id, original.id, endpoint_id=endpoint.id)
    assert replay.id != original.id and replay.event_id == original.event_id
    assert replay.replay_of == original.id and replay.status == DeliveryStatus.PENDING
    store.update_endpoint(account.id, endpoint.id, enabled=False)
    with pytest.raises(EndpointDisabled):
        store.replay_delivery(account.id, original.id)
    with pytest.raises(EndpointDisabled):
        store.send_test_event(account.id, endpoint.id)
    # Disabling gave up the queued replay rather than leaving it pending forever.
    assert store.get_delivery(account.id, replay.id).status == DeliveryStatus.FAILED


def test_deleting_an_endpoint_deletes_its_deliveries(
    repository: Repository, store: WebhookStore
) -> None:
    account, _ = repository.create_account("acme")
    endpoint = store.create_endpoint(account.id, "https://a.example.com/hook").endpoint
    delivery = store.send_test_event(account.id, endpoint.id)
    claim = store.claim_delivery("sender", 60)
    assert claim is not None
    store.delete_endpoint(account.id, endpoint.id)
    with pytest.raises(NotFound):
        store.get_delivery(account.id, delivery.id)
    # The sender that held it finds it gone and records nothing.
    result = AttemptResult(200, 1.0)
    assert not record_attempt(
        store.engine, claim.id, "sender", 1, result, DeliveryStatus.SUCCEEDED, None
    )
