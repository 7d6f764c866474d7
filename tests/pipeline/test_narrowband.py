"""Telephone-band detection: the diarizer's VAD runs with a lower threshold on 8 kHz sources."""

from __future__ import annotations

import numpy as np

from neuronlens.pipeline.diarize import DiarizeOptions
from neuronlens.pipeline.speaker_mel import is_narrowband
from neuronlens.pipeline.vad import speech_spans
from tests.pipeline.diarize_support import CALLS, decode


def test_telephone_recording_is_narrowband_and_wideband_is_not() -> None:
    assert is_narrowband(decode(CALLS / "hi_two_speakers_8k.wav"))
    assert not is_narrowband(decode(CALLS / "hi_two_speakers.mp3"))
    assert not is_narrowband(np.zeros(16000, dtype=np.float32))  # silence: no evidence
    assert not is_narrowband(np.zeros(100, dtype=np.float32))


def test_narrowband_vad_finds_more_of_the_telephone_calls_speech() -> None:
    samples = decode(CALLS / "hi_two_speakers_8k.wav")
    options = DiarizeOptions()
    wide = sum(span.seconds for span in speech_spans(samples, options.vad))
    narrow = sum(span.seconds for span in speech_spans(samples, options.narrowband_vad))
    assert narrow > wide
