"""Celery for many worker machines: the app, its two tasks, and ``neuronlens worker``.

A message carries only a job id; the jobs table stays the source of truth. Each task first
*claims* its job with the same conditional UPDATE and lease as the embedded queue, so a duplicate
or late message (a redelivery after a crash, a sweeper re-announcement) finds nothing to do, and
only the lease holder can complete a job. Two queues keep cheap work from waiting behind speech:

- ``io``: ``neuronlens.fetch`` downloads the audio into the audio store, then publishes
- ``speech``: ``neuronlens.process`` runs the pipeline and records the result.

Late acks + ``reject_on_worker_lost`` + prefetch 1: a message is removed from the broker only
after its task returns, and a worker holds at most one message per process beyond the running
one. If a worker is SIGKILLed, the broker delivers the message again (RabbitMQ at once, Redis
after the visibility timeout); the job's lease decides who may work on it, and the sweeper
(``jobs.sweeper``) re-announces the job as soon as the dead worker's lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

import sqlalchemy as sa
from celery import Celery
from kombu import Exchange
from kombu import Queue as KombuQueue

from neuronlens.config import Settings
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.webhooks import deliver_due
from neuronlens.jobs.worker import FETCH_LEASE_SECONDS, fetch_job_audio, process_job
from neuronlens.logs import bind_job
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.storage.db import make_engine
from neuronlens.storage.repository import Repository

log = logging.getLogger(__name__)

FETCH_TASK = "neuronlens.fetch"
PROCESS_TASK = "neuronlens.process"
WEBHOOKS_TASK = "neuronlens.deliver_webhooks"
WEBHOOK_BATCH = 20
QUEUES = ("io", "speech")
DB_RETRY_SECONDS = 5.0
DB_RETRIES = 24
"""A task that cannot reach the database tries again for two minutes; the sweeper after that."""

_DB_DOWN = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
_process_state: dict[str, WorkerContext] = {}


def queue_name(settings: Settings, logical: str) -> str:
    """The broker queue for ``io`` or ``speech`` (with the deployment's prefix)."""
    return f"{settings.celery_queue_prefix}{logical}"


def make_celery(settings: Settings, *, publisher: bool = False) -> Celery:
    """The Celery app for these settings (built at start-up, never at import).

    ``publisher`` (the API): connecting to the broker fails at once instead of retrying for
    seconds, so that a submission gets its 503 promptly; the sweeper retries for it.
    """
    if not settings.broker_url:
        raise ValueError("NEURONLENS_QUEUE=celery needs NEURONLENS_BROKER_URL")
    app = Celery("neuronlens", broker=settings.broker_url, set_as_current=False)
    io, speech = queue_name(settings, "io"), queue_name(settings, "speech")
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # Explicit exchanges: by default both would bind to the default queue's exchange and
        # routing key, and a speech message would land in the io queue as well.
        task_queues=(
            KombuQueue(io, Exchange(io, type="direct"), routing_key=io),
            KombuQueue(speech, Exchange(speech, type="direct"), routing_key=speech),
        ),
        task_default_queue=io,
        task_routes={
            FETCH_TASK: {"queue": io},
            PROCESS_TASK: {"queue": speech},
            WEBHOOKS_TASK: {"queue": io},
        },
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3.0,
        broker_transport_options={
            "visibility_timeout": settings.broker_visibility_timeout,
            "socket_timeout": 10.0,
            "socket_connect_timeout": 3.0,
            **({"max_retries": 0, "interval_start": 0} if publisher else {}),
        },
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_enable_remote_control=False,
        worker_hijack_root_logger=False,
        # Loading the speech model in worker_process_init can take longer than Celery's 4 s.
        worker_proc_alive_timeout=300.0,
    )
    _register_tasks(app, settings)
    return app


def _register_tasks(app: Celery, settings: Settings) -> None:
    io, speech = queue_name(settings, "io"), queue_name(settings, "speech")

    def announce_webhooks() -> None:
        # A finished job may have queued webhook events (in its own transaction); send soon.
        app.send_task(WEBHOOKS_TASK, queue=io)

    @app.task(name=FETCH_TASK, bind=True, max_retries=DB_RETRIES)
    def fetch(self: Any, job_id: str) -> None:
        """Download a job's audio into the store, then hand it to the speech queue."""
        with bind_job(job_id):
            try:
                ctx = worker_context(settings)
                owner = _owner("fetch")
                job = ctx.repository.claim_fetch(owner, FETCH_LEASE_SECONDS, job_id)
                if job is None:
                    log.debug("job %s: nothing to fetch (done, taken or deleted)", job_id)
                    return
                ready = fetch_job_audio(ctx, job, owner)
            except _DB_DOWN as exc:
                raise self.retry(exc=exc, countdown=DB_RETRY_SECONDS) from exc
            if ready:
                app.send_task(PROCESS_TASK, args=[job_id], queue=speech)
            else:  # the download failed the job: its "failed" event may be waiting
                announce_webhooks()

    @app.task(name=PROCESS_TASK, bind=True, max_retries=DB_RETRIES)
    def process(self: Any, job_id: str) -> None:
        """Run the pipeline on a downloaded job and record the outcome."""
        with bind_job(job_id):
            try:
                ctx = worker_context(settings)
                owner = _owner("speech")
                job = ctx.repository.claim_job(owner, settings.lease_seconds, job_id)
                if job is None:
                    log.debug("job %s: nothing to process (done, leased or deleted)", job_id)
                    return
                log.info("job %s: processing (attempt %d)", job_id, job.attempts)
                process_job(ctx, job, owner)
            except _DB_DOWN as exc:
                raise self.retry(exc=exc, countdown=DB_RETRY_SECONDS) from exc
            announce_webhooks()

    @app.task(name=WEBHOOKS_TASK, bind=True, max_retries=DB_RETRIES)
    def deliver_webhooks(self: Any) -> None:
        """Send due webhook deliveries (claimed with leases in the database)."""
        try:
            handled = deliver_due(worker_context(settings), _owner("webhooks"), WEBHOOK_BATCH)
        except _DB_DOWN as exc:
            raise self.retry(exc=exc, countdown=DB_RETRY_SECONDS) from exc
        if handled == WEBHOOK_BATCH:  # maybe more are due: let the next message go on
            announce_webhooks()


def _owner(role: str) -> str:
    """A lease owner id unique to this attempt: host, process, role and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{role}:{uuid.uuid4().hex[:8]}"


def worker_context(settings: Settings) -> WorkerContext:
    """This process's context, created on first use (after the fork, never shared across it)."""
    ctx = _process_state.get("ctx")
    if ctx is None:
        engine = make_engine(settings.resolved_database_url)
        ctx = WorkerContext(
            settings=settings, repository=Repository(engine), models=ModelRegistry(settings)
        )
        _process_state["ctx"] = ctx
    return ctx
