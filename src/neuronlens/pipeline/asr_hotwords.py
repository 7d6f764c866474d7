"""Hot-words: call-centre vocabulary per language, shown to Whisper after the steering sentence.

Whisper has no biasing list; faster-whisper's ``hotwords`` is text placed before the chunk as if it
had been said earlier, which makes those spellings likelier. The words come from
``data/hotwords.json`` (or a deployment's own file with the same layout): a list per Whisper
language code, most important first. They share Whisper's 448-token window with the chunk's
text, so only the leading words that fit in a token budget are used (``fit``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

SEPARATOR = ", "


@functools.lru_cache(maxsize=8)
def load(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Hot-words per Whisper language code from ``path`` (None: the built-in file).

    Keys starting with ``_`` are comments. Raises ValueError for a file of the wrong shape.
    """
    if path is None:
        text = (
            resources.files("neuronlens.pipeline").joinpath("data/hotwords.json").read_text("utf-8")
        )
        where = "the built-in hotwords.json"
    else:
        text = Path(path).read_text("utf-8")
        where = str(path)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must map language codes to lists of words")
    table: dict[str, tuple[str, ...]] = {}
    for code, words in raw.items():
        if code.startswith("_"):
            continue
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"{where}: {code!r} must be a list of strings")
        table[code] = tuple(w.strip() for w in words if w.strip())
    return table


def for_language(whisper_code: str, path: Path | None = None) -> tuple[str, ...]:
    """The hot-words for a Whisper language code (none if the file has no list for it)."""
    return load(path).get(whisper_code, ())


def fit(words: Sequence[str], count_tokens: Callable[[str], int], budget: int) -> tuple[str, ...]:
    """The leading ``words`` whose joined text costs at most ``budget`` tokens."""
    kept: list[str] = []
    for word in words:
        if count_tokens(" " + SEPARATOR.join([*kept, word])) > budget:
            break
        kept.append(word)
    return tuple(kept)


def with_hotwords(sentence: str | None, words: Sequence[str]) -> str | None:
    """The prompt: the steering sentence, then the hot-words as a comma-separated list."""
    parts = [part for part in (sentence, SEPARATOR.join(words)) if part]
    return " ".join(parts) or None
