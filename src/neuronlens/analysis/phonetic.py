"""A script-neutral phonetic key, so one phrase compares across scripts and ASR spellings.

Brahmic scripts share one layout (each Unicode block puts the same sound at the same offset),
so a single table maps Devanagari, Bengali, Gurmukhi, Gujarati, Odia, Tamil, Telugu, Kannada
and Malayalam to rough Latin. Latin text (English, romanised Hindi) is folded the same way.
The key then drops what ASR and spelling vary most: vowel length, aspiration, voicing (Tamil
script does not write it), vowels after a word's first letter and doubled letters. Lossy on purpose:
"रिकॉर्ड", "ரெக்கார்ட்", "record" and "rikord" all become the key ``rkrt``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from dataclasses import dataclass
from functools import lru_cache

from neuronlens.analysis.text import Cue, find_cues, normalize

_BLOCKS = (0x0900, 0x0980, 0x0A00, 0x0A80, 0x0B00, 0x0B80, 0x0C00, 0x0C80, 0x0D00)
# Offsets within a block (Devanagari names). Vowels and vowel signs: short/long merged.
_VOWELS = {
    0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri",
    0x0D: "e", 0x0E: "e", 0x0F: "e", 0x10: "e", 0x11: "o", 0x12: "o", 0x13: "o", 0x14: "o",
}  # fmt: skip
_SIGNS = {
    0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri", 0x45: "e", 0x46: "e",
    0x47: "e", 0x48: "e", 0x49: "o", 0x4A: "o", 0x4B: "o", 0x4C: "o",
}  # fmt: skip
_CONSONANTS = {
    0x15: "k", 0x16: "k", 0x17: "k", 0x18: "k", 0x19: "n",
    0x1A: "\x01", 0x1B: "\x01", 0x1C: "\x01", 0x1D: "\x01", 0x1E: "n",
    0x1F: "t", 0x20: "t", 0x21: "t", 0x22: "t", 0x23: "n",
    0x24: "t", 0x25: "t", 0x26: "t", 0x27: "t", 0x28: "n", 0x29: "n",
    0x2A: "p", 0x2B: "p", 0x2C: "p", 0x2D: "p", 0x2E: "m",
    0x2F: "y", 0x30: "r", 0x31: "r", 0x32: "l", 0x33: "l", 0x34: "l", 0x35: "v",
    0x36: "s", 0x37: "s", 0x38: "s", 0x39: "h",
}  # fmt: skip
_NASALS = {0x01: "n", 0x02: "n", 0x03: ""}
_VIRAMA = 0x4D


def _indic(ch: str) -> tuple[str, str] | None:
    """(kind, latin) for a Brahmic character, or None for any other character."""
    code = ord(ch)
    for block in _BLOCKS:
        if block <= code < block + 0x80:
            offset = code - block
            if offset in _CONSONANTS:
                return "c", _CONSONANTS[offset]
            if offset in _SIGNS:
                return "s", _SIGNS[offset]
            if offset in _VOWELS:
                return "v", _VOWELS[offset]
            if offset in _NASALS:
                return "n", _NASALS[offset]
            if offset == _VIRAMA:
                return "x", ""
            return "o", ""  # nukta, digits (already folded), marks: no sound of their own
    return None


# Latin folding, applied after transliteration: digraphs first, then single letters.
_LATIN_RULES = (
    (re.compile(r"tion"), "sn"),
    (re.compile(r"ch"), "\x01"),  # Latin "ch" is the Indic c (also \x01); other "c" is k/s
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"\x01"), "c"),
    (re.compile(r"([kgcjtdpb])h"), r"\1"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"ph"), "p"),
    (re.compile(r"th"), "t"),
    (re.compile(r"ee|ea"), "i"),
    (re.compile(r"oo|ou"), "u"),
    (re.compile(r"ai|ay"), "e"),
    (re.compile(r"au|aw"), "o"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"z"), "c"),
    (re.compile(r"w"), "v"),
    (re.compile(r"f"), "p"),
)
_VOICING = str.maketrans({"g": "k", "j": "c", "d": "t", "b": "p", "y": "i"})
_SQUEEZE = re.compile(r"(.)\1+")
_VOWEL = re.compile(r"[aeiou]")


def _transliterate(word: str) -> str:
    # Inherent vowels are not written out: every "a" is dropped from the key anyway.
    out = []
    for ch in word:
        info = _indic(ch)
        out.append(ch if info is None else info[1])
    return "".join(out)


@lru_cache(maxsize=65536)
def phonetic_word(word: str) -> str:
    """The phonetic key of one normalised word."""
    latin = _transliterate(word)
    for pattern, repl in _LATIN_RULES:
        latin = pattern.sub(repl, latin)
    latin = latin.translate(_VOICING)
    # Vowels and a spoken "h" (चाहते / चाते) vary most between scripts, dialects and ASR:
    # keep them only word-initially.
    key = latin[:1] + _VOWEL.sub("", latin[1:]).replace("h", "")
    return _SQUEEZE.sub(r"\1", key.replace("a", ""))


def phonetic(text: str) -> str:
    """The phonetic key of a text: words keyed one by one, joined by spaces."""
    keys = (phonetic_word(word) for word in normalize(text).split(" ") if word)
    return " ".join(key for key in keys if key)


def grams(key: str, n: int = 3) -> set[str]:
    """Character n-grams of a phonetic key, word boundaries marked so short words count."""
    padded = f" {key} "
    return {padded[i : i + n] for i in range(max(1, len(padded) - n + 1))}


def joined_grams(key: str) -> set[str]:
    """Character bigrams of a key without its spaces: ASR splits and merges words freely
    (नहीं जाना / नहीजाना), which breaks word-bounded n-grams but not these."""
    joined = key.replace(" ", "")
    return {joined[i : i + 2] for i in range(len(joined) - 1)} or {joined}


def containment(needle: Set[str], haystack: Set[str]) -> float:
    """Share of ``needle``'s n-grams found in ``haystack`` (0..1)."""
    return len(needle & haystack) / len(needle) if needle else 0.0


