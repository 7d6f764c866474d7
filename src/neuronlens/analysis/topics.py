"""What a call was about beyond its request: call-centre topics named in either speaker's
turns (the mobile tower, the recharge, the branch, bank statements) and the city the customer
names, rendered in English from the multilingual glossary in ``data/glossary.json`` and the
documents in ``data/lexicon.json``."""

from __future__ import annotations

from neuronlens.analysis.lexicon import find

TOPICS = ("topics", "documents")
PLACES = ("places",)
_ARTICLES = ("the ", "a ", "an ", "their ")


def _core(term: str) -> str:
    """The term without its article, lower case: "the recharge" -> "recharge"."""
    lowered = term.lower()
    for article in _ARTICLES:
        if lowered.startswith(article):
            return lowered[len(article) :]
    return lowered


def mentioned(
    texts: list[str], limit: int, already: str = "", categories: tuple[str, ...] = TOPICS
) -> list[str]:
    """Up to ``limit`` English terms of the categories in normalised texts, in order of first
    mention, leaving out those that ``already`` (the summary written so far) names."""
    named = already.lower()
    topics: list[str] = []
    for text in texts:
        # Longest first where categories overlap: "mini statement" is not "bank statements".
        hits = sorted(
            (hit for cat in categories for hit in find(text, cat)),
            key=lambda h: (h.start, h.start - h.end),
        )
        end = 0
        for hit in hits:
            if hit.start < end:
                continue
            end = hit.end
            core = _core(hit.english)
            if core in named or any(core in _core(topic) for topic in topics):
                continue  # the summary names it, or a longer topic says it ("bank statements")
            # A longer topic replaces a shorter one it contains: "a statement", then
            # "bank statements".
            topics = [topic for topic in topics if _core(topic) not in core]
            topics.append(hit.english)
            if len(topics) == limit:
                return topics
    return topics
