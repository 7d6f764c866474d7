"""Values shared by the QA judges: an agent sentence, and a verdict with its evidence."""

from __future__ import annotations

from dataclasses import dataclass

PASS, FAIL, NA = "pass", "fail", "na"


@dataclass(frozen=True)
class Unit:
    """One sentence of the agent, with its place in the transcript."""

    segment_index: int
    turn: int
    """The agent's turn number (0 = the agent's first segment)."""
    start: float
    end: float
    text: str
    normalised: str
    grams: frozenset[str]
    joined: frozenset[str] = frozenset()
    """Bigrams of the phonetic key without spaces (see ``phonetic.joined_grams``)."""


@dataclass(frozen=True)
class Judgement:
    result: str
    evidence: tuple[Unit, ...]
    value: float | None = None
    method: str = "embedded"
