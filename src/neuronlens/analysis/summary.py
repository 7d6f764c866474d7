"""An embedded (no-LLM) English summary of a call: 2-4 sentences built from extracted facts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.entities import Entities, extract
from neuronlens.analysis.facts import CallFacts, call_facts
from neuronlens.analysis.intent import Taxonomy
from neuronlens.analysis.lexicon import translate
from neuronlens.analysis.roles import agent_label, customer_label
from neuronlens.analysis.text import Cue, compile_cues, find_cues, normalize
from neuronlens.domain import Transcript

# A supervisor reads the summary at a glance: a few figures, not every number in the call.
_MAX_AMOUNTS = 3
_MAX_PERCENTS = 2
_MAX_WHEN = 3


@dataclass(frozen=True)
class _Cued:
    id: str
    text: str
    cues: tuple[Cue, ...]


@lru_cache(maxsize=1)
def _actions() -> dict[str, Any]:
    raw = json.loads(
        (resources.files("neuronlens.analysis") / "data" / "actions.json").read_text("utf-8")
    )

    def cued(item: dict[str, Any], ident: str) -> _Cued:
        phrases = [p for ps in item["cues"].values() for p in ps]
        return _Cued(ident, item["text"], compile_cues(phrases))

    return {
        "actions": [cued(item, item["id"]) for item in raw["agent_actions"]],
        "refused": cued(raw["agent_refused"], "refused"),
        "escalation": cued(raw["customer_escalation"], "escalation"),
    }


def _matches(texts: list[str], item: _Cued) -> bool:
    return any(find_cues(text, item.cues) for text in texts)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def request_sentence(request: str, products: list[str], reasons: list[str], ids: Entities) -> str:
    """Who called about what: the request, the product (with its last digits) and the reason."""
    sentence = f"The customer {request}"
    if products:
        product = _join(products[:2])
        if ids.last_digits:
            product += f" ending {ids.last_digits[0]}"
        sentence = f"Regarding their {product}, the customer {request}"
    if reasons:
        sentence += f", citing {_join(reasons[:2])}"
    return sentence + "."


def details_sentence(facts: CallFacts) -> str | None:
    """The key figures and dates, phrased briefly."""
    items = facts.amounts[:_MAX_AMOUNTS] + facts.percents[:_MAX_PERCENTS]
    items += facts.durations[:2]
    if facts.when:
        items.append(" ".join(facts.when[:_MAX_WHEN]))
    if not items:
        return None
    return f"Details: {_join(items)}."


def embedded_summary(
    transcript: Transcript,
    intent: str | None,
    taxonomy: Taxonomy,
    customer_score: float | None = None,
) -> str:
    """A 2-4 sentence English summary: the request, key facts, the agent's actions, the end."""
    data = _actions()
    customer, agent = customer_label(transcript), agent_label(transcript)
    customer_texts = [normalize(s.text) for s in transcript.segments if s.speaker == customer]
    agent_texts = [normalize(s.text) for s in transcript.segments if s.speaker == agent]
    whole = " | ".join(customer_texts + agent_texts)
    entry = taxonomy.get(intent) if intent else None
    request = entry.summary if entry else "called with a general enquiry"
    ids = extract([s.text for s in transcript.segments], transcript.language)
    reasons = translate(" | ".join(customer_texts), "reasons") or translate(whole, "reasons")
    sentences = [request_sentence(request, translate(whole, "products"), reasons, ids)]
    turns = [(s.text, s.speaker == agent) for s in transcript.segments]
    details = details_sentence(call_facts(turns, transcript.language))
    if details:
        sentences.append(details)
    done = [a.text for a in data["actions"] if _matches(agent_texts, a)]
    if ids.references:
        refs = _join(ids.references[:2])
        done.append(f"gave reference {refs}")
    refused = _matches(agent_texts, data["refused"])
    if done and refused:
        sentences.append(f"The agent {_join(done)}, but {data['refused'].text} in part.")
    elif done:
        sentences.append(f"The agent {_join(done)}.")
    elif refused:
        sentences.append(f"The agent {data['refused'].text} and offered no alternative.")
    sentences.append(_ending(customer_score, _matches(customer_texts, data["escalation"])))
    return " ".join(sentences[:4])


def _ending(score: float | None, escalation: bool) -> str:
    if escalation:
        return "The customer was dissatisfied and said they would take the matter further."
    if score is None:
        return "The call ended without a clear outcome."
    if score > 0.25:
        return "The call ended positively, with the customer satisfied."
    if score < -0.25:
        return "The customer remained dissatisfied at the end of the call."
    return "The call ended on a neutral note."
