"""The embedded queue: worker threads inside the server that claim jobs from the database.

Two pools, so cheap downloads never wait behind speech recognition: a few fetch threads
(I/O bound) and ``workers`` processing threads (CPU bound; CTranslate2 and onnxruntime release
the GIL, so the API's event loop stays responsive). Claims use leases in the jobs table, so a
job whose worker died (crash, SIGKILL, restart) is taken up again once its lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.webhooks import deliver_due
from neuronlens.jobs.worker import FETCH_LEASE_SECONDS, fetch_job_audio, process_job
from neuronlens.logs import bind_job

log = logging.getLogger(__name__)


class EmbeddedQueue:
    """Thread pools that download and process jobs claimed from the database."""

    def __init__(self, ctx: WorkerContext, *, warm_up_models: bool = True) -> None:
        self._ctx = ctx
        self._warm_up_models = warm_up_models
        self._stopping = threading.Event()
        self._fetch_wakeup = threading.Event()
        self._process_wakeup = threading.Event()
        self._threads: list[threading.Thread] = []
        self._instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def start(self) -> None:
        settings = self._ctx.settings
        for index in range(settings.fetch_workers):
            self._spawn(f"fetch-{index}", self._fetch_loop)
        for index in range(settings.workers):
            self._spawn(f"worker-{index}", self._process_loop)
        for index in range(settings.webhook_workers):  # their own threads: never block jobs
            self._spawn(f"webhook-{index}", self._webhook_loop)
        log.info(
            "embedded queue started: %d fetch threads, %d processing threads",
            settings.fetch_workers,
            settings.workers,
        )

    def enqueue(self, job_id: str) -> None:
        self._fetch_wakeup.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._fetch_wakeup.set()
        self._process_wakeup.set()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def broker_error(self) -> str | None:
        """No broker: the database is the queue."""
        return None

    def _spawn(self, name: str, loop: Callable[[str], None]) -> None:
        """Start ``loop(owner)`` in a thread; the owner id names this process and thread."""
        owner = f"{self._instance}:{name}"
        thread = threading.Thread(
            target=loop, args=(owner,), name=f"neuronlens-{name}", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def _fetch_loop(self, owner: str) -> None:
        repository = self._ctx.repository
        while not self._stopping.is_set():
            try:
                job = repository.claim_fetch(owner, FETCH_LEASE_SECONDS)
                if job is None:
                    self._wait(self._fetch_wakeup)
                    continue
                with bind_job(job.id):
                    fetched = fetch_job_audio(self._ctx, job, owner)
                if fetched:
                    self._process_wakeup.set()
            except Exception:  # the database may be briefly unavailable; never die
                log.exception("fetch loop error")
                self._stopping.wait(self._ctx.settings.poll_interval)

    def _process_loop(self, owner: str) -> None:
        if self._warm_up_models:
            self._warm_up()
        repository = self._ctx.repository
        lease = self._ctx.settings.lease_seconds
        while not self._stopping.is_set():
            try:
                job = repository.claim_job(owner, lease)
                if job is None:
                    self._wait(self._process_wakeup)
                    continue
                with bind_job(job.id):
                    log.info("job %s: processing (attempt %d)", job.id, job.attempts)
                    process_job(self._ctx, job, owner)
            except Exception:
                log.exception("processing loop error")
                self._stopping.wait(self._ctx.settings.poll_interval)

    def _webhook_loop(self, owner: str) -> None:
        while not self._stopping.is_set():
            try:
                if deliver_due(self._ctx, owner, limit=10) == 0:
                    self._stopping.wait(self._ctx.settings.poll_interval)
            except Exception:
                log.exception("webhook delivery loop error")
                self._stopping.wait(self._ctx.settings.poll_interval)

    def _warm_up(self) -> None:
        """Load the default speech model before the first job needs it."""
        try:
            self._ctx.models.whisper(self._ctx.settings.asr_default_model)
        except Exception:
            log.exception("could not preload the default speech model")

    def _wait(self, wakeup: threading.Event) -> None:
        wakeup.wait(self._ctx.settings.poll_interval)
        wakeup.clear()
