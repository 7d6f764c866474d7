"""What happened on a call: the agent's actions and refusals, and what the customer said they
would do next, detected from cue phrases in ``data/actions.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.lexicon import translate
from neuronlens.analysis.roles import agent_label, customer_label
from neuronlens.analysis.text import Cue, compile_cues, find_cues, normalize
from neuronlens.domain import Transcript

RESOLVING = frozenset(
    {
        "blocked",
        "unblocked",
        "dispute",
        "complaint_logged",
        "callback_scheduled",
        "dnd_activated",
        "replacement",
        "fee_reversal",
        "visit_booked",
        "escalated",
        "activated",
        "request_raised",
    }
)
"""Actions that resolve or move the customer's request forward (not courtesy or process)."""


@dataclass(frozen=True)
class Cued:
    """One detectable item: its id, English text and compiled cues."""

    id: str
    text: str
    cues: tuple[Cue, ...]
    extra: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """The call's actions (English clauses, in the data file's order) and how it was left."""

    actions: tuple[str, ...]
    action_ids: tuple[str, ...]
    refused: bool
    refusal_text: str
    no_alternative_text: str
    customer_next: tuple[str, ...]
    customer_threatened: bool

    @property
    def resolved(self) -> bool:
        """True when the agent did something that moves the request forward."""
        return bool(RESOLVING & set(self.action_ids))


def _cued(item: dict[str, Any]) -> Cued:
    phrases = [p for ps in item["cues"].values() for p in ps]
    extra = {k: v for k, v in item.items() if k not in ("id", "text", "cues")}
    return Cued(item.get("id", ""), item["text"], compile_cues(phrases), extra)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    raw = json.loads(
        (resources.files("neuronlens.analysis") / "data" / "actions.json").read_text("utf-8")
    )
    return {
        "actions": [_cued(item) for item in raw["agent_actions"]],
        "refused": _cued(raw["agent_refused"]),
        "next": [_cued(item) for item in raw["customer_next"]],
    }


def _matching(texts: list[str], item: Cued) -> list[str]:
    return [text for text in texts if find_cues(text, item.cues)]


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# An action's text can name what it was about, from the lexicon category in its template key
# ("text_products": "blocked the {products}"), found in the turns that say the action.
_DETAILS = {
    "text_products": "products",
    "text_documents": "documents",
    "text_channels": "channels",
    "text_teams": "teams",
    "text_checks": "checks",
}


def _manner(item: Cued, turns: list[str]) -> str:
    """The adverb the turns say the action with ("permanently"), with a trailing space."""
    for adverb, by_lang in item.extra.get("manner", {}).items():
        cues = compile_cues(cue for cues in by_lang.values() for cue in cues)
        if any(find_cues(turn, cues) for turn in turns):
            return f"{adverb} "
    return ""


def _specific(item: Cued, turns: list[str]) -> str:
    """The action's English clause, naming what it was about when the turns say so."""
    return _manner(item, turns) + _named(item, turns)


def _named(item: Cued, turns: list[str]) -> str:
    for key, category in _DETAILS.items():
        template = item.extra.get(key)
        if template:
            # Only the turns that say the action, not anywhere in the call: "blocked the debit
            # card, net banking and UPI".
            found = translate(" | ".join(turns), category)
            if found:
                return str(template).format(**{category: _join(found[:3])})
    return item.text


def call_outcome(transcript: Transcript) -> Outcome:
    """The agent's actions and refusal, and the customer's stated next step."""
    data = _data()
    customer, agent = customer_label(transcript), agent_label(transcript)
    customer_texts = [normalize(s.text) for s in transcript.segments if s.speaker == customer]
    agent_texts = [normalize(s.text) for s in transcript.segments if s.speaker == agent]
    actions, ids = [], []
    for item in data["actions"]:
        turns = _matching(agent_texts, item)
        if not turns:
            continue
        ids.append(item.id)
        actions.append(_specific(item, turns))
    refused = data["refused"]
    # A step the agent already advised ("report it on 1930") is not said twice.
    nexts = [
        item for item in data["next"] if item.id not in ids and _matching(customer_texts, item)
    ]
    return Outcome(
        actions=tuple(actions),
        action_ids=tuple(ids),
        refused=bool(_matching(agent_texts, refused)),
        refusal_text=refused.text,
        no_alternative_text=str(refused.extra.get("no_alternative", "")),
        customer_next=tuple(item.text for item in nexts[:2]),
        customer_threatened=any(item.extra.get("dissatisfied") for item in nexts),
    )
