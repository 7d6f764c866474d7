"""An embedded (no-LLM) English summary of a call: 2-4 sentences built from extracted facts."""

from __future__ import annotations

import re

from neuronlens.analysis.entities import Entities, extract
from neuronlens.analysis.facts import CALL_WORDS, CallFacts, call_facts
from neuronlens.analysis.intent import Intent, Taxonomy
from neuronlens.analysis.lexicon import find, translate
from neuronlens.analysis.outcome import Outcome, call_outcome
from neuronlens.analysis.roles import agent_label, customer_label
from neuronlens.analysis.text import find_cues, normalize, sentences
from neuronlens.analysis.topics import PLACES, mentioned
from neuronlens.domain import Transcript

# A supervisor reads the summary at a glance: the call's main figures, not every number in it.
_MAX_AMOUNTS = 5
_MAX_PERCENTS = 3
_MAX_WHEN = 3
_MAX_DURATIONS = 3
_MAX_MEASURES = 3
_MAX_REFERENCES = 2
_MIN_QUOTE_WORDS, _MAX_QUOTE_WORDS = 4, 25
_QUOTE_CONFIDENCE = 0.75
# Topics each side raised beyond the request (the mobile tower, the recharge, the branch):
# a few, so the sentence stays readable.
_MAX_TOPICS = 4
_MAX_WORDS = 100
_TURNAROUND, _WORKING_DAYS = "timeline", "working day"
# Routine steps that say little about this call, given up first (in this order) when the
# summary runs long, before the topics and figures that are specific to it.
_ROUTINE_ACTIONS = ("apologised", "explained", "request_raised", "confirmed")
# Romanised Hindi function words: a sentence with any of them is Hinglish, which a supervisor
# who does not know Hindi cannot read, so it is not quoted.
_HINGLISH_WORDS = """hai hain tha thi mera meri mujhe mujhko kya karna karni karwana kar ka ki
    ko ke na nahi nahin toh haan apna apni apne mein se bhi kuch aap aapka dekhiye sakte sakta
    hoga raha rahi wala wali abhi kyun kaise mere tera aur lekin matlab accha theek"""
_HINGLISH = frozenset(_HINGLISH_WORDS.split())
# A greeting that opens the quoted sentence says nothing: "Hi Sahil, I'm driving right now".
_GREETING = re.compile(
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening))\b(?: [A-Z][a-z]+)?,\s*", re.IGNORECASE
)
_NEGATIVE_THRESHOLD = -0.25
_POSITIVE_THRESHOLD = 0.25


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def request_sentence(
    request: str,
    products: list[str],
    reasons: list[str],
    ids: Entities,
    small_talk: list[str] | None = None,
    purposes: list[str] | None = None,
    quote: str | None = None,
    topics: list[str] | None = None,
    repeat: str | None = None,
) -> str:
    """Who called about what: the request, the product (with its last digits), what for, why,
    what else the customer mentioned, the small talk it came after, and whether the customer
    had called about it before."""
    sentence = f"the customer, calling {repeat}, {request}" if repeat else f"the customer {request}"
    if products:
        product = _join(products[:2])
        if ids.main_last_digits:
            product += f" ending {ids.main_last_digits}"
        sentence += f" regarding their {product}"
    elif ids.main_last_digits:
        sentence += f" (number ending {ids.main_last_digits})"
    if purposes:
        sentence += f", to fund {_join(purposes[:2])}"
    if reasons:
        sentence += f", citing {_join(reasons[:2])}"
    if topics:
        sentence += f", and mentioned {_join(topics)}"
    if quote:
        sentence += f' ("{quote.rstrip(".")}")'
    if small_talk:
        return f"After small talk about {_join(small_talk[:2])}, {sentence}."
    return sentence[0].upper() + sentence[1:] + "."


