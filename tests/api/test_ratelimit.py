"""Per-account request rate and unfinished-jobs cap: 429 with Retry-After, health exempt."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from neuronlens.api.app import create_app
from neuronlens.api.ratelimit import RateLimiter
from neuronlens.config import Settings
from neuronlens.domain import JobError
from tests.api.conftest import Api, running_api

JOB = {"audio_url": "https://calls.example.com/a.wav", "language": "hi-IN"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60.0, clock=clock)
    assert [limiter.acquire("acc_a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("acc_a")
    assert wait == pytest.approx(20.0)  # one token every 60/3 s
    clock.now += 19.0
    assert limiter.acquire("acc_a") == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.acquire("acc_a") == 0.0
    assert limiter.acquire("acc_a") > 0


def test_accounts_have_separate_buckets_and_zero_disables() -> None:
    limiter = RateLimiter(1, 60.0, clock=Clock())
    assert limiter.acquire("acc_a") == 0.0
    assert limiter.acquire("acc_a") > 0
    assert limiter.acquire("acc_b") == 0.0
    off = RateLimiter(0, 60.0)
    assert not off.enabled
    assert all(off.acquire("acc_a") == 0.0 for _ in range(1000))


def test_a_long_idle_does_not_bank_more_than_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 10.0, clock=clock)
    clock.now += 3600
    assert [limiter.acquire("k") == 0.0 for _ in range(3)] == [True, True, False]


@pytest.fixture
def limited_api(settings: Settings) -> Iterator[Api]:
    tight = settings.model_copy(update={"rate_limit_requests": 3, "rate_limit_window": 60.0})
    with running_api(create_app(tight, workers=False), tight) as api:
        yield api


def test_too_many_requests_get_429_with_retry_after(limited_api: Api) -> None:
    with limited_api.client() as client:
        assert [client.get("/transcription").status_code for _ in range(3)] == [200] * 3
        refused = client.get("/transcription")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 20
    assert refused.json()["error"]["retry_after"] == retry_after


def test_the_limit_is_per_account_and_health_is_exempt(limited_api: Api) -> None:
    with limited_api.client() as client:
        for _ in range(4):
            client.get("/transcription")
        assert client.get("/transcription").status_code == 429
        assert [client.get("/healthz").status_code for _ in range(20)] == [200] * 20
        assert client.get("/readyz").status_code == 200
    other = limited_api.new_account_key("other-account")
    with limited_api.client(other) as client:
        assert client.get("/transcription").status_code == 200


def test_unauthenticated_floods_do_not_spend_an_accounts_allowance(limited_api: Api) -> None:
    with httpx.Client(base_url=limited_api.base_url) as anonymous:
        for _ in range(10):
            bad = anonymous.get("/transcription", headers={"Authorization": "Bearer nl_wrong"})
            assert bad.status_code == 401
    with limited_api.client() as client:
        assert client.get("/transcription").status_code == 200


@pytest.fixture
def capped_api(settings: Settings) -> Iterator[Api]:
    capped = settings.model_copy(update={"max_unfinished_jobs": 2})
    with running_api(create_app(capped, workers=False), capped) as api:
        yield api


def test_unfinished_jobs_are_capped_per_account(capped_api: Api) -> None:
    with capped_api.client() as client:
        first = client.post("/transcription", json=JOB, headers={"Idempotency-Key": "k1"})
        assert first.status_code == 201
        assert client.post("/transcription", json=JOB).status_code == 201
        refused = client.post("/transcription", json=JOB)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_unfinished_jobs"
        assert int(refused.headers["Retry-After"]) > 0
        # A retry of an accepted submission is not a new job: it still gets its answer.
        replay = client.post("/transcription", json=JOB, headers={"Idempotency-Key": "k1"})
        assert replay.status_code == 200
        assert replay.json()["job_id"] == first.json()["job_id"]
        # Another account has its own cap.
        other = capped_api.new_account_key("other-account")
        with capped_api.client(other) as other_client:
            assert other_client.post("/transcription", json=JOB).status_code == 201
        # A finished (here: deleted) job frees a slot.
        assert client.delete(f"/transcription/{first.json()['job_id']}").status_code == 200
        assert client.post("/transcription", json=JOB).status_code == 201


def test_a_failed_job_no_longer_counts(capped_api: Api) -> None:
    with capped_api.client() as client:
        ids = [client.post("/transcription", json=JOB).json()["job_id"] for _ in range(2)]
        assert client.post("/transcription", json=JOB).status_code == 429
        capped_api.repository.fail_job(ids[0], JobError("audio_fetch_failed", "gone"))
        assert client.post("/transcription", json=JOB).status_code == 201
