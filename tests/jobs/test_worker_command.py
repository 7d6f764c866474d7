"""``neuronlens worker``: the embedded pools in their own process, and its argument checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuronlens.domain import JobRequest
from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository
from tests.conftest import DATA_DIR, MODELS_DIR
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for

CLIP = DATA_DIR / "asr" / "common_voice_hi_23852775.mp3"


def worker_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "NEURONLENS_DATA_DIR": str(tmp_path / "data"),
        "NEURONLENS_DATABASE_URL": database_url,
        "NEURONLENS_MODEL_CACHE_DIR": str(MODELS_DIR),
        "NEURONLENS_ALLOW_PRIVATE_URLS": "true",
        "NEURONLENS_POLL_INTERVAL": "0.2",
        "NEURONLENS_CPU_THREADS": "1",
        **extra,
    }


@pytest.mark.slow
def test_a_standalone_embedded_worker_processes_jobs_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(database_url)
    migrate(engine)
    repository = Repository(engine)
    account, _ = repository.create_account("standalone")
    with LocalHTTPServer() as audio:
        request = JobRequest(audio_url=audio.add_file("/c.mp3", CLIP), language="hi-IN")
        job_id = repository.create_job(account.id, request, "h", None).job.id
        process = subprocess.Popen(
            [sys.executable, "-m", "neuronlens", "worker", "--concurrency", "1"],
            env=worker_env(tmp_path, database_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            job = wait_for(
                lambda: (
                    (j := repository.get_job(None, job_id)).status.value in ("completed", "failed")
                    and j
                ),
                timeout=120,
                what="the job",
            )
        finally:
            process.terminate()
            output = process.communicate(timeout=30)[0].decode()
    engine.dispose()
    assert job.status.value == "completed", output[-2000:]
    assert process.returncode == 0, output[-2000:]


def test_celery_worker_refuses_unknown_queues(tmp_path: Path) -> None:
    env = worker_env(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        NEURONLENS_QUEUE="celery",
        NEURONLENS_BROKER_URL="redis://127.0.0.1:9/0",
    )
    result = subprocess.run(
        [sys.executable, "-m", "neuronlens", "worker", "--queues", "io,videos"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unknown queue(s) ['videos']" in result.stderr