def customer_quote(transcript: Transcript, entry: Intent | None) -> str | None:
    """On an English call, the customer's own sentence that states the request (cue-matched),
    short enough to quote; None on other languages, where the summary must not quote."""
    if entry is None or not transcript.language.lower().startswith("en"):
        return None
    customer = customer_label(transcript)
    for segment in transcript.segments:
        if segment.speaker != customer or segment.confidence < _QUOTE_CONFIDENCE:
            continue  # never quote words the recogniser was unsure of
        for sentence in sentences(segment.text):
            words = sentence.split()
            if (
                sentence.isascii()
                and not _HINGLISH.intersection(normalize(sentence).split(" "))
                and _MIN_QUOTE_WORDS <= len(words) <= _MAX_QUOTE_WORDS
                and find_cues(normalize(sentence), entry.cues)
            ):
                quote = _GREETING.sub("", sentence).strip(" \"'")
                return quote[:1].upper() + quote[1:]
    return None


def small_talk_topics(customer_texts: list[str]) -> list[str]:
    """Small-talk topics the customer raised before naming any product, term or reason."""
    topics: list[str] = []
    for text in customer_texts:
        business = [h.start for cat in ("products", "terms", "reasons") for h in find(text, cat)]
        cut = min(business, default=None)
        topics += [h.english for h in find(text, "small_talk") if cut is None or h.end <= cut]
        if cut is not None:
            break
    return list(dict.fromkeys(topics))


def repeat_call(customer_texts: list[str]) -> str | None:
    """How often the customer has called about the matter ("for the third time", "repeatedly")
    when a turn that speaks of calling says so; None on a first call."""
    for text in customer_texts:
        if any(word.startswith(CALL_WORDS) for word in text.split(" ")):
            hits = find(text, "repeat_calls")
            if hits:
                return hits[0].english
    return None


def details_sentence(facts: CallFacts, leave_out: int = 0) -> str | None:
    """The key figures and dates, phrased briefly; ``leave_out`` drops the last few items."""
    items = facts.amounts[:_MAX_AMOUNTS] + facts.percents[:_MAX_PERCENTS]
    items += facts.frequencies[:1] + facts.measures[:_MAX_MEASURES]
    items += facts.durations[:_MAX_DURATIONS]
    # "today" is the call's own day: it tells a supervisor nothing.
    items += [when for when in facts.when if when != "today"][:_MAX_WHEN]
    items = items[: len(items) - leave_out]
    if not items:
        return None
    return f"Details: {_join(items)}."


def agent_sentence(
    outcome: Outcome,
    references: list[str],
    topics: list[str] | None = None,
    details: str | None = None,
    left_out: tuple[str, ...] = (),
) -> str | None:
    """What the agent discussed, did or promised, and whether they refused, without the
    actions ``left_out``; a turnaround the details already give ("within 10 working days") is
    not said again."""
    done = [f"discussed {_join(topics)}"] if topics else []
    done += [
        action
        for action, action_id in zip(outcome.actions, outcome.action_ids, strict=True)
        if action_id not in left_out
        and not (action_id == _TURNAROUND and details and _WORKING_DAYS in details)
    ]
    if references:
        numbers = "number" if len(references) == 1 else "numbers"
        done.append(f"gave reference {numbers} {_join(references[:_MAX_REFERENCES])}")
    if outcome.refused:
        refusal = outcome.refusal_text
        if not outcome.resolved and outcome.no_alternative_text:
            refusal += f", and {outcome.no_alternative_text}"
        if done:
            return f"The agent {_join(done)}, but {refusal}."
        return f"The agent {refusal}."
    if done:
        return f"The agent {_join(done)}."
    return None


def ending_sentence(outcome: Outcome, score: float | None) -> str:
    """How the call ended: the customer's stated next step and how they felt."""
    if outcome.customer_next:
        sentence = f"The customer {_join(list(outcome.customer_next))}"
        if outcome.customer_threatened or (score is not None and score < _NEGATIVE_THRESHOLD):
            return sentence + " and ended the call dissatisfied."
        return sentence + "."
    if score is None:
        return "The call ended without a clear outcome."
    if score > _POSITIVE_THRESHOLD:
        return "The customer ended the call satisfied."
    if score < _NEGATIVE_THRESHOLD:
        return "The customer ended the call dissatisfied."
    return "The call ended on a neutral note."


