"""QA scoring over real labelled dialogues and hand-built transcripts with exact times."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from neuronlens.analysis import transcript_from_json
from neuronlens.analysis.qa_concepts import concepts
from neuronlens.analysis.scorecard import score_call
from neuronlens.analysis.scorecard_schema import parse_scorecard
from neuronlens.domain import Scorecard, Segment, Transcript

SCORECARD = Path(__file__).resolve().parents[1] / "data" / "scorecards" / "retail_banking.json"


@pytest.fixture(scope="module")
def retail() -> Scorecard:
    return parse_scorecard(json.loads(SCORECARD.read_text("utf-8")))


def card(*criteria: dict[str, Any], threshold: float = 70) -> Scorecard:
    base = {"question": "?", "weight": 10}
    return parse_scorecard(
        {
            "name": "test",
            "pass_threshold": threshold,
            "sections": [{"name": "all", "criteria": [{**base, **c} for c in criteria]}],
        }
    )


def call(*turns: tuple[str, float, float, str]) -> Transcript:
    segments = tuple(Segment(speaker, start, end, text, 0.9) for speaker, start, end, text in turns)
    return Transcript("hi-IN", max(s.end for s in segments), segments)


def by_id(qa: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in qa["criteria"]}


def test_the_sample_calls_agree_with_their_labels(
    dialogues: dict[str, dict[str, Any]], calls: dict[str, Transcript], retail: Scorecard
) -> None:
    disagreements = []
    for call_id, transcript in calls.items():
        results = by_id(score_call(transcript, retail))
        for criterion_id, label in dialogues[call_id]["qa"].items():
            if results[criterion_id]["result"] != ("pass" if label else "fail"):
                disagreements.append((call_id, criterion_id, results[criterion_id]["evidence"]))
    assert disagreements == []


def test_evidence_quotes_the_agent_lines_that_justify_each_result(
    calls: dict[str, Transcript], retail: Scorecard
) -> None:
    transcript = calls["hi-011"]
    qa = score_call(transcript, retail)
    for criterion in qa["criteria"]:
        assert criterion["evidence"] or criterion["result"] == "pass", criterion
        for item in criterion["evidence"]:
            segment = transcript.segments[item["segment_index"]]
            assert segment.speaker == "agent"
            assert item["text"] in segment.text
            assert segment.start - 1e-3 <= item["start"] <= item["end"] <= segment.end + 1e-3
    greeting = by_id(qa)["greeting_with_company_name"]["evidence"][0]
    assert greeting["segment_index"] == 0 and "सहयोग बैंक" in greeting["text"]


def test_a_rude_agent_fails_the_fatal_criterion_and_the_call(
    calls: dict[str, Transcript], retail: Scorecard
) -> None:
    qa = score_call(calls["en-003"], retail)
    rude = by_id(qa)["no_rude_or_abusive_language"]
    assert rude["result"] == "fail" and rude["fatal"]
    quoted = " ".join(item["text"] for item in rude["evidence"])
    assert "argue" in quoted or "marzi" in quoted
    assert qa["fatal_failed"] is True and qa["passed"] is False


def test_totals_follow_the_weights(calls: dict[str, Transcript], retail: Scorecard) -> None:
    qa = score_call(calls["hi-014"], retail)
    criteria = qa["criteria"]
    assert qa["max_score"] == sum(c["weight"] for c in criteria) == 100
    assert qa["score"] == sum(c["weight"] for c in criteria if c["result"] == "pass")
    assert qa["percentage"] == pytest.approx(100 * qa["score"] / qa["max_score"], abs=0.05)
    assert qa["passed"] == (qa["percentage"] >= 70 and not qa["fatal_failed"])


def test_unlabelled_speakers_use_the_speaker_who_opened_the_call(
    calls: dict[str, Transcript], retail: Scorecard
) -> None:
    transcript = calls["ta-009"]
    relabelled = replace(
        transcript,
        segments=tuple(
            replace(s, speaker="speaker_1" if s.speaker == "agent" else "speaker_2")
            for s in transcript.segments
        ),
    )
    expected = {c["id"]: c["result"] for c in score_call(transcript, retail)["criteria"]}
    got = {c["id"]: c["result"] for c in score_call(relabelled, retail)["criteria"]}
    assert got == expected


def test_the_customer_saying_it_does_not_count() -> None:
    scorecard = card({"id": "thanks", "kind": "required", "examples": {"en": ["Thank you."]}})
    transcript = call(
        ("agent", 0, 3, "Hello, tell me."),
        ("customer", 3, 6, "Thank you so much for your help."),
        ("agent", 6, 8, "Okay, bye."),
    )
    assert by_id(score_call(transcript, scorecard))["thanks"]["result"] == "fail"


def test_examples_match_across_scripts_and_asr_spelling() -> None:
    # No built-in concept covers this criterion: only the examples can match it.
    scorecard = card(
        {
            "id": "cashback_offer",
            "kind": "required",
            "examples": {"hi": ["हम आपको कैशबैक देंगे"], "ta": ["லோன் ப்ரீ அப்ரூவ்டு"]},
        }
    )
    for said, expected in [
        ("Sir, hum aapko cashback denge is mahine.", "pass"),  # romanised Hindi
        ("हम आपको कैश बैक दे देंगे सर।", "pass"),  # ASR splits and repeats words
        ("Aapka loan pre-approved hai.", "pass"),  # Tamil example, English words
        ("Aaj mausam accha hai, bataiye.", "fail"),
    ]:
        transcript = call(("agent", 0, 4, "Namaste."), ("agent", 5, 9, said))
        result = by_id(score_call(transcript, scorecard))["cashback_offer"]
        assert result["result"] == expected, (said, result)


def test_within_seconds_requires_it_early() -> None:
    scorecard = card(
        {
            "id": "greeting",
            "kind": "required",
            "within_seconds": 10,
            "examples": {"en": ["Welcome to Sahyog Bank."]},
        }
    )
    late = call(
        ("agent", 0, 4, "Hello, tell me."),
        ("customer", 4, 12, "My card is blocked."),
        ("agent", 12, 15, "Welcome to Sahyog Bank, sir."),
    )
    result = by_id(score_call(late, scorecard))["greeting"]
    assert result["result"] == "fail"
    # A fail points at where it should have happened: the agent's lines in the first 10 s.
    assert [e["segment_index"] for e in result["evidence"]] == [0]
    early = call(("agent", 1, 4, "Welcome to Sahyog Bank, sir."), ("customer", 4, 8, "Hi."))
    passed = by_id(score_call(early, scorecard))["greeting"]
    assert passed["result"] == "pass" and passed["evidence"][0]["segment_index"] == 0


def test_metric_rules_are_measured_from_segment_times() -> None:
    scorecard = card(
        {"id": "silence", "kind": "max_silence", "max_seconds": 5},
        {"id": "share", "kind": "agent_talk_share", "max_share": 0.6},
        {"id": "interruptions", "kind": "interruptions", "max_count": 0},
        threshold=50,
    )
    transcript = call(
        ("agent", 0, 4, "Hello, Sahyog Bank."),
        ("customer", 4, 10, "My card was charged twice."),
        ("agent", 8.5, 12, "Let me check that."),  # starts 1.5 s before the customer stops
        ("agent", 20, 30, "I have raised a dispute for the second charge."),  # 8 s silence
        ("customer", 30, 31, "Thanks."),
    )
    results = by_id(score_call(transcript, scorecard))
    assert results["silence"]["result"] == "fail" and results["silence"]["value"] == 8.0
    assert results["silence"]["evidence"][0]["segment_index"] == 3
    assert results["share"]["value"] == pytest.approx(17.5 / 24.5, abs=1e-3)
    assert results["share"]["result"] == "fail"
    assert results["interruptions"]["value"] == 1
    assert [e["segment_index"] for e in results["interruptions"]["evidence"]] == [2]


def test_na_drops_out_of_the_maximum() -> None:
    scorecard = card(
        {"id": "thanks", "kind": "required", "examples": {"en": ["Thank you."]}},
        {"id": "share", "kind": "agent_talk_share", "max_share": 0.6, "weight": 30},
    )
    monologue = call(("agent", 0, 5, "Thank you for calling."))  # one speaker: no share
    qa = score_call(monologue, scorecard)
    assert by_id(qa)["share"]["result"] == "na"
    assert (qa["score"], qa["max_score"], qa["percentage"], qa["passed"]) == (10, 10, 100.0, True)


def test_dialogue_json_without_times_still_scores(dialogues: dict[str, dict[str, Any]]) -> None:
    transcript = transcript_from_json(dialogues["mr-002"])
    scorecard = card({"id": "silence", "kind": "max_silence", "max_seconds": 3})
    assert by_id(score_call(transcript, scorecard))["silence"]["result"] == "pass"


def test_asr_word_merges_and_dropped_sounds_still_match() -> None:
    # The speech model's real output for a Common Voice clip of this sentence (tests/api).
    scorecard = card(
        {"id": "asked", "kind": "required", "examples": {"hi": ["बाहर नहीं जाना चाहते हो क्या"]}}
    )
    heard = call(("agent", 0.8, 2.9, "बाहर नहीजाना चाते हो क्या"))
    assert by_id(score_call(heard, scorecard))["asked"]["result"] == "pass"
    other = call(("agent", 0.8, 2.9, "ये आपकी गलती है"))
    assert by_id(score_call(other, scorecard))["asked"]["result"] == "fail"


def test_forbidden_promises_are_caught_but_not_their_negation() -> None:
    scorecard = card(
        {
            "id": "no_guarantees",
            "kind": "prohibited",
            "fatal": True,
            "examples": {
                "en": ["I guarantee your loan will be approved."],
                "hi": ["आपका लोन पक्का पास हो जाएगा, गारंटी है।"],
            },
        }
    )
    for said, expected in [
        ("Sir, aapka loan pakka approve ho jayega.", "fail"),
        ("ஒண்ணும் கவலைப்படாதீங்க, லோன் கேரண்டியா கிடைக்கும்.", "fail"),
        ("मी खात्री देऊ शकत नाही, पण अर्ज पुढे पाठवतो.", "pass"),
        ("I cannot guarantee approval, but I have forwarded it.", "pass"),
    ]:
        qa = score_call(call(("agent", 0, 5, said)), scorecard)
        assert by_id(qa)["no_guarantees"]["result"] == expected, said
        assert qa["fatal_failed"] is (expected == "fail")


def test_the_concept_lexicon_is_complete() -> None:
    from importlib import resources

    data = resources.files("neuronlens.analysis") / "data"
    actions = {a["id"] for a in json.loads((data / "actions.json").read_text())["agent_actions"]}
    spec = json.loads((data / "qa_concepts.json").read_text())
    referenced = {
        action
        for concept in spec.values()
        if isinstance(concept, dict)
        for group in concept["all"]
        for action in group.get("actions", ())
    }
    assert referenced and referenced <= actions
    assert {c.id for c in concepts().values()} == {k for k in spec if not k.startswith("_")}
