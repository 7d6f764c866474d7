"""A real recording, end to end: the completed job's event reaches both kinds of target."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standardwebhooks import Webhook

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.pipeline.models import ModelRegistry
from tests.api.conftest import Api, running_api
from tests.conftest import DATA_DIR
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for, wait_for_job
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow

CLIP = DATA_DIR / "audio" / "common_voice_hi_23827785.mp3"  # CC0, 3.6 s of Hindi


@pytest.fixture
def service(settings: Settings, model_registry: ModelRegistry) -> Iterator[Api]:
    app = create_app(settings, workers=True, models=model_registry)
    with running_api(app, settings) as api:
        yield api


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # once: the model is slow
def test_a_transcribed_call_is_announced_to_its_endpoint_and_its_webhook_url(
    service: Api,
) -> None:
    with (
        WebhookReceiver() as receiver,
        LocalHTTPServer() as audio,
        service.client() as client,
    ):
        url = audio.add_file("/call.mp3", CLIP.read_bytes(), "audio/mpeg")
        endpoint = client.post("/webhook-endpoints", json={"url": receiver.url("/endpoint")})
        endpoint_secret = endpoint.json()["secret"]
        account_secret = client.get("/webhook-signing-secret").json()["secret"]
        job = {"audio_url": url, "language": "hi-IN", "webhook_url": receiver.url("/job")}
        job_id = client.post("/transcription", json=job).json()["job_id"]
        body = wait_for_job(client, job_id)
        wait_for(lambda: len(receiver.received) == 2, timeout=30, what="both deliveries")
        deliveries = client.get("/webhook-deliveries", params={"job_id": job_id}).json()["data"]

    assert body["status"] == "completed", body["error"]
    by_path = {request.path: request for request in receiver.received}
    events = {
        "/endpoint": Webhook(endpoint_secret).verify(
            by_path["/endpoint"].body, by_path["/endpoint"].headers
        ),
        "/job": Webhook(account_secret).verify(by_path["/job"].body, by_path["/job"].headers),
    }
    for event in events.values():
        assert event["type"] == "transcription.completed"
        assert event["data"]["job_id"] == job_id and event["data"]["status"] == "completed"
        assert event["data"]["transcript"] == body["transcript"] and body["transcript"]
        assert event["data"]["duration"] == body["duration"]
    assert sorted(d["status"] for d in deliveries) == ["succeeded", "succeeded"]
