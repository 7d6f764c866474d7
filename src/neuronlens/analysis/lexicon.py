"""The bilingual domain lexicon: spoken terms in five languages mapped to English words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.text import Cue, compile_cues, token_index


@dataclass(frozen=True)
class Term:
    """One English term and the compiled cues that say it in any supported language."""

    english: str
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class Hit:
    """A term found in normalised text, as token positions [start, end)."""

    english: str
    start: int
    end: int


def _load(name: str) -> dict[str, Any]:
    path = resources.files("neuronlens.analysis") / "data" / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _terms(table: dict[str, dict[str, list[str]]]) -> tuple[Term, ...]:
    # Every language's cues are kept for every call: callers code-mix (English loanwords in
    # Indic script, Hinglish in Latin), so the call's language tag does not limit the words.
    return tuple(
        Term(english, compile_cues([cue for cues in by_lang.values() for cue in cues]))
        for english, by_lang in table.items()
    )


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[Term, ...]]:
    """Categories of ``data/lexicon.json``, ``data/calendar.json`` and ``data/glossary.json`` as
    compiled terms."""
    out: dict[str, tuple[Term, ...]] = {}
    for name in ("lexicon.json", "calendar.json", "glossary.json"):
        for category, table in _load(name).items():
            if category.startswith("_"):
                continue
            if category in ("hour_markers", "day_markers"):
                table = {category: table}
            out[category] = _terms(table)
    return out


def find(normalised: str, category: str) -> list[Hit]:
    """Terms of one category in normalised text, longest match first, no overlaps, in order."""
    spans: list[tuple[int, int, str]] = []
    for term in lexicon()[category]:
        for cue in term.cues:
            spans.extend((m.start(), m.end(), term.english) for m in cue.finditer(normalised))
    spans.sort(key=lambda s: (s[0] - s[1], s[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, english in spans:
        if not any(start < t_end and t_start < end for t_start, t_end, _ in taken):
            taken.append((start, end, english))
    taken.sort()
    return [
        Hit(
            english,
            token_index(normalised, start),
            token_index(normalised, max(start, end - 1)) + 1,
        )
        for start, end, english in taken
    ]


def translate(normalised: str, category: str) -> list[str]:
    """The English terms of a category that the text mentions, in order, without repeats."""
    return list(dict.fromkeys(hit.english for hit in find(normalised, category)))
