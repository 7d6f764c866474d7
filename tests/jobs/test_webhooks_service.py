"""Webhooks through the running service: a restart loses nothing; dead receivers block nothing."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from standardwebhooks import Webhook

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository
from tests.api.conftest import running_api
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for
from tests.support.server_process import ServerProcess, free_port
from tests.support.webhook_receiver import Reply, WebhookReceiver


def test_a_restart_between_attempts_loses_no_delivery(tmp_path: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    key = Repository(engine).create_account("restart-test")[1]
    engine.dispose()
    env = {
        "NEURONLENS_DATA_DIR": str(tmp_path / "data"),
        "NEURONLENS_DATABASE_URL": database_url,
        "NEURONLENS_ALLOW_PRIVATE_URLS": "true",
        "NEURONLENS_WORKERS": "0",  # no speech model: this test is about the delivery threads
        "NEURONLENS_POLL_INTERVAL": "0.1",
        "NEURONLENS_WEBHOOK_RETRY_DELAYS": "[0.3, 0.3, 0.3]",
    }
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    headers = {"Authorization": f"Bearer {key}"}
    script = [Reply(500), Reply(429, {"Retry-After": "2"})]
    with WebhookReceiver(script) as receiver:
        try:
            server.start()
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                created = client.post("/webhook-endpoints", json={"url": receiver.url()})
                assert created.status_code == 201, created.text
                endpoint = created.json()
                queued = client.post(f"/webhook-endpoints/{endpoint['id']}/test")
                assert queued.status_code == 202, queued.text
                path = f"/webhook-endpoints/{endpoint['id']}/deliveries/{queued.json()['id']}"

                def attempts() -> list[int | None]:
                    log = client.get(path).json()["attempt_log"]
                    return [attempt["status_code"] for attempt in log]

                wait_for(lambda: attempts() == [500, 429], timeout=20, what="two failed attempts")
            server.kill()  # SIGKILL while the third attempt waits for Retry-After
            killed_at = time.monotonic()
            time.sleep(2.5)  # the attempt falls due while nothing is running
            assert len(receiver.received) == 2

            server.start()
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                wait_for(
                    lambda: client.get(path).json()["status"] == "succeeded",
                    timeout=30,
                    what="the delivery after the restart",
                )
                delivery = client.get(path).json()
        finally:
            server.stop()
        got = receiver.received
    assert [r.status for r in got] == [500, 429, 200]
    assert got[2].at > killed_at + 2.5
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 429, 200]
    assert len({r.headers["webhook-id"] for r in got}) == 1
    for request in got:
        assert Webhook(endpoint["secret"]).verify(request.body, request.headers)["type"] == (
            "webhook.test"
        )


def test_a_dead_receiver_does_not_delay_job_processing(settings: Settings) -> None:
    quick = settings.model_copy(
        update={"workers": 0, "webhook_workers": 1, "webhook_timeout": 20.0}
    )
    hanging = Reply(200, delay=30)  # accepts the connection, never answers in time
    with (
        LocalHTTPServer() as audio,
        running_api(create_app(quick, workers=True), quick) as api,
        api.client() as client,
    ):
        missing = audio.url("/status/404")  # the job fails at download: no model needed
        with WebhookReceiver(default=hanging) as receiver:

            def submit() -> str:
                body = {"audio_url": missing, "language": "hi-IN", "webhook_url": receiver.url()}
                answer = client.post("/transcription", json=body)
                assert answer.status_code == 201, answer.text
                job_id: str = answer.json()["job_id"]
                return job_id

            def finished(job_id: str) -> bool:
                return bool(client.get(f"/transcription/{job_id}").json()["status"] == "failed")

            first = submit()
            wait_for(lambda: finished(first), timeout=15, what="the first job")
            wait_for(lambda: receiver.received, timeout=15, what="the first delivery to hang")
            started = time.monotonic()
            later = [submit() for _ in range(3)]
            wait_for(lambda: all(finished(j) for j in later), timeout=15, what="later jobs")
            elapsed = time.monotonic() - started
            path = "/webhook-deliveries"
            stuck = client.get(path, params={"job_id": first}).json()["data"]
        # The receiver hung up: the attempt ends as a broken connection and is logged for retry
        # (and the sender is idle again before the service stops).
        (logged,) = wait_for(
            lambda: client.get(path, params={"job_id": first}).json()["data"][0]["attempt_log"],
            timeout=15,
            what="the hanging attempt to be logged",
        )
    assert elapsed < 5, f"jobs took {elapsed:.1f} s behind a hanging receiver"
    assert stuck[0]["status"] == "pending" and stuck[0]["attempt_log"] == []  # still in flight
    assert logged["status_code"] is None and "connection" in logged["error"]
