"""The repository on SQLite and PostgreSQL: claims, leases, ownership, idempotency."""

from __future__ import annotations

import threading
import time

import pytest

from neuronlens.domain import FetchState, JobError, JobRequest, JobStatus
from neuronlens.errors import NotFound, ValidationFailed
from neuronlens.storage.accounts import hash_api_key
from neuronlens.storage.repository import Repository

REQUEST = JobRequest(audio_url="https://example.com/a.mp3", language="hi-IN")


def ready_job(repository: Repository, account_id: str) -> str:
    """A job whose audio has been fetched, ready to be claimed for processing."""
    job = repository.create_job(account_id, REQUEST, "hash", None).job
    assert repository.claim_fetch("fetcher", 60) is not None
    assert repository.finish_fetch(job.id, "fetcher", "/tmp/audio", 10)
    return job.id


def test_api_keys_are_stored_hashed(repository: Repository) -> None:
    account, key = repository.create_account("acme")
    assert repository.account_for_key(key) == account
    assert repository.account_for_key(key + "x") is None
    with repository.engine.connect() as conn:
        stored = [row[0] for row in conn.exec_driver_sql("SELECT key_hash FROM api_keys")]
    assert stored == [hash_api_key(key)]
    assert key not in stored[0]


def test_account_names_are_unique(repository: Repository) -> None:
    repository.create_account("acme")
    with pytest.raises(ValidationFailed):
        repository.create_account("acme")


def test_fetch_then_process_then_complete(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    job_id = ready_job(repository, account.id)
    claimed = repository.claim_job("worker-a", 30)
    assert claimed is not None and claimed.id == job_id
    assert claimed.status == JobStatus.PROCESSING and claimed.attempts == 1
    assert repository.claim_job("worker-b", 30) is None  # nothing else is ready
    assert not repository.complete_job(job_id, "worker-b", {"transcript": []})  # not the owner
    assert repository.complete_job(job_id, "worker-a", {"transcript": []})
    done = repository.get_job(account.id, job_id)
    assert done.status == JobStatus.COMPLETED
    assert done.completed_at is not None and done.completed_at.tzinfo is not None
    assert done.result == {"transcript": []}


def test_unfetched_jobs_are_not_processed(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    repository.create_job(account.id, REQUEST, "hash", None)
    assert repository.claim_job("worker-a", 30) is None


def test_an_expired_lease_is_taken_over(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    job_id = ready_job(repository, account.id)
    assert repository.claim_job("crashed-worker", 0.2) is not None
    assert repository.claim_job("worker-b", 30) is None  # lease still valid
    time.sleep(0.4)
    taken = repository.claim_job("worker-b", 30)
    assert taken is not None and taken.id == job_id and taken.attempts == 2
    # The crashed worker, if it ever comes back, can no longer write its result.
    assert not repository.complete_job(job_id, "crashed-worker", {})
    assert not repository.renew_lease(job_id, "crashed-worker", 30)
    assert repository.renew_lease(job_id, "worker-b", 30)


def test_concurrent_claims_never_take_a_job_twice(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    job_ids = {ready_job(repository, account.id) for _ in range(12)}
    claimed: list[str] = []
    lock = threading.Lock()

    def claim_all(owner: str) -> None:
        while (job := repository.claim_job(owner, 60)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(job_ids)


def test_failures_record_code_and_message(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    job = repository.create_job(account.id, REQUEST, "hash", None).job
    assert repository.fail_job(job.id, JobError("audio_fetch_failed", "HTTP 404"))
    failed = repository.get_job(account.id, job.id)
    assert failed.status == JobStatus.FAILED
    assert failed.fetch_state == FetchState.FAILED
    assert failed.error == JobError("audio_fetch_failed", "HTTP 404")
    assert not repository.fail_job(job.id, JobError("x", "y"))  # already final


def test_transient_fetch_failures_wait_before_the_next_try(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    job = repository.create_job(account.id, REQUEST, "hash", None).job
    claimed = repository.claim_fetch("fetcher", 60)
    assert claimed is not None and claimed.fetch_attempts == 1
    error = JobError("audio_fetch_failed", "HTTP 503")
    assert not repository.retry_fetch_later(job.id, "someone-else", 0.3, error)
    assert repository.retry_fetch_later(job.id, "fetcher", 0.3, error)
    assert repository.claim_fetch("fetcher", 60) is None
    time.sleep(0.4)
    again = repository.claim_fetch("fetcher", 60)
    assert again is not None and again.fetch_attempts == 2


def test_a_killed_downloader_releases_its_job_when_the_lease_ends(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    job = repository.create_job(account.id, REQUEST, "hash", None).job
    assert repository.claim_fetch("killed", 0.2) is not None
    assert repository.claim_fetch("other", 60) is None
    time.sleep(0.4)
    taken = repository.claim_fetch("other", 60)
    assert taken is not None and taken.id == job.id and taken.fetch_attempts == 2
    assert not repository.finish_fetch(job.id, "killed", "/tmp/a", 1)
    assert repository.finish_fetch(job.id, "other", "/tmp/a", 1)


def test_jobs_belong_to_their_account(repository: Repository) -> None:
    owner, _ = repository.create_account("owner")
    other, _ = repository.create_account("other")
    job = repository.create_job(owner.id, REQUEST, "hash", None).job
    with pytest.raises(NotFound):
        repository.get_job(other.id, job.id)
    with pytest.raises(NotFound):
        repository.delete_job(other.id, job.id)
    assert repository.list_jobs(other.id, None, 10, None).jobs == []


def test_idempotency_keys_are_per_account(repository: Repository) -> None:
    first, _ = repository.create_account("first")
    second, _ = repository.create_account("second")
    a = repository.create_job(first.id, REQUEST, "hash", "key-1")
    b = repository.create_job(second.id, REQUEST, "hash", "key-1")
    assert a.created and b.created and a.job.id != b.job.id
    replay = repository.create_job(first.id, REQUEST, "hash", "key-1")
    assert not replay.created and replay.job.id == a.job.id
    with pytest.raises(ValidationFailed):
        repository.create_job(first.id, REQUEST, "other-hash", "key-1")


def test_metadata_round_trips_unchanged(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    metadata = {"crm": "TKT-1", "nested": {"list": [1, 2.5, None, True]}, "हिंदी": "नमस्ते"}
    request = JobRequest(audio_url="https://example.com/a", language="hi-IN", metadata=metadata)
    job = repository.create_job(account.id, request, "hash", None).job
    assert repository.get_job(account.id, job.id).request.metadata == metadata
