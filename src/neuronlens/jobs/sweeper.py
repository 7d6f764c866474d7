"""Re-announce jobs whose queue message is gone, so that nothing accepted is ever lost.

A message can vanish in many ways: the broker was down when the API tried to publish, a worker
was SIGKILLed after taking it, a redelivery arrived while the dead worker's lease still held.
The database knows better than the broker: the sweeper periodically asks it which jobs are
claimable but unclaimed (``OpsQueries.stranded``) and publishes their ids again. Duplicates are
harmless: a worker claims a job with a conditional UPDATE, so a second message finds nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from neuronlens.storage.ops import OpsQueries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    fetch: int
    process: int


class Sweeper:
    """A daemon thread that runs ``sweep_once`` every ``interval`` seconds."""

    def __init__(
        self,
        ops: OpsQueries,
        announce_fetch: Callable[[str], None],
        announce_process: Callable[[str], None],
        *,
        interval: float,
        requeue_after: float,
        announce_webhooks: Callable[[], None] | None = None,
        broker_backlog: Callable[[], tuple[int, int]] | None = None,
    ) -> None:
        self._ops = ops
        self._announce_fetch = announce_fetch
        self._announce_process = announce_process
        self._interval = interval
        self._requeue_after = requeue_after
        self._announce_webhooks = announce_webhooks
        self._broker_backlog = broker_backlog
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sweeping in the background."""
        self._thread = threading.Thread(target=self._run, name="neuronlens-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the sweep in progress."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def sweep_once(self) -> SweepResult:
        """Publish the ids of stranded jobs again; a job whose publish fails stays stranded."""
        quiet_fetch = quiet_process = True
        if self._broker_backlog is not None:
            # A job that waited long in a long queue still has its message there: announcing
            # it again would only grow the queue. Only a shortfall means messages were lost.
            messages_io, messages_speech = self._broker_backlog()
            depth = self._ops.queue_depth()
            quiet_fetch, quiet_process = messages_io < depth.fetch, messages_speech < depth.process
        stranded = self._ops.stranded(
            self._requeue_after, quiet_fetch=quiet_fetch, quiet_process=quiet_process
        )
        announced: list[str] = []
        try:
            for ids, announce in (
                (stranded.fetch, self._announce_fetch),
                (stranded.process, self._announce_process),
            ):
                for job_id in ids:
                    announce(job_id)  # raises if the broker is down: the next sweep tries again
                    announced.append(job_id)
        finally:
            self._ops.mark_announced(announced)
        if announced:
            log.info(
                "sweeper re-announced %d download(s) and %d processing job(s)",
                len(stranded.fetch),
                len(stranded.process),
            )
        if self._announce_webhooks is not None and self._ops.webhooks_due():
            self._announce_webhooks()  # retries fall due while no job finishes
        return SweepResult(fetch=len(stranded.fetch), process=len(stranded.process))

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.sweep_once()
            except Exception as exc:  # broker or database briefly down: try again next time
                log.warning("sweep failed (will retry): %s", exc)
