"""``/metrics``: job counts and queue depth from the database, stage timings from the workers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.domain import JobError
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.webhooks import deliver_due
from neuronlens.pipeline.models import ModelRegistry
from tests.api.conftest import Api, running_api
from tests.conftest import DATA_DIR, MODELS_DIR
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for_job

CLIP = DATA_DIR / "asr" / "common_voice_hi_23852775.mp3"


def scrape(base_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics`` as {(name, sorted labels): value}."""
    response = httpx.get(f"{base_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_count_jobs_by_status_and_queue_depth(api_only: Api) -> None:
    with api_only.client() as client:
        for index in range(3):
            body = {"audio_url": f"http://127.0.0.1:9/{index}.mp3", "language": "hi-IN"}
            assert client.post("/transcription", json=body).status_code == 201
    samples = scrape(api_only.base_url)
    assert samples[("neuronlens_database_up", ())] == 1
    assert samples[("neuronlens_jobs", (("status", "pending"),))] == 3
    assert samples[("neuronlens_jobs", (("status", "completed"),))] == 0
    assert samples[("neuronlens_queue_depth", (("queue", "io"),))] == 3
    assert samples[("neuronlens_queue_depth", (("queue", "speech"),))] == 0
    assert samples[("neuronlens_webhook_deliveries", (("status", "failed"),))] == 0
    assert samples[("neuronlens_webhook_failed_attempts", ())] == 0


@pytest.mark.slow
def test_metrics_record_stage_durations_and_speed(
    tmp_path: Path, model_registry: ModelRegistry
) -> None:
    """Once, on SQLite: the database only matters for the counts, tested on both above."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        model_cache_dir=MODELS_DIR,
        allow_private_urls=True,
        poll_interval=0.1,
    )
    app = create_app(settings, models=model_registry)
    with running_api(app, settings) as api, LocalHTTPServer() as audio:
        before = scrape(api.base_url)
        with api.client() as client:
            url = audio.add_file("/c.mp3", CLIP, "audio/mpeg")
            job_id = client.post("/transcription", json={"audio_url": url, "language": "hi-IN"})
            body = wait_for_job(client, job_id.json()["job_id"], timeout=120)
        assert body["status"] == "completed"
        after = scrape(api.base_url)

    def grew(name: str, labels: tuple[tuple[str, str], ...] = ()) -> float:
        return after[(name, labels)] - before.get((name, labels), 0.0)

    assert after[("neuronlens_jobs", (("status", "completed"),))] == 1
    for stage in ("fetch", "decode", "transcribe", "analyse"):
        assert grew("neuronlens_stage_seconds_count", (("stage", stage),)) == 1, stage
    assert grew("neuronlens_processing_seconds_per_audio_second_count") == 1
    speed = grew("neuronlens_processing_seconds_per_audio_second_sum")
    assert 0 < speed < 20  # seconds of work per second of audio on a slow shared machine


def test_metrics_count_webhook_failures(api_only: Api, settings: Settings) -> None:
    """A receiver answering 500: the failed attempt shows up on the next scrape."""
    with LocalHTTPServer() as receiver, api_only.client() as client:
        body = {
            "audio_url": "http://127.0.0.1:9/a.mp3",
            "language": "hi-IN",
            "webhook_url": receiver.url("/status/500"),
        }
        job_id = client.post("/transcription", json=body).json()["job_id"]
        assert api_only.repository.fail_job(job_id, JobError("audio_fetch_failed", "test"))
        ctx = WorkerContext.from_settings(settings)
        try:
            assert deliver_due(ctx, "metrics-test") == 1
        finally:
            ctx.repository.engine.dispose()
        assert receiver.hits("/status/500") == 1
    samples = scrape(api_only.base_url)
    assert samples[("neuronlens_webhook_failed_attempts", ())] == 1
    assert samples[("neuronlens_webhook_deliveries", (("status", "pending"),))] == 1  # retried