def embedded_summary(
    transcript: Transcript,
    intent: str | None,
    taxonomy: Taxonomy,
    customer_score: float | None = None,
    outcome: Outcome | None = None,
) -> str:
    """A 2-4 sentence English summary: the request, key facts, the agent's actions, the end."""
    outcome = outcome or call_outcome(transcript)
    customer, agent = customer_label(transcript), agent_label(transcript)
    customer_texts = [normalize(s.text) for s in transcript.segments if s.speaker == customer]
    agent_texts = [normalize(s.text) for s in transcript.segments if s.speaker == agent]
    whole = " | ".join(customer_texts + agent_texts)
    entry = taxonomy.get(intent) if intent else None
    request = entry.summary if entry else "called with a general enquiry"
    ids = extract([s.text for s in transcript.segments], transcript.language)
    reasons = translate(" | ".join(customer_texts), "reasons") or translate(whole, "reasons")
    products = translate(whole, "products")
    # What the money is for matters on loan calls; elsewhere "stock" or "college" is chat.
    purposes = (
        translate(" | ".join(customer_texts), "purposes")
        if any("loan" in product for product in products)
        else []
    )
    small_talk = small_talk_topics(customer_texts)
    repeat = repeat_call(customer_texts)
    quote = customer_quote(transcript, entry)
    turns = [(s.text, s.speaker == agent) for s in transcript.segments]
    facts = call_facts(turns, transcript.language)
    details = details_sentence(facts)
    # Only codes the agent read out are references the agent gave; the customer's own
    # account or loan numbers are identity details, not outcomes.
    agent_ids = extract(
        [s.text for s in transcript.segments if s.speaker == agent], transcript.language
    )
    references = list(agent_ids.references)
    # Topics are named once, by the side that raised them first, and only when the rest of
    # the summary does not already name them.
    draft = " ".join(
        filter(
            None,
            [
                request_sentence(
                    request, products, reasons, ids, small_talk, purposes, repeat=repeat
                ),
                details,
                agent_sentence(outcome, references, details=details),
                ending_sentence(outcome, customer_score),
            ],
        )
    )
    customer_topics = mentioned(customer_texts, 1, draft, PLACES)
    customer_topics += mentioned(customer_texts, _MAX_TOPICS, draft)
    agent_topics = mentioned(agent_texts, _MAX_TOPICS, " ".join([draft, *customer_topics]))
    leave_out = 0
    routine = [a for a in _ROUTINE_ACTIONS if a in outcome.action_ids]
    skipped: tuple[str, ...] = ()
    while True:
        sentences = [
            request_sentence(
                request,
                products,
                reasons,
                ids,
                small_talk,
                purposes,
                quote,
                customer_topics,
                repeat,
            )
        ]
        if details:
            sentences.append(details)
        agent_part = agent_sentence(outcome, references, agent_topics, details, skipped)
        if agent_part:
            sentences.append(agent_part)
        sentences.append(ending_sentence(outcome, customer_score))
        # A summary is read at a glance: when it runs long, routine actions give way first,
        # then topics, then the last figures of the details.
        if len(" ".join(sentences).split()) <= _MAX_WORDS:
            break
        if len(skipped) < len(routine):
            skipped = tuple(routine[: len(skipped) + 1])
        elif not (details or agent_topics or customer_topics):
            break
        elif agent_topics or customer_topics:
            (agent_topics if len(agent_topics) >= len(customer_topics) else customer_topics).pop()
        else:
            leave_out += 1
            details = details_sentence(facts, leave_out)
    return " ".join(sentences[:4])
