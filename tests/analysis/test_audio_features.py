"""Summary, sentiment and intent through the whole pipeline on synthesised speech."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from neuronlens.config import Settings
from neuronlens.domain import JobRequest
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.run import run_pipeline

TURNS = (
    ("en-gb+f2", "Good morning, this is Sahayog Bank. How can I help you?"),
    ("en-gb+m3", "Hello. My wallet was stolen with my debit card. Please block my card now."),
    (
        "en-gb+f2",
        "I have blocked your debit card. A replacement card will reach you in seven days.",
    ),
    ("en-gb+m3", "Thank you so much, that is a big relief."),
)


def _synthesise(path: Path) -> None:
    """The dialogue as one WAV: espeak-ng, one voice per role, half a second between turns."""
    frames, rate = [], 22050
    for index, (voice, text) in enumerate(TURNS):
        part = path.with_name(f"turn{index}.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(part), text], check=True)
        with wave.open(str(part), "rb") as w:
            rate = w.getframerate()
            frames.append(w.readframes(w.getnframes()) + b"\0\0" * (rate // 2))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(frames))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng to synthesise")
def test_features_on_synthesised_call(tmp_path: Path, model_registry: ModelRegistry) -> None:
    audio = tmp_path / "call.wav"
    _synthesise(audio)
    request = JobRequest(
        audio_url=str(audio),
        language="en-IN",
        features=("transcription", "summary", "sentiment", "intent"),
    )
    settings = Settings(model_cache_dir=model_registry.settings.models_dir)
    pipeline = run_pipeline(audio, request, model_registry, settings)
    result = pipeline.to_json()
    heard = " ".join(segment["text"] for segment in result["transcript"])
    assert result["intent"] == "card_block", heard
    assert result["summary"].isascii() and "card" in result["summary"], result["summary"]
    sentiment = result["sentiment"]
    assert -1 <= sentiment["overall"] <= 1
    timeline = sentiment["timeline"]
    assert [row["quarter"] for row in timeline] == [1, 2, 3, 4]
    assert timeline[-1]["end"] == pytest.approx(pipeline.duration, abs=0.05)
    # The thanks and relief come at the end of the call.
    assert timeline[-1]["overall"] is not None and timeline[-1]["overall"] > 0
