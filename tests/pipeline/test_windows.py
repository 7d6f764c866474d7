"""Windows of long recordings: cut in pauses, cover everything, results moved to call time."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest

from neuronlens.domain import SAMPLE_RATE, Segment, Word
from neuronlens.languages import lookup
from neuronlens.pipeline import asr
from neuronlens.pipeline.audio import decode_audio
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.pipeline.speakers import transcribe_with_speakers
from neuronlens.pipeline.windows import (
    SEARCH_SECONDS,
    WINDOW_SECONDS,
    plan_windows,
    quietest_point,
    shift_segments,
    window_progress,
)
from tests.pipeline.diarize_support import CALLS, turns, word_attribution

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

BURST, GAP = 3.0, 0.8
"""The synthetic call: 3 s of noise ("speech"), then 0.8 s of near silence, repeated."""


def _synthetic(start: int, end: int) -> np.ndarray:
    """Samples [start, end) of an endless burst/gap signal, made on demand (no big array)."""
    t = np.arange(start, end) / SAMPLE_RATE
    loud = (t % (BURST + GAP)) < BURST
    noise = np.random.default_rng(start).standard_normal(end - start) * 0.2
    return np.where(loud, noise, noise * 0.001).astype(np.float32)


def _in_gap(sample: int) -> bool:
    return (sample / SAMPLE_RATE) % (BURST + GAP) >= BURST


def test_the_cut_is_the_middle_of_the_quietest_stretch() -> None:
    samples = _synthetic(0, 20 * SAMPLE_RATE)
    samples[: 10 * SAMPLE_RATE] *= 10.0  # the earlier gaps are louder than the later ones
    cut = quietest_point(samples[5 * SAMPLE_RATE :]) + 5 * SAMPLE_RATE
    assert _in_gap(cut) and cut > 10 * SAMPLE_RATE
    gap_start = (cut / SAMPLE_RATE) // (BURST + GAP) * (BURST + GAP) + BURST
    assert abs(cut / SAMPLE_RATE - (gap_start + GAP / 2)) < 0.15


def test_a_call_up_to_six_minutes_is_one_window() -> None:
    frames = int((WINDOW_SECONDS + SEARCH_SECONDS) * SAMPLE_RATE)
    assert plan_windows(frames, _synthetic) == [(0, frames)]
    assert plan_windows(1000, _synthetic) == [(0, 1000)]


@pytest.mark.parametrize("minutes", [6.5, 17.0, 61.0])
def test_windows_cover_the_call_and_are_cut_in_pauses(minutes: float) -> None:
    frames = int(minutes * 60 * SAMPLE_RATE)
    windows = plan_windows(frames, _synthetic)
    assert windows[0][0] == 0 and windows[-1][1] == frames
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert len(windows) >= 2
    for start, end in windows[:-1]:
        assert WINDOW_SECONDS - SEARCH_SECONDS <= (end - start) / SAMPLE_RATE <= WINDOW_SECONDS
        assert _in_gap(end), end / SAMPLE_RATE
    last = (windows[-1][1] - windows[-1][0]) / SAMPLE_RATE
    assert SEARCH_SECONDS < last <= WINDOW_SECONDS + SEARCH_SECONDS


def test_segments_and_words_move_to_call_time() -> None:
    words = (Word("नमस्ते", 1.25, 1.5, 0.9), Word("जी", 1.6, 1.8, 0.8))
    segment = Segment("speaker_1", 1.25, 1.8, "नमस्ते जी", 0.85, words)
    plain = Segment("speaker_1", 2.0, 2.5, "हाँ", 0.7)
    moved = shift_segments([segment, plain], 287.4375)
    assert (moved[0].start, moved[0].end) == (288.688, 289.238)  # rounded to the millisecond
    assert [(w.start, w.end) for w in moved[0].words] == [(288.688, 288.938), (289.038, 289.238)]
    assert moved[0].text == segment.text and moved[0].words[0].confidence == 0.9
    assert (moved[1].start, moved[1].end, moved[1].words) == (289.438, 289.938, ())
    assert shift_segments([segment], 0.0) == [segment]


def test_progress_in_a_window_is_progress_over_the_call() -> None:
    seen: list[float] = []
    report = window_progress(seen.append, (100, 300), 400)
    assert report is not None
    report(0.0)
    report(0.5)
    report(1.0)
    assert seen == [0.25, 0.5, 0.75]
    assert window_progress(None, (0, 1), 1) is None


@pytest.mark.slow
def test_a_call_in_two_windows_keeps_its_words_times_and_speakers(
    whisper_model: WhisperModel, model_registry: ModelRegistry
) -> None:
    """The 36 s test call in 20 s windows: cut in the pause between two turns, the second
    window's words land at their true times and still go to the right speaker."""
    language = lookup("hi-IN")
    assert language is not None
    audio = decode_audio(CALLS / "hi_two_speakers.mp3", max_seconds=120)
    mono = audio.mono()
    windows = plan_windows(mono.size, lambda a, b: mono[a:b], window_seconds=20.0)
    assert len(windows) == 2
    cut = windows[0][1] / SAMPLE_RATE
    pause = [(end, start) for (_, _, end), (_, start, _) in zip(turns(), turns()[1:], strict=False)]
    assert any(end <= cut <= start for end, start in pause), cut

    def transcribe(samples: np.ndarray, progress: Callable[[float], None] | None) -> list[Segment]:
        return asr.transcribe(samples, language, whisper_model, progress=progress)

    stages: list[tuple[str, float]] = []
    whole = transcribe_with_speakers(
        audio, 2, transcribe, model_registry.speaker_encoder, lambda s, f: None
    )
    windowed = transcribe_with_speakers(
        audio,
        2,
        transcribe,
        model_registry.speaker_encoder,
        lambda stage, fraction: stages.append((stage, fraction)),
        window_seconds=20.0,
    )
    segments = windowed.segments
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    words = [w for s in segments for w in s.words]
    whole_words = [w for s in whole.segments for w in s.words]
    assert len(words) >= 0.9 * len(whole_words)
    later = [w for w in words if w.start > cut]
    assert later and all(w.start < audio.duration for w in later)
    # Moved to call time: the second window's words lie in the call's true turns.
    inside = [
        any(b - 0.25 <= (w.start + w.end) / 2 <= e + 0.25 for _, b, e in turns()) for w in later
    ]
    assert sum(inside) >= 0.9 * len(later)
    accuracy, scored = word_attribution(segments)
    assert scored >= 20 and accuracy >= 0.9
    fractions = [f for stage, f in stages if stage == "transcribe"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert stages[-1] == ("diarize", 1.0)
