"""The whole pipeline on the stereo test call: the stored result and job body carry speakers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from neuronlens.config import Settings
from neuronlens.domain import Job, JobRequest, JobStatus
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.run import run_pipeline
from neuronlens.serialize import job_to_body
from tests.conftest import MODELS_DIR
from tests.pipeline.diarize_support import CALLS


@pytest.mark.slow
def test_job_body_has_speakers_talk_metrics_and_method(model_registry: ModelRegistry) -> None:
    settings = Settings(model_cache_dir=MODELS_DIR)
    request = JobRequest(audio_url="file", language="hi-IN", num_speakers=2)
    stages: list[str] = []
    result = run_pipeline(
        CALLS / "hi_two_speakers_stereo.mp3",
        request,
        model_registry,
        settings,
        on_progress=lambda stage, _fraction: stages.append(stage),
    )
    stored = result.to_json()
    now = datetime.now(UTC)
    body = job_to_body(
        Job(
            "j",
            "a",
            JobStatus.COMPLETED,
            request,
            now,
            now,
            duration=result.duration,
            result=stored,
        )
    )
    assert body["diarization"]["method"] == "stereo_channels"
    assert body["diarization"]["speakers_found"] == 2
    assert body["diarization"]["roles_assigned"] is False  # read sentences: no agent cues
    labels = [speaker["label"] for speaker in body["speakers"]]
    assert labels == ["speaker_1", "speaker_2"]
    assert {s["speaker"] for s in body["transcript"]} == set(labels)
    assert [s["channel"] for s in body["speakers"]] == [0, 1]
    metrics = body["talk_metrics"]
    assert metrics["total_talk_time"] == pytest.approx(
        sum(metrics["talk_time_by_speaker"].values()) - metrics["overlap_time"], abs=0.01
    )
    assert metrics["non_talk_time"] == pytest.approx(
        body["duration"] - metrics["total_talk_time"], abs=0.01
    )
    assert metrics["interruptions"] == 0 and metrics["longest_silence"] > 0.3
    assert sum(s["talk_share"] for s in body["speakers"]) == pytest.approx(1.0, abs=0.01)
    assert "transcribe" in stages
