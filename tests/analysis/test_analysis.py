"""Intent, sentiment and summary on real dialogue text in five languages."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from neuronlens.analysis import AnalysisOptions, analyze, transcript_from_json
from neuronlens.analysis.intent import detect_intent, load_taxonomy, parse_taxonomy
from neuronlens.analysis.sentiment import analyze_sentiment, segment_polarity
from neuronlens.domain import Transcript


def _turns(*turns: tuple[str, str], language: str = "hi-IN") -> Transcript:
    return transcript_from_json(
        {"language": language, "turns": [{"speaker": s, "text": t} for s, t in turns]}
    )


def test_intent_on_real_calls(
    dialogues: dict[str, dict[str, Any]], calls: dict[str, Transcript]
) -> None:
    for call_id, transcript in calls.items():
        gold = {dialogues[call_id]["intent"], *dialogues[call_id].get("intent_also_acceptable", [])}
        result = detect_intent(transcript)
        assert result.intent in gold, (call_id, result)
        assert 0 < result.confidence <= 1
        assert result.candidates[0][1] >= result.candidates[-1][1]


def test_intent_after_small_talk_and_dnd_inside_complaint(calls: dict[str, Transcript]) -> None:
    # en-006 opens with praise for the network and 5G before the spam-call request.
    assert detect_intent(calls["en-006"]).intent == "dnd_request"
    complaint_with_dnd = _turns(
        ("agent", "Tarang Telecom, bataiye."),
        (
            "customer",
            "Aap logon ki service bahut kharab hai, complaint karni hai. Aur ye "
            "promotional calls band karo, roz spam call aate hain, DND laga do.",
        ),
    )
    assert detect_intent(complaint_with_dnd).intent == "dnd_request"


def test_hinglish_and_indic_loanwords() -> None:
    hinglish = _turns(
        ("agent", "Hello, boliye."),
        ("customer", "Mera card kho gaya hai, please card block kar do jaldi."),
        language="en-IN",
    )
    assert detect_intent(hinglish).intent == "card_block"
    tamil = _turns(
        ("agent", "சொல்லுங்க"), ("customer", "என் அக்கவுண்ட் பேலன்ஸ் எவ்வளவு இருக்கு?"), language="ta-IN"
    )
    assert detect_intent(tamil).intent == "balance_inquiry"


def test_taxonomy_override_file(tmp_path: Path, calls: dict[str, Transcript]) -> None:
    path = tmp_path / "intents.json"
    path.write_text(
        json.dumps(
            {
                "intents": [
                    {
                        "id": "spam_stop",
                        "description": "stop calls",
                        "cues": {"en": ["spam calls"]},
                    },
                    {"id": "other", "description": "anything", "cues": {"en": ["network"]}},
                ]
            }
        )
    )
    result = analyze(calls["en-006"], ["intent"], AnalysisOptions(taxonomy_path=str(path)))
    assert result["intent"] == "spam_stop"
    with pytest.raises(ValueError):
        parse_taxonomy({"intents": [{"description": "no id"}]})


def test_negation_and_politeness() -> None:
    assert segment_polarity("I am happy with the service")[0] > 0
    assert segment_polarity("I am not happy with the service")[0] < 0
    assert segment_polarity("मैं इस सर्विस से खुश नहीं हूँ")[0] < 0
    assert segment_polarity("main bilkul khush nahi hoon")[0] <= 0
    assert segment_polarity("कोई बात नहीं")[0] >= 0  # an idiom, not a negated word
    assert segment_polarity("जी सर, please, ji")[0] == 0  # courtesy is not sentiment
    assert segment_polarity("Good morning sir")[0] == 0


def test_sentiment_follows_real_calls(
    calls: dict[str, Transcript], dialogues: dict[str, dict[str, Any]]
) -> None:
    angry = analyze(calls["en-003"], ["sentiment"])["sentiment"]  # rude agent, furious customer
    assert angry["label"] == "negative"
    assert angry["speakers"]["customer"] < -0.4 and angry["speakers"]["agent"] < 0
    happy = analyze(calls["mr-002"], ["sentiment"])["sentiment"]  # apology, fix, thanks
    assert happy["speakers"]["agent"] > 0.3
    for transcript in calls.values():
        sentiment = analyze(transcript, ["sentiment"])["sentiment"]
        assert len(sentiment["timeline"]) == 4
        assert all(-1 <= v <= 1 for v in sentiment["speakers"].values())
        assert sentiment["label"] in {"positive", "neutral", "negative"}
        assert sentiment["timeline"][-1]["end"] == pytest.approx(transcript.duration, abs=0.01)


def test_unknown_roles_use_speaker_labels(calls: dict[str, Transcript]) -> None:
    segments = [
        {
            "speaker": "speaker_1" if s.speaker == "agent" else "speaker_2",
            "start": s.start,
            "end": s.end,
            "text": s.text,
        }
        for s in calls["hi-011"].segments
    ]
    transcript = transcript_from_json({"transcript": segments}, language="hi-IN")
    result = analyze(transcript, ["sentiment", "intent"])
    assert set(result["sentiment"]["speakers"]) == {"speaker_1", "speaker_2"}
    assert result["intent"] == "fraud_report"
    first = result["sentiment"]["timeline"][0]
    assert set(first) == {"quarter", "start", "end", "customer", "agent", "overall"}
    # Roles come from who opened the call: speaker_1 (the agent) greets first.
    assert first["agent"] is not None and first["customer"] is not None


def test_summary_is_english_with_key_facts(calls: dict[str, Transcript]) -> None:
    fraud = analyze(calls["hi-011"], ["summary"])["summary"]
    assert fraud.isascii()
    assert 2 <= len(re.findall(r"[.!?](?:\s|$)", fraud)) <= 4
    assert "FR45821" in fraud and "Rs 24,999" in fraud
    assert "fraud" in fraud and "blocked" in fraud
    tamil = analyze(calls["ta-009"], ["summary"])["summary"]
    assert "DS84462" in tamil and "Rs 15,000" in tamil and "7721" in tamil
    for transcript in calls.values():
        summary = analyze(transcript, ["summary"])["summary"]
        assert summary.isascii() and 2 <= summary.count(". ") + 1 <= 4


def test_only_requested_features_and_speed(calls: dict[str, Transcript]) -> None:
    result = analyze(calls["te-004"], ["intent"])
    assert result["summary"] is None and result["sentiment"] is None
    assert result["intent"] == "dnd_request"
    assert result["intent_candidates"][0]["id"] == "dnd_request"
    assert analyze(Transcript("hi-IN", 0.0, ()), ["summary"])["summary"] is None
    start = time.perf_counter()
    for transcript in calls.values():
        analyze(transcript, ["summary", "sentiment", "intent"])
    assert (time.perf_counter() - start) / len(calls) < 0.5


def test_transcript_from_json_shapes() -> None:
    api = [
        {
            "speaker": "agent",
            "start": 0.0,
            "end": 2.5,
            "text": "नमस्ते",
            "confidence": 0.9,
            "words": [{"word": "नमस्ते", "start": 0.0, "end": 0.5, "confidence": 0.9}],
        },
        {"speaker": "customer", "start": 3.0, "end": 5.0, "text": "हाँ"},
    ]
    transcript = transcript_from_json(api, language="hi-IN")
    assert transcript.duration == 5.0 and transcript.segments[0].words[0].word == "नमस्ते"
    assert transcript_from_json({"transcript": api}).segments[1].speaker == "customer"
    turns = transcript_from_json(
        {
            "turns": [
                {"speaker": "agent", "text": "Hello"},
                {"speaker": "customer", "text": "Hi there"},
            ]
        }
    )
    assert turns.segments[1].start > turns.segments[0].end > 0
    with pytest.raises(ValueError):
        transcript_from_json({"nothing": 1})
    with pytest.raises(ValueError):
        transcript_from_json([{"speaker": "agent"}])


def test_default_taxonomy_has_the_twelve_ids() -> None:
    assert set(load_taxonomy().ids) == {
        "loan_renewal_interest",
        "complaint",
        "payment_query",
        "dnd_request",
        "balance_inquiry",
        "card_block",
        "emi_restructure",
        "fraud_report",
        "address_update",
        "callback_request",
        "product_inquiry",
        "cancellation_request",
    }
    assert analyze_sentiment(Transcript("en-IN", 0.0, ()))["speakers"] == {}
