"""Text handling shared by the analysers: normalisation, cue-phrase matching, negation scope.

Everything here works on every script the service supports, because real calls mix them:
Hinglish in Latin script, English loanwords in Indic scripts (लोन, அக்கவுண்ட்), Indic digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# Nukta letters and candrabindu vary freely in ASR output and in how people type Hindi and
# Marathi (फ़ोन / फोन, हाँ / हां): fold them so cue lists need one spelling only.
_DEVANAGARI_FOLD = str.maketrans(
    {
        "\u093c": None,  # nukta
        "\u0901": "\u0902",  # candrabindu -> anusvara
        "\u200c": None,  # ZWNJ
        "\u200d": None,  # ZWJ
        "\u0958": "\u0915",
        "\u0959": "\u0916",
        "\u095a": "\u0917",
        "\u095b": "\u091c",
        "\u095c": "\u0921",
        "\u095d": "\u0922",
        "\u095e": "\u092b",
        "\u095f": "\u092f",
    }
)
# Decimal digits of the Indic scripts (and Tamil's) to ASCII so numbers compare equal.
_DIGIT_BLOCKS = (0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66)
_DIGITS = str.maketrans({chr(block + i): str(i) for block in _DIGIT_BLOCKS for i in range(10)})
# Punctuation splits words, except a decimal point between digits (13.25) and the thousands
# separators of a written amount (18,450 / 1,22,000), which would otherwise split one number.
_PUNCT = re.compile(r"[^\w\u0900-\u0DFF\s.]+|(?<!\d)\.|\.(?!\d)")
_GROUPED = re.compile(r"(?<=\d),(?=\d{2,3}\b)")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?।॥])\s+|\n+")


def fold(text: str) -> str:
    """Canonical form for matching: NFC, folded Devanagari variants, ASCII digits, lower case."""
    text = unicodedata.normalize("NFC", text).translate(_DEVANAGARI_FOLD).translate(_DIGITS)
    # Strip Latin diacritics only (Indic vowel signs are combining marks too and must stay).
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFD", text)
        if not (unicodedata.combining(ch) and ord(ch) < 0x0370)
    )
    return unicodedata.normalize("NFC", text).lower()


def normalize(text: str) -> str:
    """Folded text with punctuation turned into spaces: tokens separated by single spaces."""
    folded = (
        fold(text).replace("'", "").replace("’", "").replace("₹", " rs ").replace("%", " percent ")
    )
    folded = _GROUPED.sub("", folded).replace("_", " ").replace("।", " ").replace("॥", " ")
    return _SPACES.sub(" ", _PUNCT.sub(" ", folded)).strip()


def tokens(text: str) -> list[str]:
    """Tokens of the normalised text."""
    normalised = normalize(text)
    return normalised.split(" ") if normalised else []


def sentences(text: str) -> list[str]:
    """The text split into sentences (Latin and Devanagari danda punctuation)."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def is_latin(word: str) -> bool:
    """True when the word is written in Latin letters (English or romanised Indic)."""
    return bool(word) and all(ch.isascii() for ch in word)


@dataclass(frozen=True)
class Cue:
    """A cue phrase compiled for matching; ``exact`` cues must end at a word boundary."""

    phrase: str
    weight: float
    pattern: re.Pattern[str]
    head: str = ""
    """The cue's first word: text without it as a substring cannot match (a cheap pre-check)."""

    def finditer(self, normalised: str) -> Iterator[re.Match[str]]:
        """Matches of the cue in normalised text."""
        if self.head not in normalised:
            return iter(())
        return self.pattern.finditer(normalised)


def compile_cue(phrase: str, weight: float = 1.0) -> Cue:
    """Compile a cue. It matches at a word start. Indic-script cues may run on into suffixes
    (Indic languages attach case and tense endings: कार्ड -> कार्डचा, கார்டு -> கார்டுல)
    unless they end with ``=``; Latin-script cues match whole words unless they end with
    ``*`` (so "plan" does not match "planning" but "renew*" matches "renewal")."""
    latin = is_latin(phrase.replace(" ", "").rstrip("=*"))
    exact = phrase.endswith("=") or (latin and not phrase.endswith("*"))
    body = normalize(phrase.rstrip("=*"))
    # Spaces inside a cue are optional so "call back" also matches "callback" and ASR's
    # inconsistent word splitting of compounds (கால் பேக் / கால்பேக்).
    inner = r"\s?".join(re.escape(part) for part in body.split(" "))
    tail = r"(?=\s|$)" if exact else ""
    pattern = re.compile(rf"(?:^|(?<=\s)){inner}{tail}")
    return Cue(body, weight, pattern, body.split(" ")[0])


@lru_cache(maxsize=64)
def _compiled(phrases: tuple[str, ...]) -> tuple[Cue, ...]:
    return tuple(compile_cue(phrase) for phrase in phrases)


def compile_cues(phrases: Iterable[str]) -> tuple[Cue, ...]:
    """Compile a list of cue phrases (cached)."""
    return _compiled(tuple(phrases))


def find_cues(normalised: str, cues: Iterable[Cue]) -> list[tuple[Cue, int, int]]:
    """Every (cue, start, end) match in already-normalised text, overlapping matches kept."""
    hits: list[tuple[Cue, int, int]] = []
    for cue in cues:
        hits.extend((cue, m.start(), m.end()) for m in cue.finditer(normalised))
    return hits


def token_index(normalised: str, offset: int) -> int:
    """The index of the token that contains character ``offset`` of normalised text."""
    return normalised.count(" ", 0, offset)


@dataclass(frozen=True)
class Negators:
    """Negation words: ``before`` negate what follows (English "not happy"), ``after`` negate
    what precedes (SOV languages: "खुश नहीं", "khush nahi", "பிடிக்கல")."""

    before: tuple[Cue, ...]
    after: tuple[Cue, ...]
    window_before: int = 3
    window_after: int = 2

    def negated(self, normalised: str, start: int, end: int) -> bool:
        """True when the span [start, end) of normalised text lies in a negation's scope."""
        words = normalised.split(" ")
        first, last = token_index(normalised, start), token_index(normalised, max(start, end - 1))
        left = " ".join(words[max(0, first - self.window_before) : first])
        right = " ".join(words[last + 1 : last + 1 + self.window_after])
        return any(c.pattern.search(left) for c in self.before) or any(
            c.pattern.search(right) for c in self.after
        )
