"""Intent and sentiment cues also match ASR's misspellings by phonetic key, under a length
guard so short keys never match by chance (own sentences, none taken from the dialogues)."""

from __future__ import annotations

from neuronlens.analysis import transcript_from_json
from neuronlens.analysis.intent import detect_intent
from neuronlens.analysis.phonetic import find_spoken_cues, sound_cues
from neuronlens.analysis.sentiment import segment_polarity
from neuronlens.analysis.text import compile_cues, find_cues, normalize


def _spoken(phrase: str, text: str) -> list[str]:
    cues = compile_cues([phrase])
    normalised = normalize(text)
    return [normalised[s:e] for _, s, e in find_spoken_cues(normalised, cues, sound_cues(cues))]


def test_misspelt_phrase_matches_by_sound() -> None:
    # Whisper writes matras and vowels loosely: the words keep their phonetic keys.
    assert not find_cues(normalize("काल करवा दीजीये"), compile_cues(["कॉल करवा दीजिए"]))
    assert _spoken("कॉल करवा दीजिए", "प्लीज़ काल करवा दीजीये") == ["काल करवा दीजीये"]


def test_long_indic_word_matches_by_sound() -> None:
    assert _spoken("कंप्लेंट", "मुझे कंप्लैंट करनी है") == ["कंप्लैंट"]


def test_short_keys_match_as_written_only() -> None:
    # "कॉल बैक" keys to "kl pk": five characters, too few to trust a sound match.
    assert _spoken("कॉल बैक", "कोल बेक") == []
    # One Latin word never matches by sound ("plans" and "balance" share a key).
    assert _spoken("complaint", "i want to file a complant") == []


def test_sound_match_stays_within_the_cue_script() -> None:
    # Same key "krt plk", different script: ASR misspells within the script it writes.
    assert _spoken("कार्ड ब्लॉक", "கார்டு பிளாக் பண்ணுங்க") == []


def test_exact_match_is_not_counted_twice() -> None:
    assert _spoken("कॉल करवा दीजिए", "कॉल करवा दीजिए") == ["कॉल करवा दीजिए"]


def test_intent_survives_a_misspelt_request() -> None:
    transcript = transcript_from_json(
        {
            "language": "hi-IN",
            "turns": [
                {"speaker": "agent", "text": "नमस्ते, बताइए मैं क्या मदद कर सकती हूं?"},
                {"speaker": "customer", "text": "अभी मीटिंग है, शाम को काल करवा दीजीये।"},
            ],
        }
    )
    assert detect_intent(transcript).intent == "callback_request"


def test_sentiment_cue_matches_misspelt() -> None:
    polarity, _ = segment_polarity("मैं कंजुमर फोरम में जाऊंगा")
    assert polarity < 0
