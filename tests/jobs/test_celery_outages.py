"""Broker or database briefly down: 503 for new submissions, nothing accepted lost, recovery."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from neuronlens.api.app import create_app
from neuronlens.domain import JobRequest
from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository
from tests.jobs.celery_harness import (
    PrivateRedis,
    WorkerProcess,
    celery_env,
    redis_broker_url,
    remove_queues,
    unique_prefix,
)
from tests.jobs.test_celery_scaleout import CLIP, all_final, settings_from
from tests.support.databases import postgres_admin_url, postgres_database
from tests.support.http_server import LocalHTTPServer
from tests.support.live_server import serve_app
from tests.support.polling import wait_for

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def repository(pg_url: str) -> Iterator[Repository]:
    engine = make_engine(pg_url)
    migrate(engine)
    yield Repository(engine)
    engine.dispose()


@pytest.mark.slow
def test_broker_down_answers_503_and_nothing_accepted_is_lost(
    tmp_path: Path, pg_url: str, repository: Repository
) -> None:
    redis = PrivateRedis(tmp_path)  # not started yet: the broker is down
    env = celery_env(tmp_path, pg_url, redis.url, unique_prefix(), NEURONLENS_REQUEUE_AFTER="3")
    account, key = repository.create_account("outage")
    worker = WorkerProcess(env, tmp_path / "worker.log")
    with LocalHTTPServer() as audio, serve_app(create_app(settings_from(env))) as base_url:
        url = audio.add_file("/c.mp3", CLIP, "audio/mpeg")
        body = {"audio_url": url, "language": "hi-IN"}
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            started = time.monotonic()
            refused = client.post("/transcription", json=body)
            assert time.monotonic() - started < 5  # prompt, not stuck retrying the broker
            assert refused.status_code == 503
            assert refused.json()["error"]["code"] == "queue_unavailable"
            assert refused.headers["Retry-After"] == "5"
            assert client.get("/transcription").json()["data"] == []  # not accepted: no job
            ready = client.get("/readyz")
            assert ready.status_code == 503 and "broker" in ready.json()

            # A job accepted while its message could not be sent (the row is written first):
            # the sweeper must announce it once the broker is back.
            stranded = repository.create_job(
                account.id, JobRequest(audio_url=url, language="hi-IN"), "h-stranded", None
            ).job
            try:
                redis.start()
                worker.start()
                accepted = wait_for(
                    lambda: (
                        (r := client.post("/transcription", json=body)).status_code == 201 and r
                    ),
                    timeout=30,
                    what="the API to accept submissions again",
                )
                assert client.get("/readyz").json() == {"status": "ready"}
                job_ids = [stranded.id, accepted.json()["job_id"]]
                bodies = wait_for(lambda: all_final(client, job_ids), timeout=120, what="jobs")
            finally:
                worker.stop()
                redis.stop()
    assert [b["status"] for b in bodies] == ["completed", "completed"], bodies


def _block_connections(database_url: str, allow: bool) -> None:
    name = sa.engine.make_url(database_url).database
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": name},
            )
    admin.dispose()


def test_database_down_answers_503_then_recovers(
    tmp_path: Path, pg_url: str, repository: Repository
) -> None:
    env = celery_env(tmp_path, pg_url, redis_broker_url(), unique_prefix())
    key = repository.create_account("db-outage")[1]
    repository.engine.dispose()
    with serve_app(create_app(settings_from(env))) as base_url:
        headers = {"Authorization": f"Bearer {key}"}
        body = {"audio_url": "http://127.0.0.1:9/c.mp3", "language": "hi-IN"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            assert client.post("/transcription", json=body).status_code == 201
            _block_connections(pg_url, allow=False)
            try:
                down = client.post("/transcription", json=body)
                assert down.status_code == 503, down.text
                assert down.json()["error"]["code"] == "database_unavailable"
                assert client.get("/readyz").status_code == 503
            finally:
                _block_connections(pg_url, allow=True)
            again = client.post("/transcription", json=body)
            assert again.status_code == 201, again.text
            assert len(client.get("/transcription").json()["data"]) == 2
    remove_queues(env)
