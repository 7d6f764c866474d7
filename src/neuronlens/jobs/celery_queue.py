"""The API side of Celery mode: publish job ids, sweep for lost ones, report broker health."""

from __future__ import annotations

import logging
import threading
import time

from neuronlens.errors import QueueUnavailable
from neuronlens.jobs.celery_app import (
    FETCH_TASK,
    PROCESS_TASK,
    WEBHOOKS_TASK,
    make_celery,
    queue_name,
)
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.sweeper import Sweeper
from neuronlens.storage.ops import OpsQueries

log = logging.getLogger(__name__)

FAIL_FAST_SECONDS = 2.0
"""After a failed publish, answer 503 at once for this long instead of waiting on the broker."""


class CeleryQueue:
    """Publishes job ids to the ``io`` queue; a sweeper thread re-publishes stranded jobs."""

    def __init__(self, ctx: WorkerContext) -> None:
        settings = ctx.settings
        self._app = make_celery(settings, publisher=True)
        self._io = queue_name(settings, "io")
        self._speech = queue_name(settings, "speech")
        self._lock = threading.Lock()
        self._down_until = 0.0
        self.sweeper = Sweeper(
            OpsQueries(ctx.repository.engine),
            lambda job_id: self._publish(FETCH_TASK, job_id, self._io),
            lambda job_id: self._publish(PROCESS_TASK, job_id, self._speech),
            interval=settings.sweep_interval,
            requeue_after=settings.requeue_after,
            announce_webhooks=lambda: self._app.send_task(
                WEBHOOKS_TASK, queue=self._io, retry=False
            ),
            broker_backlog=self._backlog,
        )

    def start(self) -> None:
        """Start the sweeper; the broker connection opens on the first publish."""
        self.sweeper.start()

    def enqueue(self, job_id: str) -> None:
        """Publish a new job for download; QueueUnavailable when the broker cannot take it."""
        with self._lock:
            failing = time.monotonic() < self._down_until
        if failing:
            raise QueueUnavailable("the job queue is unavailable; retry in a few seconds")
        try:
            try:
                self._publish(FETCH_TASK, job_id, self._io)
            except Exception:  # a pooled connection may be stale after a broker restart
                self._publish(FETCH_TASK, job_id, self._io)
        except Exception as exc:  # kombu/redis/amqp each raise their own connection errors
            with self._lock:
                self._down_until = time.monotonic() + FAIL_FAST_SECONDS
            log.warning("job %s: could not publish to the broker: %s", job_id, exc)
            raise QueueUnavailable("the job queue is unavailable; retry in a few seconds") from exc

    def broker_error(self) -> str | None:
        """None when the broker answers; else what went wrong."""
        try:
            with self._app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=0, timeout=3)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:200]
        return None

    def queue_length(self, name: str) -> int:
        """Messages waiting in a broker queue (not counting ones a worker holds)."""
        with self._app.connection_for_write() as conn:
            declared = conn.default_channel.queue_declare(name, passive=True)
        return int(declared.message_count)

    def _backlog(self) -> tuple[int, int]:
        try:
            return self.queue_length(self._io), self.queue_length(self._speech)
        except Exception:  # not declared yet, or the broker is down: assume nothing queued
            return 0, 0

    def stop(self) -> None:
        """Stop sweeping and close broker connections; in-flight jobs keep their leases."""
        self.sweeper.stop()
        self._app.close()

    def _publish(self, task: str, job_id: str, queue: str) -> None:
        # No publish retries: the API answers 503 promptly and the sweeper retries later.
        self._app.send_task(task, args=[job_id], queue=queue, retry=False)
