"""Real Celery workers, brokers and a private Redis for the scale-out tests.

Every test run gets its own Redis database number and queue-name prefix, so parallel runs
(pytest-xdist, two engineers, CI) never take each other's messages.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import MODELS_DIR
from tests.support.server_process import free_port

REDIS_URL_ENV = "NEURONLENS_TEST_REDIS_URL"
RABBITMQ_URL_ENV = "NEURONLENS_TEST_RABBITMQ_URL"
REQUIRE_BROKER_ENV = "NEURONLENS_REQUIRE_BROKER"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
DEFAULT_RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _require(url: str, what: str) -> None:
    """Skip when the broker is down, unless CI said brokers are required."""
    host, port = re.match(r"\w+://(?:[^@/]*@)?([^:/]+):(\d+)", url).groups()  # type: ignore[union-attr]
    if _reachable(host, int(port)):
        return
    if os.environ.get(REQUIRE_BROKER_ENV) == "1":
        pytest.fail(f"{what} at {host}:{port} is not reachable but {REQUIRE_BROKER_ENV}=1")
    pytest.skip(f"{what} at {host}:{port} is not reachable")


def redis_broker_url() -> str:
    """A Redis URL with a random database number (1-15) for this test."""
    base = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS).rstrip("/")
    _require(base, "Redis")
    return f"{base}/{random.randint(1, 15)}"


def rabbitmq_broker_url() -> str:
    url = os.environ.get(RABBITMQ_URL_ENV, DEFAULT_RABBITMQ)
    _require(url, "RabbitMQ")
    return url


def unique_prefix() -> str:
    """A queue-name prefix no other test run uses."""
    return f"t{uuid.uuid4().hex[:10]}."


def celery_env(
    tmp_path: Path, database_url: str, broker_url: str, prefix: str, **extra: str
) -> dict[str, str]:
    """NEURONLENS_* settings shared by the API and the workers of one test."""
    env = {
        "NEURONLENS_QUEUE": "celery",
        "NEURONLENS_BROKER_URL": broker_url,
        "NEURONLENS_CELERY_QUEUE_PREFIX": prefix,
        "NEURONLENS_DATABASE_URL": database_url,
        "NEURONLENS_DATA_DIR": str(tmp_path / "data"),
        "NEURONLENS_MODEL_CACHE_DIR": str(MODELS_DIR),
        "NEURONLENS_ALLOW_PRIVATE_URLS": "true",
        "NEURONLENS_CPU_THREADS": "1",
        "NEURONLENS_LEASE_SECONDS": "4",
        "NEURONLENS_SWEEP_INTERVAL": "1",
        "NEURONLENS_REQUEUE_AFTER": "15",
        "NEURONLENS_BROKER_VISIBILITY_TIMEOUT": "30",
        "NEURONLENS_POLL_INTERVAL": "0.2",
        "NEURONLENS_RATE_LIMIT_REQUESTS": "100000",  # the tests poll the API often
    }
    env.update(extra)
    return env


class WorkerProcess:
    """``python -m neuronlens worker`` in its own process group (SIGKILL takes all of it)."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        queues: str = "io,speech",
        concurrency: int = 1,
        metrics_port: int | None = None,
    ) -> None:
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.args = ["--queues", queues, "--concurrency", str(concurrency)]
        if metrics_port is not None:
            self.args += ["--metrics-port", str(metrics_port)]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> WorkerProcess:
        """Start the worker and wait until Celery says it is ready."""
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "neuronlens", "worker", *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log()[-3000:]}")
            if " ready." in self.log()[offset:]:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker did not become ready: {self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and children), as when a machine dies."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP the whole worker: it stays mid-job, frozen, until resume() or kill()."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def completions(*workers: WorkerProcess) -> dict[str, int]:
    """How many times each job id was logged as completed across the workers."""
    counts: dict[str, int] = {}
    for worker in workers:
        for job_id in re.findall(r"job (job_\w+) completed", worker.log()):
            counts[job_id] = counts.get(job_id, 0) + 1
    return counts


class PrivateRedis:
    """A throw-away redis-server on a free loopback port, to stop and start at will."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _reachable("127.0.0.1", self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def remove_queues(env: dict[str, str]) -> None:
    """Delete a test run's queues (and Redis bookkeeping keys) from the shared broker."""
    from kombu import Connection

    broker_url, prefix = env["NEURONLENS_BROKER_URL"], env["NEURONLENS_CELERY_QUEUE_PREFIX"]
    if broker_url.startswith("redis"):
        with Connection(broker_url, connect_timeout=3) as conn:
            client = conn.default_channel.client
            for key in client.scan_iter(match=f"*{prefix}*"):
                client.delete(key)
        return
    for name in ("io", "speech"):
        with Connection(broker_url, connect_timeout=3) as conn:
            try:
                conn.default_channel.queue_delete(f"{prefix}{name}")
                conn.default_channel.exchange_delete(f"{prefix}{name}")
            except Exception:  # never declared in this run: nothing to remove
                pass
