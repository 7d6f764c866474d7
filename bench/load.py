"""Sustained load on the scale-out mode: API + Celery workers + PostgreSQL + Redis, all local.

    .venv/bin/python bench/load.py [--rate 0.5] [--duration 120] [--workers 2]
                                   [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                   [--redis redis://127.0.0.1:6379] [--out bench/results/load.json]

Starts ``neuronlens serve`` (NEURONLENS_QUEUE=celery) and ``--workers`` ``neuronlens worker``
processes (one process each, both queues) on a fresh PostgreSQL database and a random Redis
database, serves the short CC0 clips of ``tests/data/asr`` from a local HTTP server, submits one
job every 1/rate seconds for ``--duration`` seconds (transcription only), then waits for every job
to finish. Reports accepted/completed/failed counts, p50/p95 submit latency (POST round trip),
p50/p95 time to completion (submission to ``completed_at``), and throughput in audio minutes per
wall-clock minute (from the first submission to the last completion). Loopback only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
CLIPS = sorted((REPO / "tests" / "data" / "asr").glob("*.mp3"))
LANGUAGES = {"en": "en-IN", "hi": "hi-IN", "ta": "ta-IN"}


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank) of ``values``, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[rank], 4)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No per-request log lines."""


def serve_clips() -> tuple[ThreadingHTTPServer, str]:
    """The clip directory over HTTP on loopback."""
    directory = str(CLIPS[0].parent)
    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: QuietHandler(*a, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"neuronlens_load_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    url = sa.engine.make_url(admin_url).set(database=name)
    return url.render_as_string(hide_password=False), name


def drop_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "neuronlens", *args],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.TransportError:  # not listening yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    database_url, db_name = fresh_database(args.postgres)
    workdir = Path(tempfile.mkdtemp(prefix="neuronlens-load-"))
    port = free_port()
    env = {
        **os.environ,
        "NEURONLENS_QUEUE": "celery",
        "NEURONLENS_BROKER_URL": f"{args.redis.rstrip('/')}/{random.randint(1, 15)}",
        "NEURONLENS_CELERY_QUEUE_PREFIX": f"load{uuid.uuid4().hex[:6]}.",
        "NEURONLENS_DATABASE_URL": database_url,
        "NEURONLENS_DATA_DIR": str(workdir / "data"),
        "NEURONLENS_MODEL_CACHE_DIR": str(REPO / "data" / "models"),
        "NEURONLENS_ALLOW_PRIVATE_URLS": "true",
        "NEURONLENS_CPU_THREADS": str(args.cpu_threads),
        "NEURONLENS_MAX_UNFINISHED_JOBS": "100000",
    }
    processes: list[subprocess.Popen[bytes]] = []
    clip_server, clip_base = serve_clips()
    try:
        processes.append(spawn(["accounts", "create", "load"], env, workdir / "setup.log"))
        processes[-1].wait(timeout=120)
        key = (workdir / "setup.log").read_text().strip().splitlines()[-1]
        processes.append(spawn(["serve", "--port", str(port)], env, workdir / "api.log"))
        for index in range(args.workers):
            processes.append(
                spawn(["worker", "--concurrency", "1"], env, workdir / f"worker-{index}.log")
            )
        for index in range(args.workers):
            log = workdir / f"worker-{index}.log"
            wait_until(lambda log=log: " ready." in log.read_text(), 120, "a worker")
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        wait_until(lambda: client.get("/readyz").status_code == 200, 60, "the API")

        submitted: list[tuple[str, float]] = []
        latencies: list[float] = []
        refused = 0
        total = int(args.rate * args.duration)
        started = time.monotonic()
        start_wall = time.time()
        for index in range(total):
            time.sleep(max(0.0, started + index / args.rate - time.monotonic()))
            clip = CLIPS[index % len(CLIPS)]
            language = LANGUAGES[clip.name.split("_")[2]]
            sent = time.monotonic()
            response = client.post(
                "/transcription",
                json={"audio_url": f"{clip_base}/{clip.name}", "language": language},
            )
            latencies.append(time.monotonic() - sent)
            if response.status_code == 201:
                submitted.append((response.json()["job_id"], time.time()))
            else:
                refused += 1
        print(f"submitted {len(submitted)} jobs in {time.monotonic() - started:.0f} s; waiting")
        if args.workers == 0:  # the API's own submit latency, with no worker competing for CPU
            client.close()
            return {
                "rate_per_second": args.rate,
                "duration_seconds": args.duration,
                "workers": 0,
                "accepted": len(submitted),
                "refused": refused,
                "submit_latency_p50_s": percentile(latencies, 50),
                "submit_latency_p95_s": percentile(latencies, 95),
            }

        engine = sa.create_engine(database_url)
        query = sa.text(
            "SELECT id, status, duration, created_at, completed_at FROM jobs "
            "WHERE status IN ('completed', 'failed')"
        )

        def finished() -> list[Any]:
            with engine.connect() as conn:
                return list(conn.execute(query))

        wait_until(lambda: len(finished()) >= len(submitted), args.drain_timeout, "the jobs")
        rows = finished()
        engine.dispose()
        completed = [row for row in rows if row.status == "completed"]
        ends = [row.completed_at.timestamp() for row in completed]
        to_completion = [(row.completed_at - row.created_at).total_seconds() for row in completed]
        wall = (max(ends) - start_wall) if ends else 0.0
        audio_seconds = sum(row.duration or 0.0 for row in completed)
        client.close()
        return {
            "rate_per_second": args.rate,
            "duration_seconds": args.duration,
            "workers": args.workers,
            "cpu_threads_per_worker": args.cpu_threads,
            "accepted": len(submitted),
            "refused": refused,
            "completed": len(completed),
            "failed": len(rows) - len(completed),
            "submit_latency_p50_s": percentile(latencies, 50),
            "submit_latency_p95_s": percentile(latencies, 95),
            "time_to_completion_p50_s": percentile(to_completion, 50),
            "time_to_completion_p95_s": percentile(to_completion, 95),
            "wall_seconds": round(wall, 1),
            "audio_seconds_completed": round(audio_seconds, 1),
            "audio_minutes_per_wall_minute": round(audio_seconds / wall, 3) if wall else None,
            "jobs_per_minute": round(len(completed) / wall * 60, 2) if wall else None,
        }
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        clip_server.shutdown()
        drop_database(args.postgres, db_name)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=0.5, help="submissions per second")
    parser.add_argument("--duration", type=float, default=120, help="seconds of submissions")
    parser.add_argument("--workers", type=int, default=2, help="0: measure submissions only")
    parser.add_argument("--cpu-threads", type=int, default=1)
    parser.add_argument("--drain-timeout", type=float, default=900)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "load.json")
    args = parser.parse_args()
    result = run(args)
    report = {
        "benchmark": "bench/load.py",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "clips": [clip.name for clip in CLIPS],
        "caveat": "2 shared cores, other engineers' processes running: timings are noisy",
        "result": result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
