"""``neuronlens worker`` in Celery mode: a prefork worker consuming ``io`` and/or ``speech``."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from neuronlens.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    queues: tuple[str, ...] = ("io", "speech")
    concurrency: int = 1
    metrics_port: int | None = None
    log_level: str = "info"


def threads_per_process(settings: Settings, concurrency: int) -> Settings:
    """Split the cores between worker processes unless ``cpu_threads`` is set explicitly.

    CTranslate2 and onnxruntime each default to every core; N processes doing so would run
    N x cores threads and thrash. With ``cpu_threads=0`` each process gets cores / N.
    """
    if settings.cpu_threads or concurrency <= 1:
        return settings
    share = max(1, (os.cpu_count() or 1) // concurrency)
    return settings.model_copy(update={"cpu_threads": share})


def run_worker(settings: Settings, options: WorkerOptions) -> None:
    """Run a Celery worker until it is stopped (SIGTERM: warm shutdown)."""
    unknown = set(options.queues) - {"io", "speech"}
    if unknown:
        raise ValueError(f"unknown queue(s) {sorted(unknown)}: choose from io, speech")
    if options.metrics_port is not None and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Before prometheus_client is imported anywhere: children then write their samples
        # to files this process aggregates on its metrics port.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="neuronlens-metrics-")
    from celery.signals import worker_process_init, worker_ready

    from neuronlens.jobs.celery_app import make_celery, queue_name, worker_context
    from neuronlens.storage.db import make_engine, migrate

    settings = threads_per_process(settings, options.concurrency)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)  # once, here, not in every child at the same moment
    engine.dispose()  # children open their own connections after the fork

    def init_child(**_kwargs: Any) -> None:
        ctx = worker_context(settings)
        if "speech" in options.queues:
            try:  # load the model now, once per process, not inside the first job
                ctx.models.whisper(settings.asr_default_model)
            except Exception:
                log.exception("could not preload the default speech model")

    def serve_metrics(**_kwargs: Any) -> None:
        if options.metrics_port is None:
            return
        from prometheus_client import CollectorRegistry, start_http_server
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        start_http_server(options.metrics_port, addr=settings.host, registry=registry)
        log.info("worker metrics on port %d", options.metrics_port)

    worker_process_init.connect(init_child, weak=False)
    worker_ready.connect(serve_metrics, weak=False)
    app = make_celery(settings)
    queues = ",".join(queue_name(settings, name) for name in options.queues)
    log.info(
        "worker: queues %s, %d process(es), %d CPU thread(s) each",
        queues,
        options.concurrency,
        settings.threads,
    )
    app.worker_main(
        argv=[
            "worker",
            f"--queues={queues}",
            f"--concurrency={options.concurrency}",
            "--pool=prefork",
            f"--loglevel={options.log_level.upper()}",
            f"--hostname=neuronlens-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
