"""Speech recognition (pipeline/asr.py): native script, accuracy bounds, timings, no speech."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import jiwer
import numpy as np
import pytest

from neuronlens.domain import SAMPLE_RATE, Segment, Word
from neuronlens.errors import NoSpeechDetected
from neuronlens.languages import ARABIC, DEVANAGARI, LANGUAGES, TAMIL, Language, lookup
from neuronlens.pipeline import asr, asr_guards, script_tokens, vad
from neuronlens.pipeline.asr_prompts import PROMPTS
from tests.pipeline.conftest import Clip

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

HINDI = ("common_voice_hi_23827803.mp3", "common_voice_hi_23852775.mp3")
TAMIL_CLIP = "common_voice_ta_21294271.mp3"
ENGLISH_CLIP = "common_voice_en_218426.mp3"


def language(code: str) -> Language:
    found = lookup(code)
    assert found is not None
    return found


def normalise(text: str) -> str:
    """As bench/asr.py scores: NFC, lower case, punctuation (incl. danda) to spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    kept = (ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    return " ".join("".join(kept).split())


def script_share(text: str, lang: Language) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    assert letters, "no letters transcribed"
    return sum(lang.script.contains(ch) for ch in letters) / len(letters)


def run(clip: Clip, model: WhisperModel, code: str) -> tuple[list[Segment], str]:
    segments = asr.transcribe(clip.samples, language(code), model)
    return segments, " ".join(segment.text for segment in segments)


def assert_well_formed(segments: list[Segment], duration: float) -> None:
    assert segments
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    for segment in segments:
        assert segment.speaker == "speaker_1"
        assert 0.0 <= segment.start <= segment.end <= duration + 0.05
        assert 0.0 <= segment.confidence <= 1.0
        assert segment.words and segment.text == " ".join(w.word for w in segment.words)
        for word in segment.words:
            assert segment.start <= word.start <= word.end <= segment.end
            assert 0.0 <= word.confidence <= 1.0


# --- with the real model -------------------------------------------------------------------


@pytest.mark.slow
def test_hindi_is_written_in_devanagari_and_close_to_the_reference(
    whisper_model: WhisperModel, asr_clips: dict[str, Clip]
) -> None:
    references, hypotheses = [], []
    for name in HINDI:
        clip = asr_clips[name]
        segments, text = run(clip, whisper_model, "hi-IN")
        assert_well_formed(segments, clip.samples.size / SAMPLE_RATE)
        # Unsteered, Whisper base writes this speech in Urdu script or English.
        assert script_share(text, language("hi-IN")) >= 0.98, text
        references.append(normalise(clip.reference))
        hypotheses.append(normalise(text))
    # Measured 0.20 on these two clips (bench: 0.39 over 30 Common Voice clips).
    assert jiwer.cer(references, hypotheses) < 0.4, hypotheses


@pytest.mark.slow
def test_tamil_is_written_in_tamil_script(
    whisper_model: WhisperModel, asr_clips: dict[str, Clip]
) -> None:
    clip = asr_clips[TAMIL_CLIP]
    segments, text = run(clip, whisper_model, "ta-IN")

    assert_well_formed(segments, clip.samples.size / SAMPLE_RATE)
    assert script_share(text, language("ta-IN")) >= 0.98, text
    assert jiwer.cer(normalise(clip.reference), normalise(text)) < 0.5, text


@pytest.mark.slow
def test_english(whisper_model: WhisperModel, asr_clips: dict[str, Clip]) -> None:
    clip = asr_clips[ENGLISH_CLIP]
    segments, text = run(clip, whisper_model, "en-IN")

    assert_well_formed(segments, clip.samples.size / SAMPLE_RATE)
    assert jiwer.wer(normalise(clip.reference), normalise(text)) < 0.3, text


@pytest.mark.slow
def test_times_refer_to_the_original_recording_and_progress_reaches_one(
    whisper_model: WhisperModel, asr_clips: dict[str, Clip]
) -> None:
    clip = asr_clips[HINDI[0]]
    silence = np.zeros(4 * SAMPLE_RATE, dtype=np.float32)
    samples = np.concatenate([silence, clip.samples, silence])
    reported: list[float] = []

    segments = asr.transcribe(samples, language("hi-IN"), whisper_model, progress=reported.append)

    speech_end = (silence.size + clip.samples.size) / SAMPLE_RATE
    assert segments[0].start >= 3.5  # the VAD pads speech by 0.4 s
    assert segments[-1].end <= speech_end + 0.5
    assert reported == sorted(reported) and reported[-1] == 1.0
    assert all(0.0 <= fraction <= 1.0 for fraction in reported)


@pytest.mark.slow
def test_every_sentence_of_a_multi_sentence_chunk_is_transcribed(
    whisper_model: WhisperModel, asr_clips: dict[str, Clip]
) -> None:
    first, second = (asr_clips[name] for name in reversed(HINDI))
    pause = np.zeros(int(0.6 * SAMPLE_RATE), dtype=np.float32)
    samples = np.concatenate([first.samples, pause, second.samples])

    segments = asr.transcribe(samples, language("hi-IN"), whisper_model)

    second_starts = (first.samples.size + pause.size) / SAMPLE_RATE
    assert segments[-1].end > second_starts + 1.0, "the second sentence was skipped"
    text = normalise(" ".join(segment.text for segment in segments))
    assert jiwer.cer(normalise(first.reference + " " + second.reference), text) < 0.4, text


@pytest.mark.slow
@pytest.mark.parametrize("seconds", [0.0, 3.0])
def test_silence_raises_no_speech_detected(whisper_model: WhisperModel, seconds: float) -> None:
    samples = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)

    with pytest.raises(NoSpeechDetected) as caught:
        asr.transcribe(samples, language("hi-IN"), whisper_model)
    assert caught.value.code == "no_speech_detected"


