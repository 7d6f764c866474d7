"""Primary customer intent from a configurable taxonomy of multilingual cue phrases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from neuronlens.analysis.phonetic import NO_SOUNDS, SoundCues, find_spoken_cues, sound_cues
from neuronlens.analysis.roles import customer_label
from neuronlens.analysis.text import Cue, compile_cues, normalize
from neuronlens.domain import Transcript


@dataclass(frozen=True)
class Intent:
    """One taxonomy entry."""

    id: str
    description: str
    summary: str
    precedence: int
    sentiment_prior: float
    cues: tuple[Cue, ...]
    min_share: float = 0.6
    """A customer-voiced intent competes on precedence when its evidence is at least this
    share of the strongest intent's (low for requests that override the call's topic)."""
    sounds: SoundCues = NO_SOUNDS
    """The cues long enough to match by sound as well (ASR spellings)."""


@dataclass(frozen=True)
class Taxonomy:
    """The intents a deployment recognises, and how ties between them are resolved."""

    intents: tuple[Intent, ...]
    agent_weight: float = 0.35

    def get(self, intent_id: str) -> Intent | None:
        """The intent with this id, or None."""
        return next((intent for intent in self.intents if intent.id == intent_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(intent.id for intent in self.intents)


@dataclass(frozen=True)
class IntentResult:
    """The chosen intent (None when nothing matched), its confidence and the runners-up."""

    intent: str | None
    confidence: float
    candidates: tuple[tuple[str, float], ...]


def parse_taxonomy(data: dict[str, Any]) -> Taxonomy:
    """A taxonomy from its JSON form (see ``data/intents.json``); ValueError if malformed."""
    try:
        intents = tuple(_parse_intent(item) for item in data["intents"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed intent taxonomy: {exc!r}") from exc
    if not intents or len({intent.id for intent in intents}) != len(intents):
        raise ValueError("intent taxonomy needs at least one intent and unique ids")
    return Taxonomy(
        intents,
        agent_weight=float(data.get("agent_weight", 0.35)),
    )


def _parse_intent(item: dict[str, Any]) -> Intent:
    cues = compile_cues(phrase for phrases in item.get("cues", {}).values() for phrase in phrases)
    return Intent(
        id=str(item["id"]),
        description=str(item.get("description", "")),
        summary=str(item.get("summary", f"called about {item['id'].replace('_', ' ')}")),
        precedence=int(item.get("precedence", 0)),
        sentiment_prior=float(item.get("sentiment_prior", 0.0)),
        min_share=float(item.get("min_share", 0.6)),
        cues=cues,
        sounds=sound_cues(cues),
    )


@lru_cache(maxsize=8)
def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy at ``path`` (a deployment's own file), or the built-in default."""
    if path is None:
        text = (resources.files("neuronlens.analysis") / "data" / "intents.json").read_text(
            encoding="utf-8"
        )
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"intent taxonomy is not valid JSON: {exc}") from exc
    return parse_taxonomy(raw)


def intent_scores(transcript: Transcript, taxonomy: Taxonomy) -> tuple[dict[str, float], set[str]]:
    """Evidence per intent id, and the ids the customer voiced themselves."""
    customer = customer_label(transcript)
    scores = dict.fromkeys(taxonomy.ids, 0.0)
    voiced: set[str] = set()
    stated = False
    for segment in transcript.segments:
        # An agent restating the request ("I can activate DND") is weaker evidence than
        # the customer asking for it; unknown roles count in between.
        if customer is None:
            weight = 0.7
        else:
            weight = 1.0 if segment.speaker == customer else taxonomy.agent_weight
        text = normalize(segment.text)
        hits: dict[str, float] = {}
        for intent_id, matched in _resolved_matches(text, taxonomy).items():
            # Multi-word cues are more specific than single words; a segment counts once
            # per cue so a repeated word does not outvote a different intent.
            evidence = sum(1.0 + 0.5 * min(cue.phrase.count(" "), 2) for cue in matched.values())
            hits[intent_id] = weight * min(evidence, 3.0)
        if hits and weight >= 0.7:
            voiced.update(hits)
            if not stated:
                # The first need a caller states (after any small talk) is usually the reason
                # for the call; later ones are follow-ups ("also, can I open an FD?").
                hits = {intent_id: 1.5 * score for intent_id, score in hits.items()}
                stated = True
        for intent_id, score in hits.items():
            scores[intent_id] += score
    return scores, voiced


def _resolved_matches(text: str, taxonomy: Taxonomy) -> dict[str, dict[str, Cue]]:
    """Cue matches per intent, where a longer cue of one intent hides the shorter cues of other
    intents inside it: "minimum balance charge" is about a charge, not a balance enquiry."""
    found = [
        (intent.id, cue, start, end)
        for intent in taxonomy.intents
        for cue, start, end in find_spoken_cues(text, intent.cues, intent.sounds)
    ]
    found.sort(key=lambda item: item[2] - item[3])
    taken: list[tuple[str, int, int]] = []
    out: dict[str, dict[str, Cue]] = {}
    for intent_id, cue, start, end in found:
        if any(o != intent_id and start >= s and end <= e for o, s, e in taken):
            continue
        taken.append((intent_id, start, end))
        out.setdefault(intent_id, {})[cue.phrase] = cue
    return out


def detect_intent(transcript: Transcript, taxonomy: Taxonomy | None = None) -> IntentResult:
    """The customer's primary intent, its confidence in [0, 1] and up to three runners-up."""
    taxonomy = taxonomy or load_taxonomy()
    scores, voiced = intent_scores(transcript, taxonomy)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    top_score = ranked[0][1]
    if top_score <= 0:
        return IntentResult(None, 0.0, ())
    by_id = {intent.id: intent for intent in taxonomy.intents}
    contenders = [
        intent_id
        for intent_id, score in ranked
        if score > 0 and intent_id in voiced and score >= by_id[intent_id].min_share * top_score
    ] or [ranked[0][0]]
    precedence = {intent.id: intent.precedence for intent in taxonomy.intents}
    chosen = max(contenders, key=lambda intent_id: (precedence[intent_id], scores[intent_id]))
    total = sum(score for score in scores.values() if score > 0)
    # Confidence: the chosen intent's share of the evidence, damped when evidence is thin.
    confidence = (scores[chosen] / total) * (1.0 - 1.0 / (1.0 + total))
    candidates = tuple(
        (intent_id, round(score / total, 3)) for intent_id, score in ranked if score > 0
    )
    return IntentResult(chosen, round(confidence, 3), candidates[:4])
