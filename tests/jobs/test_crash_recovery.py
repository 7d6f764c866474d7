"""Kill the server with SIGKILL mid-job and restart it: the job still completes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository
from tests.conftest import DATA_DIR, MODELS_DIR
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for, wait_for_job
from tests.support.server_process import ServerProcess, free_port

pytestmark = pytest.mark.slow


def test_a_job_survives_a_sigkilled_server(tmp_path: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    repository = Repository(engine)
    key = repository.create_account("crash-test")[1]
    env = {
        "NEURONLENS_DATA_DIR": str(tmp_path / "data"),
        "NEURONLENS_DATABASE_URL": database_url,
        "NEURONLENS_MODEL_CACHE_DIR": str(MODELS_DIR),
        "NEURONLENS_ALLOW_PRIVATE_URLS": "true",
        "NEURONLENS_LEASE_SECONDS": "3",
        "NEURONLENS_POLL_INTERVAL": "0.2",
    }
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    call = (DATA_DIR / "calls" / "hi_two_speakers.mp3").read_bytes()
    with LocalHTTPServer() as audio_server:
        url = audio_server.add_file("/call.mp3", call, "audio/mpeg")
        try:
            server.start()
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                job_id = client.post(
                    "/transcription", json={"audio_url": url, "language": "hi-IN"}
                ).json()["job_id"]
                wait_for(
                    lambda: client.get(f"/transcription/{job_id}").json()["status"] == "processing",
                    timeout=60,
                    what="processing to start",
                )
            server.kill()
            assert repository.get_job(None, job_id).status.value == "processing"

            server.start()
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                body = wait_for_job(client, job_id, timeout=240)
            attempts = repository.get_job(None, job_id).attempts
        finally:
            server.stop()
            engine.dispose()
        assert audio_server.hits("/call.mp3") == 1  # the audio was kept, not fetched again
    assert body["status"] == "completed", body["error"]
    assert body["transcript"]
    assert attempts == 2
