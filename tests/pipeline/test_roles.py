"""Agent/customer roles from opening cues in every supported language; weak evidence."""

from __future__ import annotations

import pytest

from neuronlens.analysis.roles import agent_label, customer_label
from neuronlens.domain import Segment, Transcript
from neuronlens.pipeline.speakers import label_roles

OPENINGS = {
    "hi": (
        "नमस्ते, सहयोग बैंक में आपका स्वागत है, मैं आपकी क्या मदद कर सकती हूँ?",
        "मेरा कार्ड खो गया है, उसे बंद करना है।",
    ),
    "hinglish": (
        "Hello, Sugam Finance se Priya bol rahi hoon, bataiye kya help chahiye?",
        "Haan, mera EMI ka issue hai, paisa do baar kat gaya.",
    ),
    "en": (
        "Good morning, thank you for calling Nirmal Bank, how may I help you?",
        "Hi, I want to know my loan balance.",
    ),
    "ta": ("வணக்கம், நிர்மல் பேங்க்குக்கு உங்களை வரவேற்கிறோம். எப்படி உதவலாம்?", "என் கார்டு தொலைஞ்சு போச்சு."),
    "te": ("నమస్కారం, సహయోగ్ బ్యాంక్‌కి స్వాగతం, నా పేరు కిరణ్. మీకు ఏం సహాయం చేయగలను?", "నా కార్డ్ పోయింది."),
    "mr": ("नमस्कार, निर्मल बँकेत आपलं स्वागत आहे, मी स्नेहल बोलतेय. काय मदत करू?", "माझं कार्ड हरवलं आहे."),
}


def _call(agent_text: str, customer_text: str, *, customer_first: bool) -> list[Segment]:
    agent, customer = ("speaker_2", "speaker_1") if customer_first else ("speaker_1", "speaker_2")
    turns = [(customer, "हेलो?")] if customer_first else []
    turns += [(agent, agent_text), (customer, customer_text), (agent, "जी, एक मिनट।")]
    return [Segment(who, 3.0 * i, 3.0 * i + 2.5, text, 0.9) for i, (who, text) in enumerate(turns)]


@pytest.mark.parametrize("language", sorted(OPENINGS))
@pytest.mark.parametrize("customer_first", [False, True])
def test_agent_is_found_by_opening_cues(language: str, customer_first: bool) -> None:
    agent_text, customer_text = OPENINGS[language]
    segments = _call(agent_text, customer_text, customer_first=customer_first)
    result = label_roles(segments, 12.0, 2, "clustering")
    assert result.report.roles_assigned
    by_text = {s.text: s.speaker for s in result.segments}
    assert by_text[agent_text] == "agent"
    assert by_text[customer_text] == "customer"
    agent = next(s for s in result.report.speakers if s.label == "agent")
    assert agent.role == "agent" and agent.role_confidence is not None
    assert agent.role_confidence > 0.7
    transcript = Transcript("hi-IN", 12.0, result.segments)
    assert (agent_label(transcript), customer_label(transcript)) == ("agent", "customer")


def test_weak_evidence_keeps_neutral_labels_and_says_so() -> None:
    segments = [
        Segment("speaker_1", 0.0, 3.0, "तीन तलाक बिल के बाद महिला आरक्षण विधेयक", 0.9),
        Segment("speaker_2", 3.5, 6.0, "अगर हमको स्टेशन समय पर पहुँचना है", 0.9),
    ]
    result = label_roles(segments, 6.0, 2, "clustering")
    assert not result.report.roles_assigned
    assert "weak evidence" in result.report.roles_note
    assert {s.speaker for s in result.segments} == {"speaker_1", "speaker_2"}
    assert all(s.role is None and s.role_confidence is None for s in result.report.speakers)


def test_extra_speakers_are_numbered_from_three() -> None:
    agent_text, customer_text = OPENINGS["en"]
    segments = [
        *_call(agent_text, customer_text, customer_first=False),
        Segment("speaker_3", 12.0, 13.0, "Sir, I am his son.", 0.9),
    ]
    result = label_roles(segments, 14.0, 3, "clustering")
    assert [s.label for s in result.report.speakers] == ["agent", "customer", "speaker_3"]
    assert result.report.speakers_found == 3


def test_caller_who_greets_first_is_still_the_customer() -> None:
    """Without the agent's opening, verification questions and "my card" still decide."""
    segments = [
        Segment("speaker_1", 0.0, 3.0, "Hello, good evening. My card was charged twice.", 0.9),
        Segment("speaker_2", 3.5, 7.0, "Please confirm your registered mobile number.", 0.9),
        Segment("speaker_1", 7.5, 9.0, "It is nine eight four one.", 0.9),
    ]
    result = label_roles(segments, 9.0, 2, "clustering")
    assert result.report.roles_assigned
    assert [s.speaker for s in result.segments] == ["customer", "agent", "customer"]


def test_cues_match_by_sound_in_misspelt_asr_text() -> None:
    """Whisper's spelling of the opening (मददद, हू, स्वाचत) still finds the agent; the
    exact phrases alone would not (the customer opens, so first-speaker points go the wrong way)."""
    segments = [
        Segment("speaker_1", 0.0, 2.0, "हेलो?", 0.9),
        Segment("speaker_2", 2.5, 6.0, "नमस्तार, मैं आपकी क्या मददद कर सकती हू?", 0.9),
        Segment("speaker_1", 6.5, 9.0, "मों मेरा लोन का पेमेंट नहीं हुआ", 0.9),
    ]
    result = label_roles(segments, 9.0, 2, "clustering")
    assert result.report.roles_assigned, result.report.roles_note
    assert [s.speaker for s in result.segments] == ["customer", "agent", "customer"]


def test_position_and_talk_time_alone_do_not_assign_roles() -> None:
    """First turn, most of the talk and one "sir" clear the margin but are no agent evidence
    (the shape of a read-speech call that was once labelled agent/customer)."""
    segments = [
        Segment(
            "speaker_1", 0.0, 6.0, "Sir, the train leaves the station at nine in the morning.", 0.9
        ),
        Segment("speaker_2", 6.5, 7.5, "Really?", 0.9),
        Segment(
            "speaker_1", 8.0, 14.0, "Yes, and the river is full after the rain this year.", 0.9
        ),
    ]
    result = label_roles(segments, 14.0, 2, "clustering")
    assert not result.report.roles_assigned
    assert "cue lead" in result.report.roles_note
