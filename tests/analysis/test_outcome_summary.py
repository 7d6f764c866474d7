"""What the agent did, how the customer left, and the summary sentences built from them."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from neuronlens.analysis import analyze, transcript_from_json
from neuronlens.analysis.facts import call_facts
from neuronlens.analysis.intent import load_taxonomy
from neuronlens.analysis.outcome import call_outcome
from neuronlens.analysis.summary import customer_quote, small_talk_topics
from neuronlens.analysis.text import compile_cue, normalize
from neuronlens.domain import Transcript


def _call(*turns: tuple[str, str], language: str = "hi-IN") -> Transcript:
    return transcript_from_json(
        {"language": language, "turns": [{"speaker": s, "text": t} for s, t in turns]}
    )


def test_actions_refusals_and_threats_on_real_calls(calls: dict[str, Transcript]) -> None:
    rude = call_outcome(calls["en-003"])  # refuses, customer threatens the consumer forum
    assert rude.refused and not rude.resolved
    assert rude.customer_threatened
    assert rude.customer_next == ("threatened to go to the consumer forum",)
    dnd = call_outcome(calls["te-004"])  # Telugu: number added to the do-not-call list
    assert "dnd_activated" in dnd.action_ids and dnd.resolved and not dnd.refused
    fraud = call_outcome(calls["hi-011"])  # Hindi: card and net banking frozen, dispute
    assert {"verified", "blocked", "dispute", "helpline"} <= set(fraud.action_ids)
    # The blocked channels are named from the turn that blocks them, in English.
    assert "blocked the debit card and net banking" in fraud.actions
    callback = call_outcome(calls["mr-010"])  # Marathi: advisor will call tomorrow
    assert "callback_scheduled" in callback.action_ids and not callback.customer_threatened


def test_customer_next_steps_in_several_languages() -> None:
    port = call_outcome(_call(("agent", "नमस्ते"), ("customer", "रहने दीजिए, मैं नंबर पोर्ट करवा लूँगा।")))
    assert port.customer_next == ("said they would port their number to another operator",)
    assert port.customer_threatened
    tamil = call_outcome(
        _call(("agent", "வணக்கம்"), ("customer", "நான் IRDAI-க்கு கம்ப்ளைன்ட் பண்றேன்."), language="ta-IN")
    )
    assert "threatened to complain to IRDAI, the insurance regulator" in tamil.customer_next
    # Asking to block a card is the request, not a threat to close the account.
    block = call_outcome(_call(("agent", "नमस्ते"), ("customer", "मेरा कार्ड बंद करवाना है, प्लीज़")))
    assert block.customer_next == () and not block.customer_threatened
    # An email follow-up is a next step but not a threat.
    email = call_outcome(
        _call(
            ("agent", "வணக்கம்"), ("customer", "சரி, விடுங்க. ஈமெயில் அனுப்பிக்கறேன்."), language="ta-IN"
        )
    )
    assert email.customer_next and not email.customer_threatened


def test_unblocking_is_its_own_action_not_a_block() -> None:
    """Unblocking a card resolves the request; it must never read as blocking it."""
    for text, language in (
        ("Thank you, sir. I have unblocked your card now.", "en-IN"),
        ("जी, मैंने आपका कार्ड अनब्लॉक कर दिया है।", "hi-IN"),
        ("உங்க கார்டை அன்பிளாக் பண்ணிட்டேன் சார்.", "ta-IN"),
    ):
        outcome = call_outcome(_call(("agent", text), ("customer", "Okay."), language=language))
        assert "unblocked" in outcome.action_ids and "blocked" not in outcome.action_ids, text
        assert outcome.resolved


def test_refusal_without_alternative_is_said_plainly(calls: dict[str, Transcript]) -> None:
    summary = analyze(calls["en-003"], ["summary"])["summary"]
    assert "refused the request" in summary
    assert "offered no alternative or escalation" in summary
    assert "consumer forum" in summary and "dissatisfied" in summary
    # A call where the agent did act is not described as offering no alternative.
    helped = analyze(calls["te-004"], ["summary"])["summary"]
    assert "refused" not in helped and "DN7732" in helped and "Do Not Disturb" in helped


def test_small_talk_before_the_request(calls: dict[str, Transcript]) -> None:
    summary = analyze(calls["mr-010"], ["summary"])["summary"]
    assert summary.startswith("After small talk about the rain and Ganpati, the customer")
    assert "callback" in summary and "CB4401" in summary
    # Chat after the business has been named is not small talk before it.
    later = [normalize("मेरा लोन का EMI कम करना है"), normalize("आज बारिश बहुत है")]
    assert small_talk_topics(later) == []
    # A call that opens with the business has no small-talk clause.
    assert "small talk" not in analyze(calls["en-003"], ["summary"])["summary"]


def test_summaries_are_short_plain_english(
    calls: dict[str, Transcript], dialogues: dict[str, dict[str, Any]]
) -> None:
    for key, transcript in calls.items():
        summary = analyze(transcript, ["summary"])["summary"]
        assert summary.isascii(), key
        assert 2 <= len(re.findall(r"[.!?]\)?(?:\s|$)", summary)) <= 4, summary
        # bench/nlp.py scores only the first 100 words: a summary must fit in them.
        assert len(summary.split()) <= 100, summary
        assert "today" not in summary.split("Details:")[-1].split(".")[0]


def test_quotes_only_english_customer_sentences() -> None:
    taxonomy = load_taxonomy()
    entry = taxonomy.get("callback_request")
    english = _call(
        ("agent", "Good morning, how can I help?"),
        ("customer", "Hello. Can you please call me back after six?"),
        language="en-IN",
    )
    assert customer_quote(english, entry) == "Can you please call me back after six?"
    hinglish = _call(
        ("agent", "Good morning"),
        ("customer", "Mujhe callback chahiye, kya aap call back kar sakte ho?"),
        language="en-IN",
    )
    assert customer_quote(hinglish, entry) is None
    assert customer_quote(_call(("agent", "नमस्ते"), ("customer", "कॉल बैक कीजिए")), entry) is None
    # Words the recogniser was unsure of are not quoted.
    unsure = dataclasses.replace(
        english,
        segments=tuple(dataclasses.replace(s, confidence=0.4) for s in english.segments),
    )
    assert customer_quote(unsure, entry) is None


def test_deadlines_are_within() -> None:
    cases = [
        ("It will be done within 48 hours.", "en", ["within 48 hours"]),
        ("सात दिन में आ जाएगा", "hi", ["within 7 days"]),
        ("పదిహేను రోజుల్లో యాక్టివ్ అవుతుంది", "te", ["within 15 days"]),
        ("ஏழு நாளுக்குள் வரும்", "ta", ["within 7 days"]),
        ("तीन कामकाजाच्या दिवसांत होईल", "mr", ["within 3 working days"]),
        ("पिछले दो दिन में कोई ट्रांज़ैक्शन नहीं", "hi", ["2 days"]),  # the past, not a deadline
        ("I waited 12 minutes on hold", "en", ["12 minutes on hold"]),  # a wait, not a deadline
    ]
    for text, lang, expected in cases:
        assert call_facts([(text, True)], lang).durations == expected, text


def test_documents_and_channels_are_named() -> None:
    call = _call(
        ("agent", "Hello, how can I help?"),
        ("customer", "I moved to Pune and want to change my address."),
        (
            "agent",
            "You can do it at the branch. The documents needed are a rent agreement and an "
            "electricity bill. I will send you the link by SMS.",
        ),
        language="en-IN",
    )
    outcome = call_outcome(call)
    assert (
        "explained the process and the documents needed (rent agreement and a utility bill)"
        in outcome.actions
    )
    assert "sent the details as a link and by SMS" in outcome.actions


def test_cue_head_precheck_keeps_matching() -> None:
    cue = compile_cue("call back")
    assert cue.head == "call"
    assert [m.group() for m in cue.finditer("please callback me")] == ["callback"]
    assert list(cue.finditer("please phone me")) == []


def test_a_longer_cue_hides_another_intents_words_inside_it() -> None:
    charge = _call(
        ("agent", "Good morning, how may I help?"),
        ("customer", "Rs 590 was deducted as a minimum balance charge from my account."),
        language="en-IN",
    )
    result = analyze(charge, ["intent"])
    assert result["intent"] == "complaint"
    assert "balance_inquiry" not in {c["id"] for c in result["intent_candidates"]}
    balance = _call(("agent", "வணக்கம்"), ("customer", "என் அக்கவுண்ட் பேலன்ஸ் எவ்வளவு?"), language="ta-IN")
    assert analyze(balance, ["intent"])["intent"] == "balance_inquiry"


def test_only_agent_codes_are_references_given() -> None:
    call = _call(
        ("agent", "नमस्ते, बताइए।"),
        ("customer", "मेरी शिकायत है। लोन नंबर HL शून्य नौ आठ आठ दो छह।"),
        ("agent", "मैंने शिकायत दर्ज कर दी है, कंप्लेंट नंबर CMP सात चार एक नौ है।"),
        ("customer", "Mobile is nine eight two zero one one."),
    )
    summary = analyze(call, ["summary"])["summary"]
    assert "CMP7419" in summary
    assert "HL098826" not in summary  # the customer's own loan number is not an outcome
    assert "IS" not in summary.split()  # "is nine eight ..." is not a code
