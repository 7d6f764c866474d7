"""An embedded (no-LLM) English summary of a call: 2-4 sentences built from extracted facts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.entities import Entities, extract, format_amount
from neuronlens.analysis.intent import Taxonomy
from neuronlens.analysis.roles import agent_label, customer_label
from neuronlens.analysis.text import Cue, compile_cues, find_cues, normalize
from neuronlens.domain import Transcript

_MAX_AMOUNTS = 5


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
        "topics": [_Cued(name, name, compile_cues(ps)) for name, ps in raw["topics"].items()],
    }


def _matches(texts: list[str], item: _Cued) -> bool:
    return any(find_cues(text, item.cues) for text in texts)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def facts_sentence(facts: Entities) -> str | None:
    """One sentence listing the amounts, rates, account endings and references mentioned."""
    parts = []
    figures = [format_amount(a) for a in facts.amounts[:_MAX_AMOUNTS]]
    figures += [f"{p:g}%" for p in facts.percents[:3]]
    if len(figures) == 1:
        parts.append(f"the figure discussed was {figures[0]}")
    elif figures:
        parts.append(f"figures discussed were {_join(figures)}")
    if facts.last_digits:
        parts.append(f"the account or card number ends in {_join(facts.last_digits[:2])}")
    if facts.references:
        refs = facts.references[:2]
        noun = "reference" if len(refs) == 1 else "references"
        parts.append(f"{noun} {_join(refs)} {'was' if len(refs) == 1 else 'were'} given")
    if not parts:
        return None
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


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
    all_texts = customer_texts + agent_texts
    entry = taxonomy.get(intent) if intent else None
    request = entry.summary if entry else "called with a general enquiry"
    topics = [t.text for t in data["topics"] if _matches(all_texts, t)][:3]
    about = f", regarding their {_join(topics)}" if topics else ""
    sentences = [f"The customer {request}{about}."]
    facts = facts_sentence(extract([s.text for s in transcript.segments], transcript.language))
    if facts:
        sentences.append(facts)
    done = [a.text for a in data["actions"] if _matches(agent_texts, a)]
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
