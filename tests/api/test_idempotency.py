"""Idempotency-Key on POST /transcription, Stripe's semantics, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import sqlalchemy as sa

from neuronlens.storage.clock import utcnow
from neuronlens.storage.tables import jobs
from tests.api.conftest import Api

BODY = {
    "audio_url": "https://calls.example.com/4492.mp3?X-Amz-Signature=abc",
    "language": "hi-IN",
    "num_speakers": 2,
    "metadata": {"crm_ticket_id": "TKT-4492"},
}


def post(
    client: httpx.Client, key: str, *, json: object = None, content: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
    return client.post("/transcription", headers=headers, json=json, content=content)


def job_count(api: Api) -> int:
    with api.repository.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(jobs)).scalar_one())


def test_same_key_same_body_replays_the_same_response(api_only: Api) -> None:
    with api_only.client() as client:
        first = post(client, "order-1", json=BODY)
        again = post(client, "order-1", json=BODY)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert job_count(api_only) == 1


def test_the_body_is_compared_by_meaning_not_bytes(api_only: Api) -> None:
    reordered = (
        '{"metadata": {"crm_ticket_id": "TKT-4492"}, "num_speakers": 2,\n'
        '  "language": "hi-IN", "audio_url": "https://calls.example.com/4492.mp3?X-Amz-Signature=abc"}'
    )
    with api_only.client() as client:
        first = post(client, "order-2", json=BODY)
        again = post(client, "order-2", content=reordered)
    assert again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]


def test_same_key_different_body_is_422_and_creates_nothing(api_only: Api) -> None:
    with api_only.client() as client:
        first = post(client, "order-3", json=BODY)
        other = post(client, "order-3", json={**BODY, "num_speakers": 3})
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert job_count(api_only) == 1


def test_keys_belong_to_one_account(api_only: Api) -> None:
    other_key = api_only.new_account_key("second-account")
    with api_only.client() as mine, api_only.client(other_key) as theirs:
        a = post(mine, "shared-key", json=BODY)
        b = post(theirs, "shared-key", json=BODY)
        c = post(theirs, "shared-key", json={**BODY, "language": "ta-IN"})
    assert a.status_code == 201 and b.status_code == 201
    assert a.json()["job_id"] != b.json()["job_id"]
    assert c.status_code == 422  # reused within the second account, not across


def test_a_refused_request_does_not_use_up_the_key(api_only: Api) -> None:
    with api_only.client() as client:
        refused = post(client, "order-4", json={**BODY, "language": "xx-XX"})
        accepted = post(client, "order-4", json=BODY)
    assert refused.status_code == 422
    assert accepted.status_code == 201


def test_keys_are_kept_for_more_than_24_hours(api_only: Api) -> None:
    with api_only.client() as client:
        first = post(client, "order-5", json=BODY)
        with api_only.repository.engine.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == first.json()["job_id"])
                .values(created_at=utcnow() - timedelta(days=30))
            )
        again = post(client, "order-5", json=BODY)
    assert again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]


def test_concurrent_retries_make_exactly_one_job(api_only: Api) -> None:
    def submit(_: int) -> httpx.Response:
        with api_only.client() as client:
            return post(client, "burst-1", json=BODY)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(submit, range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 7 + [201]
    assert len({r.json()["job_id"] for r in answers}) == 1
    assert job_count(api_only) == 1


def test_overlong_and_empty_keys_are_refused(api_only: Api) -> None:
    with api_only.client() as client:
        for key in ("k" * 256, ""):
            response = post(client, key, json=BODY)
            assert response.status_code == 422, repr(key)
            assert "idempotency-key" in response.json()["error"]["message"]
    assert job_count(api_only) == 0
