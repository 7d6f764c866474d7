"""``neuronlens worker`` without Celery: the embedded pools in their own process.

For ``neuronlens serve --no-workers`` deployments on one database: these workers claim jobs from
the shared jobs table exactly as the in-server pools do (the table is the queue).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from neuronlens.config import Settings
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.embedded import EmbeddedQueue

log = logging.getLogger(__name__)


def run_embedded_workers(settings: Settings) -> None:
    """Run the download and processing pools until SIGTERM or SIGINT."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping the workers", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ctx = WorkerContext.from_settings(settings)
    queue = EmbeddedQueue(ctx)
    queue.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        queue.stop()
        ctx.repository.engine.dispose()