MIN_SOUND_KEY = 6
"""A phrase of two or more words matches by its phonetic key only when that key has this many
characters (spaces included), as role cues do: shorter keys match unrelated words by chance."""
MIN_SOUND_WORD = 5
"""A one-word cue in an Indic script matches by sound when its key has this many letters
(கம்ப்ளைன்ட் / கம்ப்ளெய்ன்ட் -> ``kmplnt``); shorter keys collide (``plns``: "plans" and
"balance"). Latin one-word cues match as written only: English transcripts misspell little
and the key rules are made for Indic spellings."""


def script(word: str) -> int:
    """The script of a word's first letter: -1 for Latin, else its Unicode block's index."""
    code = ord(word[0]) if word else 0
    return -1 if code < _BLOCKS[0] else (code - _BLOCKS[0]) // 0x80


def cue_key(phrase: str) -> tuple[str, ...]:
    """The cue's phonetic word keys, or () when too short to match by sound."""
    keys = tuple(key for key in (phonetic_word(word) for word in phrase.split(" ")) if key)
    if len(keys) == 1:
        return keys if script(phrase) >= 0 and len(keys[0]) >= MIN_SOUND_WORD else ()
    return keys if len(" ".join(keys)) >= MIN_SOUND_KEY else ()


@lru_cache(maxsize=4096)
def _word_keys(normalised: str) -> tuple[tuple[str, int, int, int], ...]:
    """(phonetic key, script, start, end) of each word of normalised text that has a key."""
    out, start = [], 0
    for word in normalised.split(" "):
        key = phonetic_word(word)
        if key:
            out.append((key, script(word), start, start + len(word)))
        start += len(word) + 1
    return tuple(out)


@dataclass(frozen=True)
class SoundCues:
    """Cues that also match by sound, so ASR's spellings of a phrase still count (मुरक / मूर्ख,
    कर सकता / कर सकते): consecutive words of the text have the cue's word keys. Only in the
    cue's own script, since ASR misspells within the script it writes; across scripts the
    lossy keys mostly collide by chance ("कार्ड बंद" / "కార్డు పోయింది")."""

    index: dict[tuple[int, str], tuple[tuple[Cue, tuple[str, ...]], ...]]
    """(script, first word's key) -> the cues starting so, with their word keys."""

    def find(self, normalised: str) -> list[tuple[Cue, int, int]]:
        """Every (cue, start, end) sound match in already-normalised text."""
        if not self.index:
            return []
        words = _word_keys(normalised)
        hits: list[tuple[Cue, int, int]] = []
        for i, (key, word_script, start, _) in enumerate(words):
            for cue, keys in self.index.get((word_script, key), ()):
                heard = words[i : i + len(keys)]
                if tuple(word[0] for word in heard) == keys:
                    hits.append((cue, start, heard[-1][3]))
        return hits


def sound_cues(cues: Iterable[Cue]) -> SoundCues:
    """The cues long enough to match by sound, indexed by script and first word key."""
    index: dict[tuple[int, str], list[tuple[Cue, tuple[str, ...]]]] = {}
    for cue in cues:
        keys = cue_key(cue.phrase)
        if keys:
            index.setdefault((script(cue.phrase), keys[0]), []).append((cue, keys))
    return SoundCues({first: tuple(items) for first, items in index.items()})


def find_spoken_cues(
    normalised: str, cues: Iterable[Cue], sounds: SoundCues
) -> list[tuple[Cue, int, int]]:
    """Cue matches as written (``find_cues``) plus the sound matches that add a new place."""
    hits = find_cues(normalised, cues)
    for cue, start, end in sounds.find(normalised):
        if not any(c is cue and s < end and start < e for c, s, e in hits):
            hits.append((cue, start, end))
    return hits


NO_SOUNDS = SoundCues({})
