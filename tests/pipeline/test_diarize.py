"""Diarization of the real test call (two Hindi voices): mono, 8 kHz, stereo, duplicated mono."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest

from neuronlens.domain import Audio, Segment
from neuronlens.languages import lookup
from neuronlens.pipeline import asr
from neuronlens.pipeline.audio import decode_audio
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.speakers import Attributed, transcribe_with_speakers
from tests.pipeline.diarize_support import CALLS, purity, turns, word_attribution

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

pytestmark = pytest.mark.slow

MIN_WORD_ACCURACY = 0.9
"""Eight turns, ~45 scored words: one wrongly attributed turn would drop it to about 0.85."""


Transcriber = Callable[[np.ndarray, object], list[Segment]]


@pytest.fixture(scope="module")
def transcriber(whisper_model: WhisperModel) -> Callable[[str], Transcriber]:
    """``asr.transcribe`` for Hindi, memoised per (speech, call order): the duplicated-mono file
    is the mono call re-encoded, so its speech is transcribed once (these tests are about
    speakers; tests/pipeline/test_asr.py covers transcription)."""
    language = lookup("hi-IN")
    assert language is not None
    seen: dict[tuple[str, int], list[Segment]] = {}

    def for_speech(speech: str) -> Transcriber:
        calls = iter(range(2))  # stereo transcribes channel 0, then channel 1

        def run(samples: np.ndarray, _progress: object) -> list[Segment]:
            key = (speech, next(calls))
            if key not in seen:
                seen[key] = asr.transcribe(samples, language, whisper_model)
            return seen[key]

        return run

    return for_speech


def _run(
    name: str,
    speakers: int,
    transcriber: Callable[[str], Transcriber],
    registry: ModelRegistry,
    speech: str | None = None,
) -> tuple[Audio, Attributed]:
    audio = decode_audio(CALLS / name, max_seconds=120)
    stages: list[str] = []
    result = transcribe_with_speakers(
        audio,
        speakers,
        transcriber(speech or name),
        registry.speaker_encoder,
        lambda stage, _fraction: stages.append(stage),
    )
    if result.report.method == "clustering":
        assert stages[-1] == "diarize"
    return audio, result


def test_mono_call_words_follow_the_true_turns(
    transcriber: Callable[[str], Transcriber], model_registry: ModelRegistry
) -> None:
    audio, result = _run("hi_two_speakers.mp3", 2, transcriber, model_registry)
    accuracy, scored = word_attribution(result.segments)
    assert scored >= 30
    assert accuracy >= MIN_WORD_ACCURACY
    report = result.report
    assert report.method == "clustering" and report.speakers_found == 2
    # Read sentences carry no agent cues: the labels stay neutral, and the report says why.
    assert not report.roles_assigned and "weak evidence" in report.roles_note
    assert {s.speaker for s in result.segments} == {"speaker_1", "speaker_2"}
    # Turns are re-split at speaker changes: no segment spans two true turns' speakers.
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)
    metrics = report.metrics
    assert 20 < metrics.total_talk_time < 34
    assert metrics.non_talk_time == pytest.approx(
        audio.duration - metrics.total_talk_time, abs=0.01
    )
    assert metrics.overlap_time == 0.0  # mono: one speaker per word
    assert set(metrics.talk_time_by_speaker) == {"speaker_1", "speaker_2"}


def test_telephone_band_call(
    transcriber: Callable[[str], Transcriber], model_registry: ModelRegistry
) -> None:
    audio, result = _run("hi_two_speakers_8k.wav", 2, transcriber, model_registry)
    assert audio.source_sample_rate == 8000
    accuracy, scored = word_attribution(result.segments)
    assert scored >= 20
    assert accuracy >= MIN_WORD_ACCURACY


def test_one_party_per_channel_is_exact(
    transcriber: Callable[[str], Transcriber], model_registry: ModelRegistry
) -> None:
    _, result = _run("hi_two_speakers_stereo.mp3", 2, transcriber, model_registry)
    assert result.report.method == "stereo_channels"
    accuracy, scored = word_attribution(result.segments)
    assert scored >= 30 and accuracy == 1.0
    channels = {s.label: s.channel for s in result.report.speakers}
    assert channels == {"speaker_1": 0, "speaker_2": 1}
    first_turn_end = turns()[0][2]
    assert all(s.speaker == "speaker_1" for s in result.segments if s.end <= first_turn_end)


def test_same_signal_twice_is_treated_as_mono(
    transcriber: Callable[[str], Transcriber], model_registry: ModelRegistry
) -> None:
    _, result = _run(
        "hi_two_speakers_dupmono.mp3", 2, transcriber, model_registry, "hi_two_speakers.mp3"
    )
    assert result.report.method == "clustering"
    accuracy, _ = word_attribution(result.segments)
    assert accuracy >= MIN_WORD_ACCURACY


def test_one_speaker_requested_skips_clustering(
    transcriber: Callable[[str], Transcriber], model_registry: ModelRegistry
) -> None:
    _, result = _run("hi_two_speakers.mp3", 1, transcriber, model_registry)
    assert result.report.method == "single_speaker"
    assert {s.speaker for s in result.segments} == {"speaker_1"}
    assert result.report.speakers_found == 1 and not result.report.roles_assigned


def test_more_speakers_requested_than_talk(
    transcriber: Callable[[str], Transcriber], model_registry: ModelRegistry
) -> None:
    """Asked for four, two voices talk: no more than four labels, and extra clusters split a
    voice rather than mix the two (each label's words are one speaker's)."""
    _, result = _run("hi_two_speakers.mp3", 4, transcriber, model_registry)
    assert 2 <= result.report.speakers_found <= 4
    assert purity(result.segments) >= 0.9
