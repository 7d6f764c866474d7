"""The whole service over real HTTP: a local audio server, the API with its embedded workers,
the real speech model, and every database backend."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.domain import FetchState, JobStatus
from neuronlens.pipeline.models import ModelRegistry
from tests.api.conftest import Api, running_api
from tests.conftest import DATA_DIR
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for, wait_for_job

pytestmark = pytest.mark.slow

AUDIO = DATA_DIR / "audio"
CLIP = AUDIO / "common_voice_hi_23827785.mp3"  # "बाहर नहीं जाना चाहते हो क्या?"
CALL = DATA_DIR / "calls" / "hi_two_speakers.mp3"


@pytest.fixture
def service(settings: Settings, model_registry: ModelRegistry) -> Iterator[Api]:
    """The API with its embedded workers, sharing the session's loaded speech model."""
    app = create_app(settings, workers=True, models=model_registry)
    with running_api(app, settings) as api:
        yield api


@pytest.fixture
def audio_server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


def serve(server: LocalHTTPServer, path: Path, content_type: str = "audio/mpeg") -> str:
    return server.add_file(f"/calls/{path.name}", path.read_bytes(), content_type)


def devanagari_share(text: str) -> float:
    letters = [c for c in text if unicodedata.category(c)[0] in "LM"]
    return sum("\u0900" <= c <= "\u097f" for c in letters) / max(len(letters), 1)


def test_a_hindi_clip_comes_back_as_a_devanagari_transcript(
    service: Api, audio_server: LocalHTTPServer, settings: Settings
) -> None:
    url = serve(audio_server, CLIP)
    metadata = {"crm_ticket_id": "TKT-4492", "agent": {"id": "agt_001"}}
    with service.client() as client:
        submitted = client.post(
            "/transcription",
            json={
                "audio_url": url,
                "language": "hi-IN",
                "metadata": metadata,
                "features": ["transcription", "summary", "sentiment", "intent"],
            },
        )
        assert submitted.status_code == 201
        job_id = submitted.json()["job_id"]
        body = wait_for_job(client, job_id)

    assert body["status"] == "completed", body["error"]
    assert body["error"] is None
    assert body["metadata"] == metadata
    assert body["completed_at"] >= body["created_at"]
    assert body["duration"] == pytest.approx(3.6, abs=0.25)
    segments = body["transcript"]
    assert segments, "no segments"
    starts = [segment["start"] for segment in segments]
    assert starts == sorted(starts)
    text = " ".join(segment["text"] for segment in segments)
    assert devanagari_share(text) > 0.9, text
    assert "बाहर" in text or "जाना" in text, text
    for segment in segments:
        assert segment["speaker"] == "speaker_1"
        assert 0 <= segment["start"] < segment["end"] <= body["duration"] + 0.05
        assert 0 <= segment["confidence"] <= 1
        assert segment["words"]
        for word in segment["words"]:
            assert segment["start"] - 0.05 <= word["start"] <= word["end"] <= segment["end"] + 0.05
            assert 0 <= word["confidence"] <= 1
    assert audio_server.hits(f"/calls/{CLIP.name}") == 1
    # One voice for 3.6 s: clustering finds one speaker, and the body says so.
    assert body["diarization"]["method"] == "clustering"
    assert body["diarization"]["speakers_found"] == 1
    assert [speaker["label"] for speaker in body["speakers"]] == ["speaker_1"]
    assert 0 < body["talk_metrics"]["total_talk_time"] <= body["duration"]
    assert isinstance(body["summary"], str) and body["summary"]
    assert -1 <= body["sentiment"]["overall"] <= 1
    assert body["sentiment"]["label"] in {"positive", "neutral", "negative"}
    # A 3-second read sentence carries no service intent: null is the honest answer.
    assert body["intent"] is None or 0 <= body["intent_confidence"] <= 1
    assert body["qa"] is None

    stored = settings.audio_dir / job_id
    assert stored.is_dir() and any(stored.iterdir())
    with service.client() as client:
        assert client.delete(f"/transcription/{job_id}").status_code == 200
    assert not stored.exists()


BAD_INPUTS = {
    # name: (how the server answers, expected error code)
    "html": ("/html", "unsupported_audio_format"),
    "expired": ("/s3-expired", "audio_fetch_failed"),
    "missing": ("/status/404", "audio_fetch_failed"),
    "empty": ("/empty", "empty_audio"),
    "pdf": ("invoice.pdf", "unsupported_audio_format"),
    "truncated_mp3": ("truncated.mp3", "corrupt_audio"),
    "truncated_wav": ("truncated.wav", "corrupt_audio"),
    "random_bytes": ("random_bytes.mp3", "unsupported_audio_format"),
    "silence": ("silence_5s.wav", "no_speech_detected"),
    "video_only": ("video_only.mp4", "unsupported_audio_format"),
    "redirect_loop": ("/redirect-loop", "audio_fetch_failed"),
}


def test_bad_inputs_end_failed_with_their_own_codes(
    service: Api, audio_server: LocalHTTPServer
) -> None:
    urls = {}
    for name, (source, _code) in BAD_INPUTS.items():
        if source.startswith("/"):
            urls[name] = audio_server.url(source)
        else:
            urls[name] = audio_server.add_file(
                f"/bad/{source}", (AUDIO / source).read_bytes(), "application/octet-stream"
            )
    with service.client() as client:
        job_ids = {
            name: client.post(
                "/transcription", json={"audio_url": url, "language": "hi-IN"}
            ).json()["job_id"]
            for name, url in urls.items()
        }
        results = {name: wait_for_job(client, job_id) for name, job_id in job_ids.items()}
    for name, body in results.items():
        expected = BAD_INPUTS[name][1]
        assert body["status"] == "failed", (name, body)
        assert body["error"]["code"] == expected, (name, body["error"])
        assert len(body["error"]["message"]) > 10, (name, body["error"])
        assert body["transcript"] is None
        assert body["completed_at"] is not None
    assert "expired" in results["expired"]["error"]["message"]


def test_downloads_are_not_held_up_by_busy_workers(
    service: Api, audio_server: LocalHTTPServer
) -> None:
    long_url = serve(audio_server, CALL)
    short_url = serve(audio_server, CLIP)
    with service.client() as client:
        first = client.post("/transcription", json={"audio_url": long_url, "language": "hi-IN"})
        wait_for(
            lambda: (
                client.get(f"/transcription/{first.json()['job_id']}").json()["status"]
                == "processing"
            ),
            timeout=60,
            what="the long call to start processing",
        )
        queued = [
            client.post("/transcription", json={"audio_url": short_url, "language": "hi-IN"})
            for _ in range(2)
        ]
        queued_ids = [response.json()["job_id"] for response in queued]

        def fetched_while_first_runs() -> bool:
            jobs = service.repository.jobs_by_ids([first.json()["job_id"], *queued_ids])
            by_id = {job.id: job for job in jobs}
            assert by_id[first.json()["job_id"]].status == JobStatus.PROCESSING, "too fast"
            return all(
                by_id[i].fetch_state == FetchState.DONE and by_id[i].status == JobStatus.PENDING
                for i in queued_ids
            )

        wait_for(fetched_while_first_runs, timeout=10, what="queued jobs' audio to be fetched")
        bodies = [wait_for_job(client, job_id) for job_id in [first.json()["job_id"], *queued_ids]]
    assert [body["status"] for body in bodies] == ["completed"] * 3
    assert bodies[0]["duration"] == pytest.approx(36.9, abs=0.3)
