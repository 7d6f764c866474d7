"""Concept cue lexicons for QA criteria (greeting, self-introduction, recording disclosure, ...).

A criterion is linked to a concept by its own examples, not by its id: the concept whose cues
match most of the criterion's example phrasings (at least half) is used, so a user's scorecard
with differently named criteria still gets them. A concept matches a sentence when every cue
group in ``all`` has a hit and no ``none`` cue does (``none`` holds negated forms such as "not
your fault" for the rude-language concept).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.text import Cue, compile_cues, normalize
from neuronlens.domain import Criterion

MIN_EXAMPLE_SHARE = 0.5


@dataclass(frozen=True)
class Concept:
    id: str
    position: str
    """Where in the call it belongs: ``start``, ``end`` or ``any`` (for fail evidence)."""
    groups: tuple[re.Pattern[str], ...]
    """One alternation of cue patterns per group (hundreds of cues: one regex is fast)."""
    excluded: re.Pattern[str] | None
    patterns: tuple[re.Pattern[str], ...] = ()
    """Regular expressions over the raw sentence, each enough on its own (e.g. "I'm <Name>.")."""

    def match(self, normalised: str, raw: str = "") -> bool:
        """True when the sentence expresses the concept."""
        if self.excluded is not None and self.excluded.search(normalised):
            return False
        if any(pattern.search(raw) for pattern in self.patterns):
            return True
        return all(group.search(normalised) for group in self.groups)


def _data(name: str) -> dict[str, Any]:
    path = resources.files("neuronlens.analysis") / "data" / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


_VIRAMAS = (
    "\u094d",
    "\u09cd",
    "\u0a4d",
    "\u0acd",
    "\u0b4d",
    "\u0bcd",
    "\u0c4d",
    "\u0ccd",
    "\u0d4d",
)


def _flatten(cues: Any) -> list[str]:
    phrases = [c for by_lang in cues.values() for c in by_lang] if isinstance(cues, dict) else cues
    # A final virama blocks the suffixes Indic languages attach (ஃபைனான்ஸ் -> ஃபைனான்ஸுக்கு).
    return [p[:-1] if p.endswith(_VIRAMAS) else p for p in phrases]


def _alternation(cues: tuple[Cue, ...]) -> re.Pattern[str] | None:
    if not cues:
        return None
    return re.compile("|".join(f"(?:{cue.pattern.pattern})" for cue in cues))


@lru_cache(maxsize=1)
def concepts() -> dict[str, Concept]:
    """The built-in concepts of ``data/qa_concepts.json``."""
    actions = {a["id"]: _flatten(a["cues"]) for a in _data("actions.json")["agent_actions"]}
    out = {}
    for concept_id, spec in _data("qa_concepts.json").items():
        if concept_id.startswith("_"):
            continue
        groups = []
        for group in spec["all"]:
            phrases = _flatten(group.get("cues", {}))
            for action in group.get("actions", ()):
                # actions.json belongs to the summary; a renamed action must not break QA
                # (tests/analysis/test_scorecard.py checks every referenced id exists).
                phrases.extend(actions.get(action, ()))
            groups.append(_alternation(compile_cues(phrases)))
        excluded = compile_cues(_flatten(spec.get("none", {})))
        out[concept_id] = Concept(
            id=concept_id,
            position=spec.get("position", "any"),
            groups=tuple(g for g in groups if g is not None),
            excluded=_alternation(excluded),
            patterns=tuple(re.compile(p) for p in spec.get("patterns", ())),
        )
    return out


def concept_for(criterion: Criterion) -> Concept | None:
    """The concept most of the criterion's examples express, or None."""
    return _concept_for(tuple(text for texts in criterion.examples.values() for text in texts))


@lru_cache(maxsize=1024)
def _concept_for(raw: tuple[str, ...]) -> Concept | None:
    if not raw:
        return None
    best: tuple[float, str] | None = None
    for concept in concepts().values():
        share = sum(concept.match(normalize(t), t) for t in raw) / len(raw)
        if share >= MIN_EXAMPLE_SHARE and (best is None or share > best[0]):
            best = (share, concept.id)
    return concepts()[best[1]] if best else None
