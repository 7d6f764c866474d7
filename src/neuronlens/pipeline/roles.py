"""Which speaker is the agent: multilingual opening cues, who speaks first, talk-time pattern."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from neuronlens.analysis.phonetic import MIN_SOUND_KEY, phonetic
from neuronlens.analysis.roles import AGENT, CUSTOMER
from neuronlens.domain import Segment

OPENING_TURNS = 2
"""Opening cues (welcome, company, introduction, greeting) count in a speaker's first turns."""
OPENING_SECONDS = 60.0
FIRST_SPEAKER_BONUS = 0.5
"""Agents open most service calls, but customers often say "hello" first on outbound ones."""
TALK_SHARE_BONUS = 0.25
"""Agents usually talk more; weak on its own."""
MIN_MARGIN = 1.0
"""Below this score difference the evidence is weak: keep ``speaker_1``/``speaker_2``."""
MIN_CUE_LEAD = 0.5
"""The agent's words must also lead by this much without the first-turn and talk-time bonuses:
position and talk time plus one "sir" are no evidence (a read-speech call crossed
MIN_MARGIN that way, bench/diarization.py)."""
ADDRESS_CAP = 3


@dataclass(frozen=True)
class RoleDecision:
    agent: str | None
    """The agent's label before renaming (None when roles were not assigned)."""
    customer: str | None
    confidence: float | None
    """Probability-like confidence (0.5..1) that the agent/customer split is right."""
    assigned: bool
    note: str
    scores: dict[str, float]


@dataclass(frozen=True)
class _Cues:
    weights: dict[str, float]
    opening: set[str]
    phrases: dict[str, tuple[str, ...]]
    sounds: dict[str, tuple[str, ...]]
    """Per kind, the phonetic keys (space-padded) of the phrases long enough to match by sound."""


@cache
def _cues() -> _Cues:
    data: dict[str, Any] = json.loads(
        resources.files("neuronlens.pipeline").joinpath("data/role_cues.json").read_text("utf-8")
    )
    kinds = data["kinds"]
    sounds = {
        kind: tuple(
            dict.fromkeys(
                f" {key} "
                for key in (phonetic(p) for p in phrases)
                if " " in key and len(key) >= MIN_SOUND_KEY
            )
        )
        for kind, phrases in data["cues"].items()
    }
    return _Cues(
        weights={kind: float(spec["weight"]) for kind, spec in kinds.items()},
        opening={kind for kind, spec in kinds.items() if spec["opening"]},
        phrases={kind: tuple(p.lower() for p in phrases) for kind, phrases in data["cues"].items()},
        sounds=sounds,
    )


def cue_score(opening_text: str, whole_text: str) -> float:
    """Agent-cue score of one speaker: each cue kind counts once (address up to a cap)."""
    cues = _cues()
    keyed = {text: f" {phonetic(text)} " for text in {opening_text, whole_text}}
    score = 0.0
    for kind, phrases in cues.phrases.items():
        raw = opening_text if kind in cues.opening else whole_text
        text, sound = f" {raw.lower()} ", keyed[raw]
        hits = sum(text.count(phrase) for phrase in phrases)
        if not hits:
            hits = sum(sound.count(key) for key in cues.sounds[kind])
        if hits:
            score += cues.weights[kind] * (min(hits, ADDRESS_CAP) if kind == "address" else 1)
    return score


def _turns(segments: Sequence[Segment]) -> list[tuple[str, float, str]]:
    """(speaker, start, text) per turn: consecutive segments of one speaker joined."""
    turns: list[tuple[str, float, str]] = []
    for segment in sorted(segments, key=lambda s: s.start):
        if turns and turns[-1][0] == segment.speaker:
            speaker, start, text = turns[-1]
            turns[-1] = (speaker, start, f"{text} {segment.text}")
        else:
            turns.append((segment.speaker, segment.start, segment.text))
    return turns


def decide_roles(segments: Sequence[Segment], talk_time: dict[str, float]) -> RoleDecision:
    """The agent among the two most talkative speakers, or no decision when evidence is weak."""
    parties = sorted(talk_time, key=lambda s: -talk_time[s])[:2]
    if len(parties) < 2:
        return RoleDecision(None, None, None, False, "one speaker: no agent/customer split", {})
    turns = _turns(segments)
    scores: dict[str, float] = {}
    for party in parties:
        own = [(start, text) for speaker, start, text in turns if speaker == party]
        opening = " ".join(
            t for i, (s, t) in enumerate(own) if i < OPENING_TURNS or s < OPENING_SECONDS
        )
        scores[party] = cue_score(opening, " ".join(t for _, t in own))
    words = dict(scores)
    first = next((speaker for speaker, _, _ in turns if speaker in parties), parties[0])
    scores[first] += FIRST_SPEAKER_BONUS
    total = sum(talk_time[p] for p in parties) or 1.0
    if talk_time[parties[0]] / total > 0.6:
        scores[parties[0]] += TALK_SHARE_BONUS
    agent, customer = sorted(parties, key=lambda p: -scores[p])
    margin = scores[agent] - scores[customer]
    confidence = round(1.0 / (1.0 + math.exp(-margin)), 3)
    cue_lead = words[agent] - words[customer]
    if margin < MIN_MARGIN or cue_lead < MIN_CUE_LEAD:
        note = (
            f"weak evidence for agent/customer (score margin {margin:.2f}, cue lead "
            f"{cue_lead:.2f}; need {MIN_MARGIN} and {MIN_CUE_LEAD}): speakers keep neutral labels"
        )
        return RoleDecision(None, None, confidence, False, note, scores)
    note = f"agent chosen by opening cues, first turn and talk time (margin {margin:.2f})"
    return RoleDecision(agent, customer, confidence, True, note, scores)


def role_labels(segments: Sequence[Segment], decision: RoleDecision) -> dict[str, str]:
    """Old label -> new: agent/customer when assigned, other speakers ``speaker_3``…"""
    order = list(dict.fromkeys(s.speaker for s in sorted(segments, key=lambda s: s.start)))
    if not decision.assigned:
        return {label: f"speaker_{i + 1}" for i, label in enumerate(order)}
    mapping = {decision.agent or "": AGENT, decision.customer or "": CUSTOMER}
    others = [label for label in order if label not in mapping]
    mapping.update({label: f"speaker_{i + 3}" for i, label in enumerate(others)})
    return mapping


def apply_labels(segments: Sequence[Segment], mapping: dict[str, str]) -> tuple[Segment, ...]:
    """Segments renamed through ``mapping``."""
    return tuple(replace(s, speaker=mapping.get(s.speaker, s.speaker)) for s in segments)
