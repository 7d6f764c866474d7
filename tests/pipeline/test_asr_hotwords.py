"""Hot-words (pipeline/asr_hotwords.py): the data file, the token budget and the prompt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from neuronlens.domain import Segment, Word
from neuronlens.languages import LANGUAGES, LATIN, lookup
from neuronlens.pipeline import asr, asr_guards, asr_hotwords
from neuronlens.pipeline.asr_prompts import PROMPTS

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

HINDI = lookup("hi-IN")
ENGLISH = lookup("en-IN")


def tokens(model: WhisperModel, text: str) -> int:
    return len(model.hf_tokenizer.encode(text, add_special_tokens=False).ids)


def test_built_in_words_are_written_in_their_languages_script() -> None:
    table = asr_hotwords.load()
    by_code = {lang.whisper: lang for lang in LANGUAGES.values()}

    assert {"hi", "en", "ta", "te"} <= set(table)
    for code, words in table.items():
        lang = by_code[code]  # every list belongs to a supported language
        assert words, code
        letters = [ch for word in words for ch in word if ch.isalpha()]
        assert all(lang.script.contains(ch) for ch in letters), code
    assert {"EMI", "KYC", "OTP", "rupees", "lakh", "crore"} <= set(table["en"])


def test_a_deployments_file_replaces_the_built_in_one(tmp_path: Path) -> None:
    path = tmp_path / "hotwords.json"
    path.write_text(json.dumps({"_about": "ours", "hi": [" ईएमआई ", "", "एचडीएफसी"]}), "utf-8")

    assert asr_hotwords.load(path) == {"hi": ("ईएमआई", "एचडीएफसी")}
    assert asr_hotwords.for_language("hi", path) == ("ईएमआई", "एचडीएफसी")
    assert asr_hotwords.for_language("ta", path) == ()
    assert HINDI is not None and ENGLISH is not None
    options = asr.AsrOptions(hotwords_path=path)
    assert asr.steering_prompt(HINDI, options) == PROMPTS["hi"] + " ईएमआई, एचडीएफसी"
    assert asr.steering_prompt(ENGLISH, options) is None


@pytest.mark.parametrize("content", ['["EMI"]', '{"hi": "ईएमआई"}', '{"hi": [1]}', "{not json"])
def test_a_malformed_file_is_refused_with_its_name(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, "utf-8")

    with pytest.raises(ValueError, match=r"broken\.json"):
        asr_hotwords.load(path)


def test_only_the_leading_words_that_fit_the_budget_are_kept() -> None:
    def count(text: str) -> int:
        return len(text)

    words = ["EMI", "KYC", "OTP", "NEFT"]
    assert asr_hotwords.fit(words, count, budget=len(" EMI, KYC")) == ("EMI", "KYC")
    assert asr_hotwords.fit(words, count, budget=3) == ()
    assert asr_hotwords.fit(words, count, budget=100) == tuple(words)
    assert asr_hotwords.with_hotwords("नमस्ते।", ("ईएमआई", "ओटीपी")) == "नमस्ते। ईएमआई, ओटीपी"
    assert asr_hotwords.with_hotwords(None, ()) is None


def test_the_prompt_is_the_sentence_then_the_words_that_fit(whisper_model: WhisperModel) -> None:
    assert HINDI is not None and ENGLISH is not None
    options = asr.AsrOptions()
    sentence = PROMPTS["hi"]

    prompt = asr.steering_prompt(HINDI, options, whisper_model)

    assert prompt is not None and prompt.startswith(sentence + " ")
    shown = prompt[len(sentence) + 1 :].split(asr_hotwords.SEPARATOR)
    assert shown == list(asr_hotwords.for_language("hi")[: len(shown)])
    assert 0 < tokens(whisper_model, " " + ", ".join(shown)) <= options.hotword_tokens
    # Without the model every word is listed (the echo guard needs the whole text).
    assert asr.steering_prompt(HINDI, options, None) == asr_hotwords.with_hotwords(
        sentence, asr_hotwords.for_language("hi")
    )
    # English needs no steering sentence, but gets its vocabulary.
    assert ENGLISH.script is LATIN
    english = asr.steering_prompt(ENGLISH, options, whisper_model)
    assert english is not None and english.startswith("EMI, KYC, OTP")
    assert asr.steering_prompt(ENGLISH, asr.AsrOptions(hotword_tokens=0), whisper_model) is None


def test_hot_words_shorten_chunks_so_prompt_and_text_fit(whisper_model: WhisperModel) -> None:
    assert HINDI is not None
    plain = asr.AsrOptions(hotword_tokens=0)
    with_words = asr.AsrOptions()

    assert asr.chunk_seconds(HINDI, whisper_model, with_words) < asr.chunk_seconds(
        HINDI, whisper_model, plain
    )
    arguments = asr.decoding_arguments(HINDI, whisper_model, with_words)
    assert arguments["hotwords"] == asr.steering_prompt(HINDI, with_words, whisper_model)
    # Whisper's window: start sequence, prompt and the chunk's text at the assumed speech rate.
    prompt_tokens = tokens(whisper_model, " " + arguments["hotwords"])
    assert prompt_tokens <= tokens(whisper_model, " " + PROMPTS["hi"]) + 1 + 48
    assert asr.chunk_seconds(HINDI, whisper_model, with_words) >= 15.0


def test_an_echo_of_the_hot_words_is_dropped() -> None:
    assert HINDI is not None
    prompt = asr.steering_prompt(HINDI, asr.AsrOptions())
    text = "ईएमआई, केवाईसी, ओटीपी"
    echo = Segment(
        "speaker_1",
        0.0,
        1.5,
        text,
        0.5,
        tuple(Word(w, i * 0.5, i * 0.5 + 0.4, 0.9) for i, w in enumerate(text.split())),
    )

    assert asr_guards.clean(echo, prompt, max_repeats=3) is None


def _segment(text: str) -> Segment:
    words = tuple(Word(w, 1.0 + i * 0.5, 1.4 + i * 0.5, 0.9) for i, w in enumerate(text.split()))
    return Segment("speaker_1", 1.0, words[-1].end, text, 0.5, words)


ENGLISH_WORDS = ("EMI", "KYC", "OTP", "CIBIL", "credit card", "ICICI", "loan")


def test_a_list_of_hot_words_after_real_speech_is_dropped_in_any_order() -> None:
    # Seen on synthetic calls: Whisper ran on from "Hello, butter," into the list it was shown.
    cleaned = asr_guards.clean(
        _segment("Hello, butter, ICICI, OTP, CIBIL."), None, 3, ENGLISH_WORDS
    )
    assert cleaned is not None
    assert cleaned.text == "Hello, butter,"
    assert [w.word for w in cleaned.words] == ["Hello,", "butter,"]
    assert cleaned.end == cleaned.words[-1].end


def test_a_leading_list_moves_the_segment_start() -> None:
    cleaned = asr_guards.clean(
        _segment("credit card, KYC, EMI, my loan is overdue"), None, 3, ENGLISH_WORDS
    )
    assert cleaned is not None
    assert cleaned.text == "my loan is overdue"
    assert cleaned.start == cleaned.words[0].start == 3.0


@pytest.mark.parametrize(
    "text",
    [
        "my EMI, KYC and OTP are all fine",  # said in a sentence, not as a list
        "I need my KYC, OTP, please",  # two in a row is speech
        "EMI, KYC, help, CIBIL",  # a word of the audio breaks the list
        "EMI KYC OTP",  # no commas: not the prompt's list
    ],
)
def test_hot_words_in_speech_are_kept(text: str) -> None:
    segment = _segment(text)
    assert asr_guards.clean(segment, None, 3, ENGLISH_WORDS) == segment


def test_a_segment_that_is_only_a_listed_run_is_dropped() -> None:
    assert (
        asr_guards.clean(_segment("लोन, केवाईसी, सिबिल,"), None, 3, ("लोन", "केवाईसी", "सिबिल"))
        is None
    )
