"""Roles end to end: a two-voice service call through the real pipeline comes back as agent and
customer, each word with the right one (tests/data/calls/make_roles_call.sh made the audio)."""

from __future__ import annotations

import csv

import pytest

from neuronlens.config import Settings
from neuronlens.domain import JobRequest
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.run import run_pipeline
from tests.conftest import MODELS_DIR
from tests.pipeline.diarize_support import CALLS


def _turns() -> list[tuple[str, float, float]]:
    with (CALLS / "en_agent_customer.turns.tsv").open(encoding="utf-8", newline="") as handle:
        return [
            (row["speaker"], float(row["start"]), float(row["end"]))
            for row in csv.DictReader(handle, delimiter="\t")
        ]


@pytest.mark.slow
def test_synthetic_call_comes_back_as_agent_and_customer(model_registry: ModelRegistry) -> None:
    settings = Settings(model_cache_dir=MODELS_DIR)
    request = JobRequest(audio_url="file", language="en-IN", num_speakers=2)
    result = run_pipeline(CALLS / "en_agent_customer.mp3", request, model_registry, settings)
    assert result.speakers is not None
    assert result.speakers.roles_assigned, result.speakers.roles_note
    segments = result.transcript.segments
    assert {s.speaker for s in segments} == {"agent", "customer"}
    assert segments[0].speaker == "agent"
    truth = _turns()
    right = scored = 0
    for segment in segments:
        for word in segment.words:
            middle = (word.start + word.end) / 2
            owner = [role for role, start, end in truth if start <= middle <= end]
            if owner:
                scored += 1
                right += owner[0] == segment.speaker
    assert scored > 60
    assert right / scored >= 0.9
    agent_text = " ".join(s.text for s in segments if s.speaker == "agent").lower()
    customer_text = " ".join(s.text for s in segments if s.speaker == "customer").lower()
    assert "calling" in agent_text and "debit card" in customer_text
