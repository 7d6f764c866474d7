"""``/metrics``: Prometheus text format. Job counts come from the database at scrape time.

Counting from the jobs table (not from in-process counters) makes the numbers right on every API
node however many workers did the work, and survives restarts. Stage durations and processing
speed are observed where the work runs: here in the embedded mode, on each Celery worker's own
``--metrics-port`` otherwise. Serve this path to your Prometheus only, not to the internet.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from fastapi import APIRouter, Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from neuronlens.api.deps import ServicesDep
from neuronlens.storage.ops import OpsQueries

router = APIRouter(tags=["health"])


class DatabaseCollector(Collector):
    """Jobs by status, waiting jobs per queue and webhook failures, read at scrape time."""

    def __init__(self, ops: OpsQueries) -> None:
        self._ops = ops

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "neuronlens_database_up", "1 when the scrape could read the jobs table."
        )
        try:
            counts = self._ops.counts_by_status()
            depth = self._ops.queue_depth()
            deliveries, failed_attempts = self._ops.webhook_counts()
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        jobs = GaugeMetricFamily("neuronlens_jobs", "Jobs by status.", labels=["status"])
        for status, count in sorted(counts.items()):
            jobs.add_metric([status], count)
        yield jobs
        queued = GaugeMetricFamily(
            "neuronlens_queue_depth",
            "Jobs waiting for a worker: io = downloads, speech = processing.",
            labels=["queue"],
        )
        queued.add_metric(["io"], depth.fetch)
        queued.add_metric(["speech"], depth.process)
        yield queued
        hooks = GaugeMetricFamily(
            "neuronlens_webhook_deliveries",
            "Webhook deliveries by status (failed = given up after every retry).",
            labels=["status"],
        )
        for status, count in sorted(deliveries.items()):
            hooks.add_metric([status], count)
        yield hooks
        yield GaugeMetricFamily(
            "neuronlens_webhook_failed_attempts",
            "Webhook delivery attempts that failed (network error or non-2xx answer).",
            value=failed_attempts,
        )


@router.get("/metrics", include_in_schema=False)
def metrics(services: ServicesDep) -> Response:
    """Prometheus metrics of this process and, from the database, of the whole service."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(OpsQueries(services.repository.engine)))
    body = generate_latest(REGISTRY) + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
