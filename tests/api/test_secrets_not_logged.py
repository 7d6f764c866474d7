"""API keys, Authorization headers and pre-signed URL query strings never reach logs or errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.redact import install_log_redaction, redact, redact_url
from tests.api.conftest import Api, running_api
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for_job

SIGNATURE = "a1b2c3d4e5f6SECRETSIGNATURE0987654321"
CREDENTIAL = "AKIAIOSFODNN7EXAMPLE"
QUERY = f"X-Amz-Credential={CREDENTIAL}%2F20240501&X-Amz-Signature={SIGNATURE}"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"GET https://b.s3.ap-south-1.amazonaws.com/c/4492.mp3?{QUERY} failed", SIGNATURE),
        (f"GET https://storage.googleapis.com/b/o.wav?X-Goog-Signature={SIGNATURE}", SIGNATURE),
        ("sending to https://hooks.example.com/in?token=tok_live_123456", "tok_live_123456"),
        ("https://admin:hunter2secret@recordings.example.com/a.wav", "hunter2secret"),
        ("Authorization: Bearer nl_9bq2VJXlPNwFZpNTrj_oFoaqxHWq0W3CUh", "nl_9bq2VJXl"),
        ("{'authorization': 'Bearer sk-live-abcdefgh12345678'}", "sk-live-abcdefgh12345678"),
        ("key=nl_VJXlPNwFZpNTrj_oFoaqxHWq0W3CUh99olkFsps4XWI", "VJXlPNwFZpNTrj"),
        ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2"),
        ("x-api-key: 0123456789abcdef", "0123456789abcdef"),
    ],
)
def test_credentials_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[REDACTED]" in cleaned


def test_ordinary_text_is_left_alone() -> None:
    for text in (
        "job job_01m869q10kzj2g28hgjksaw9c4 failed: audio_fetch_failed",
        "GET /transcription?cursor=job_01m869q10kzj2g28hgjksaw9c4 200",
        "send your API key as 'Authorization: Bearer <key>'",
        "https://calls.example.com/4492.mp3",
    ):
        assert redact(text) == text
    assert redact_url(f"https://h.example.com/a.mp3?{QUERY}") == (
        "https://h.example.com/a.mp3?[REDACTED]"
    )


def test_every_log_record_is_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    url = f"https://bucket.s3.amazonaws.com/calls/1.mp3?{QUERY}"
    caplog.set_level(logging.DEBUG)
    other = logging.getLogger("some.third.party")
    other.info("downloading %s", url)
    other.warning("headers: %r", {"Authorization": "Bearer nl_abcdefghijklmnopqrstuv"})
    other.error("request to %s failed", ValueError(f"bad response from {url}"))
    try:
        raise RuntimeError(f"could not fetch {url}")
    except RuntimeError:
        logging.getLogger("neuronlens.test").exception("boom with key nl_zyxwvutsrqponmlkjihg")
    text = caplog.text
    assert "could not fetch https://bucket.s3.amazonaws.com/calls/1.mp3?[REDACTED]" in text
    for secret in (SIGNATURE, CREDENTIAL, "abcdefghijklmnopqrstuv", "zyxwvutsrqponmlkjihg"):
        assert secret not in text


@pytest.fixture
def service(settings: Settings, model_registry: ModelRegistry) -> Iterator[Api]:
    with running_api(create_app(settings, workers=True, models=model_registry), settings) as api:
        yield api


def test_a_failing_presigned_url_leaks_its_signature_nowhere(
    service: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with LocalHTTPServer() as storage:
        url = storage.url(f"/s3-expired?{QUERY}")
        with service.client() as client:
            submitted = client.post("/transcription", json={"audio_url": url, "language": "hi-IN"})
            assert submitted.status_code == 201
            job = wait_for_job(client, submitted.json()["job_id"], timeout=60)
            bad_key = httpx.get(
                f"{service.base_url}/transcription",
                headers={"Authorization": "Bearer nl_notarealkeybutlooksalikeone"},
            )
        assert storage.hits("/s3-expired") >= 1  # the fetch really happened
    assert job["status"] == "failed" and "expired" in job["error"]["message"]
    assert bad_key.status_code == 401
    logged = caplog.text
    assert "s3-expired" in logged or job["job_id"] in logged  # the worker did log the failure
    for where in (logged, job["error"]["message"], bad_key.text):
        assert SIGNATURE not in where and CREDENTIAL not in where
        assert service.key not in where and "notarealkeybutlooksalikeone" not in where