@pytest.mark.slow
def test_foreign_script_tokens_for_every_indic_language(whisper_model: WhisperModel) -> None:
    tokenizer = whisper_model.hf_tokenizer
    space = tokenizer.token_to_id("Ġ")

    def token_set(text: str) -> set[int]:
        return set(tokenizer.encode(" " + text, add_special_tokens=False).ids) - {space}

    for lang in LANGUAGES.values():
        if lang.whisper not in PROMPTS:
            continue
        suppressed = set(
            script_tokens.suppressed_for(whisper_model, lang.script, allow_latin=False)
        )
        # The steering prompt must be spellable with what is left, token for token.
        own = token_set(PROMPTS[lang.whisper])
        assert not suppressed & own, lang.code
        if lang.whisper != "ur":
            # Tokens holding whole Arabic letters (lone UTF-8 continuation bytes may stay).
            arabic = {
                token
                for token in token_set(PROMPTS["ur"])
                if any(ARABIC.contains(ch) for ch in tokenizer.decode([token]))
            }
            assert arabic and arabic <= suppressed, lang.code
        assert token_set("the account number") <= suppressed, lang.code
    # Computed once per model and script.
    first = script_tokens.suppressed_for(whisper_model, DEVANAGARI, allow_latin=False)
    assert script_tokens.suppressed_for(whisper_model, DEVANAGARI, allow_latin=False) is first


# --- pure logic ----------------------------------------------------------------------------


def test_partial_utf8_tokens_are_judged_by_the_characters_they_can_belong_to() -> None:
    pieces = [
        " क".encode(),  # a whole Devanagari letter
        "क".encode()[:2],  # the first two bytes of a Devanagari letter
        "க".encode()[:2],  # the first two bytes of a Tamil letter
        "क".encode()[2:],  # one continuation byte: the end of many letters
        "ि".encode()[1:] + b" ",  # the last two bytes of a Devanagari sign, then space
        "ب".encode(),  # Arabic
        b" the",
        b" 2024,",
        "\u200d".encode(),  # zero-width joiner, used inside Indic words
        b"\xc0",  # never valid in UTF-8
    ]

    hindi = set(script_tokens.foreign_tokens(pieces, DEVANAGARI, allow_latin=False))
    tamil = set(script_tokens.foreign_tokens(pieces, TAMIL, allow_latin=False))
    latin_ok = set(script_tokens.foreign_tokens(pieces, DEVANAGARI, allow_latin=True))

    assert hindi == {2, 5, 6, 9}
    assert tamil == {0, 1, 4, 5, 6, 9}
    assert latin_ok == {2, 5, 9}


def test_every_prompt_is_written_in_its_languages_script() -> None:
    for lang in LANGUAGES.values():
        prompt = PROMPTS.get(lang.whisper)
        if prompt is None:
            continue
        letters = [ch for ch in prompt if ch.isalpha()]
        assert letters and all(lang.script.contains(ch) for ch in letters), lang.code


def words(text: str) -> tuple[Word, ...]:
    return tuple(Word(w, i * 0.5, i * 0.5 + 0.4, 0.9) for i, w in enumerate(text.split()))


def test_loops_collapse_but_natural_repeats_stay() -> None:
    looped = words("मेरे पारी से बिले 1 1 1 1 1 1 हाँ हाँ हाँ अपना खाता अपना खाता अपना खाता अपना खाता")

    kept = asr_guards.collapse_loops(looped, max_repeats=3)

    expected = ["मेरे", "पारी", "से", "बिले", "1", "हाँ", "हाँ", "हाँ", "अपना", "खाता"]
    assert [w.word for w in kept] == expected
    assert kept[4].end == looped[9].end  # the surviving copy covers the looped time
    assert asr_guards.collapse_char_loops("वाँवाँवाँवाँवाँ") == "वाँ"
    assert asr_guards.collapse_char_loops("1000000") == "1000000"


def test_prompt_echoes_are_dropped() -> None:
    prompt = PROMPTS["hi"]
    echo = Segment("speaker_1", 0.0, 1.0, "कृपया अपना खाता नंबर", 0.5, words("कृपया अपना खाता नंबर"))
    real = Segment("speaker_1", 0.0, 1.0, "मेरा खाता बंद है", 0.5, words("मेरा खाता बंद है"))

    assert asr_guards.clean(echo, prompt, max_repeats=3) is None
    assert asr_guards.clean(real, prompt, max_repeats=3) == real


def test_speech_spans_group_into_chunks_that_fit_the_token_window() -> None:
    second = SAMPLE_RATE
    spans = [
        vad.SpeechSpan(s * second, e * second) for s, e in [(0, 4), (5, 9), (12, 20), (21, 33)]
    ]

    chunks = vad.group_spans(spans, max_seconds=10, max_gap=2)

    assert [(c.start // second, c.end // second) for c in chunks] == [(0, 9), (12, 20), (21, 33)]
