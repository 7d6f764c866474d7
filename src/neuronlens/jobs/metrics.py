"""Prometheus metrics observed by the workers (stage durations, speed relative to audio).

In the embedded mode they appear on the API's ``/metrics``; Celery workers export them on their
own port (``neuronlens worker --metrics-port``), aggregated over the worker's child processes
with prometheus-client's multiprocess mode. Job counts and queue depth are not here: the API reads
them from the database at scrape time (``neuronlens.api.routes.metrics``), so they are right
whichever process did the work.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

STAGE_SECONDS = Histogram(
    "neuronlens_stage_seconds",
    "Wall-clock seconds spent in one pipeline stage of one job.",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
)
PROCESSING_PER_AUDIO_SECOND = Histogram(
    "neuronlens_processing_seconds_per_audio_second",
    "Processing wall-clock seconds per second of audio (real-time factor) of completed jobs.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, 10),
)
JOBS_FINISHED = Counter(
    "neuronlens_worker_jobs_finished_total",
    "Jobs this worker finished, by outcome (completed or the failure code).",
    ["outcome"],
)


class StageTimer:
    """A pipeline progress callback that records how long each stage took."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._since = 0.0
        self.started = time.monotonic()

    def __call__(self, stage: str, _fraction: float) -> None:
        if stage != self._stage:
            self.close()
            self._stage, self._since = stage, time.monotonic()

    def close(self) -> None:
        """Record the stage in progress (call once the pipeline returns or fails)."""
        if self._stage is not None:
            STAGE_SECONDS.labels(self._stage).observe(time.monotonic() - self._since)
            self._stage = None

    def completed(self, audio_seconds: float) -> None:
        """Record a completed job's processing speed relative to its audio length."""
        self.close()
        JOBS_FINISHED.labels("completed").inc()
        if audio_seconds > 0:
            PROCESSING_PER_AUDIO_SECOND.observe((time.monotonic() - self.started) / audio_seconds)

    def failed(self, code: str) -> None:
        """Record a failed job."""
        self.close()
        JOBS_FINISHED.labels(code).inc()


def observe_stage(stage: str, seconds: float) -> None:
    """Record a stage timed outside the pipeline (fetching, storing)."""
    STAGE_SECONDS.labels(stage).observe(seconds)
