"""Customer sentiment from words, intent and outcome; sentiment per quarter of the call."""

from __future__ import annotations

from typing import Any

import pytest

from neuronlens.analysis import analyze, transcript_from_json
from neuronlens.analysis.sentiment import segment_polarity
from neuronlens.domain import Segment, Transcript


def _sign(x: float) -> int:
    return 0 if abs(x) < 0.1 else (1 if x > 0 else -1)


def test_customer_sign_matches_labels(
    calls: dict[str, Transcript], dialogues: dict[str, dict[str, Any]]
) -> None:
    # Covers a polite Marathi complaint (mr-002, slightly negative), a distressed Tamil fraud
    # victim who ends with thanks (ta-009, negative) and a Marathi callback with no
    # sentiment words at all (mr-010, positive because the request was met).
    for key, transcript in calls.items():
        score = analyze(transcript, ["sentiment"])["sentiment"]["speakers"]["customer"]
        gold = dialogues[key]["sentiment"]["customer"]
        assert _sign(score) == _sign(gold), (key, score, gold)
        assert abs(score - gold) <= 0.45, (key, score, gold)


def test_negation_in_five_languages() -> None:
    for text in ("I am not happy", "खुश नहीं हूं", "मला आनंद नाही", "சந்தோஷம் இல்ல", "సంతోషంగా లేదు"):
        assert segment_polarity(text)[0] < 0, text
    assert segment_polarity("बहुत बढ़िया")[0] > 0
    assert segment_polarity("sir please ji, thank you ji")[0] <= 0.5  # courtesy weighs little


def _segments(*items: tuple[str, float, float, str]) -> Transcript:
    return Transcript(
        language="en-IN",
        duration=max(end for _, _, end, _ in items),
        segments=tuple(Segment(s, a, b, t, 1.0, ()) for s, a, b, t in items),
    )


def test_timeline_shape_and_a_call_that_goes_bad() -> None:
    transcript = _segments(
        ("agent", 0.0, 5.0, "Good morning, how can I help you?"),
        ("customer", 5.0, 10.0, "Hi, thanks, great to get through so quickly."),
        ("agent", 10.0, 20.0, "Let me check your account."),
        ("agent", 20.0, 30.0, "That cannot be done, nothing I can do."),
        ("customer", 30.0, 40.0, "This is useless and unacceptable, I am very angry."),
    )
    timeline = analyze(transcript, ["sentiment"])["sentiment"]["timeline"]
    assert [row["quarter"] for row in timeline] == [1, 2, 3, 4]
    for row in timeline:
        assert set(row) == {"quarter", "start", "end", "customer", "agent", "overall"}
        for key in ("customer", "agent", "overall"):
            assert row[key] is None or -1 <= row[key] <= 1
    assert timeline[0]["start"] == 0 and timeline[-1]["end"] == pytest.approx(40.0)
    assert timeline[0]["customer"] > 0.2  # pleased at first
    assert timeline[1]["customer"] is None  # said nothing in the second quarter
    assert timeline[3]["customer"] < -0.3 and timeline[3]["overall"] < 0  # angry at the end


def test_timeline_of_a_single_speaker_transcript() -> None:
    # What the pipeline gives before diarization: one label for everybody.
    transcript = transcript_from_json(
        [
            {"speaker": "speaker_1", "start": 0, "end": 1, "text": "This is terrible service."},
            {"speaker": "speaker_1", "start": 2, "end": 4, "text": "Okay, the account number."},
        ]
    )
    timeline = analyze(transcript, ["sentiment"])["sentiment"]["timeline"]
    assert len(timeline) == 4 and timeline[0]["overall"] < 0
    assert timeline[0]["customer"] is None  # one voice: no customer to tell apart
    assert timeline[1]["overall"] is None and timeline[2]["overall"] is None
    assert timeline[3]["overall"] == 0  # spoke, but said nothing for or against


def test_polarity_survives_asr_style_noise() -> None:
    # ASR output differs from typed text in punctuation, case, nukta and candrabindu spelling.
    pairs = [
        ("This is USELESS!!! I am not happy.", "this is useless i am not happy"),
        ("बहुत बेकार सर्विस है।", "बहुत बेकार सर्विस है"),
        ("हाँ, बढ़िया काम किया आपने", "हां बढिया काम किया आपने"),
        ("ரொம்ப நன்றி, சார்.", "ரொம்ப நன்றி சார்"),
    ]
    for typed, asr in pairs:
        assert segment_polarity(typed)[0] == segment_polarity(asr)[0] != 0, typed
