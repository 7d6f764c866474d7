"""Spoken and written numbers in every supported script, parsed from normalised tokens.

Numbers in calls are mostly spoken words ("अठारह हज़ार चार सौ पचास", "பதினைஞ்சாயிரம்",
"nine eight double one"), so they are parsed from tokens, not just read as digits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.text import normalize

_VIRAMAS = ("\u0bcd", "\u0c4d", "\u094d")
# Units of time after a number end it: "नौ हज़ार आठ सौ, चार बजे" is 9,800 and then 4 o'clock.
_TIME_UNITS = (
    "hour",
    "minute",
    "day",
    "month",
    "year",
    "week",
    "am",
    "pm",
    "baje",
    "दिन",
    "महीन",
    "साल",
    "घंट",
    "मिनट",
    "बजे",
    "हफ्त",
    "दिवस",
    "महिन",
    "वर्ष",
    "तास",
    "आठवड",
    "நாள",
    "மாச",
    "மாத",
    "மணி",
    "நிமிஷ",
    "வருஷ",
    "வருட",
    "வாரம்",
    "రోజ",
    "నెల",
    "గంట",
    "నిమిష",
    "సంవత్సర",
    "వారా",
)


@dataclass(frozen=True)
class Number:
    """A number found in normalised tokens [start, end); ``digits`` for digit-by-digit speech."""

    start: int
    end: int
    value: float
    digits: str | None = None
    scaled: bool = False
    """True when a thousand/lakh/crore word built it: such a number is a quantity of money."""


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    path = resources.files("neuronlens.analysis") / "data" / "numbers.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=16)
def _tables(
    lang: str,
) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]]:
    """(values, multipliers, fused stems, fused multipliers) for a base language code."""
    data = _data()
    langs = ["en", lang] + (["hi"] if lang == "mr" else [])
    values: dict[str, float] = {}
    mults: dict[str, float] = {}
    for code in langs:
        values.update({normalize(k): v for k, v in data["values"].get(code, {}).items()})
        mults.update({normalize(k): v for k, v in data["multipliers"].get(code, {}).items()})
    stems = {normalize(k): v for k, v in data["stems"].get(lang, {}).items()}
    stem_mults = {normalize(k): v for k, v in data["stems"].get(f"{lang}_multipliers", {}).items()}
    if not stem_mults.get("\u0bbe\u0baf\u0bbf\u0bb0") and lang == "ta":
        stem_mults["\u0bbe\u0baf\u0bbf\u0bb0"] = 1000  # vowel-sign form after sandhi
    return values, mults, stems, stem_mults


def _word_parts(token: str, lang: str) -> list[tuple[str, float]]:
    """A token as number parts: [("v", 15), ("m", 1000)] for பதினைஞ்சாயிரம்; [] if none."""
    values, mults, stems, stem_mults = _tables(lang)
    if re.fullmatch(r"\d+(\.\d+)?", token):
        return [("v", float(token))]
    if token in values:
        return [("v", values[token])]
    if token in mults:
        return [("m", mults[token])]
    if lang == "mr" and token.endswith("शे") and token[:-2] in values:
        return [("v", values[token[:-2]]), ("m", 100)]  # सातशे: seven hundred, one word
    if lang in ("hi", "mr", "en"):
        # Hindi/Marathi inflect the big multipliers (लाखों, हजारांचा); short words must match
        # whole, or दस would match दस्तावेज.
        for word, mult in mults.items():
            if len(word) >= 3 and token.startswith(word):
                return [("m", mult)]
        return []
    # Tamil and Telugu fuse numbers with case endings and with each other: segment greedily.
    parts: list[tuple[str, float]] = []
    rest, used_stem = token, False
    while rest:
        match = _longest_prefix(rest, values, mults, stems, stem_mults)
        if match is None:
            break
        word, kind, value, is_stem = match
        if rest[len(word) :].startswith(_VIRAMAS):
            break  # the word continues the consonant cluster: లక్ష్మీ is a name, not a lakh
        parts.append((kind, value))
        used_stem = used_stem or is_stem
        rest = rest[len(word) :]
    if used_stem and rest and not any(kind == "m" for kind, _ in parts):
        return []  # a stem with a non-number ending (ரெண்டாவது = "second") is not a number
    return parts


def _longest_prefix(text: str, *tables: dict[str, float]) -> tuple[str, str, float, bool] | None:
    values, mults, stems, stem_mults = tables
    best: tuple[str, str, float, bool] | None = None
    for table, kind, is_stem in (
        (values, "v", False),
        (mults, "m", False),
        (stems, "v", True),
        (stem_mults, "m", True),
    ):
        for word, value in table.items():
            if (
                len(word) >= 2
                and text.startswith(word)
                and (best is None or len(word) > len(best[0]))
            ):
                best = (word, kind, value, is_stem)
    return best


def parse_numbers(words: list[str], lang: str) -> list[Number]:
    """Every number in a token list: compound numbers, decimals, digit-by-digit strings."""
    data = _data()
    fractions = {normalize(w): k for k, ws in data["fractions"].items() for w in ws}
    points = {normalize(w) for w in data["point"]}
    repeats = {normalize(k): v for k, v in data["repeat"].items()}
    numbers: list[Number] = []
    i = 0
    while i < len(words):
        digits = _digit_run(words, i, lang, repeats)
        if digits is not None:
            run, end = digits
            numbers.append(Number(i, end, float(run), digits=run))
            i = end
            continue
        number = _compound(words, i, lang, fractions, points)
        if number is None:
            i += 1
            continue
        numbers.append(number)
        i = number.end
    return numbers


def _digit_run(
    words: list[str], i: int, lang: str, repeats: dict[str, int]
) -> tuple[str, int] | None:
    """Three or more single digits spoken one by one (account ends, phones, references)."""
    out, j = "", i
    while j < len(words):
        times = repeats.get(words[j], 0)
        word = words[j + 1] if times and j + 1 < len(words) else words[j]
        parts = _word_parts(word, lang)
        if len(parts) != 1 or parts[0][0] != "v" or not _is_digit(parts[0][1], word):
            break
        out += str(int(parts[0][1])) * (times or 1)
        j += 2 if times else 1
    return (out, j) if len(out) >= 3 and j - i >= 2 else None


def _is_digit(value: float, word: str) -> bool:
    return value == int(value) and 0 <= value <= 9 and not (word.isdigit() and len(word) > 1)


def _compound(
    words: list[str], i: int, lang: str, fractions: dict[str, str], points: set[str]
) -> Number | None:
    total, current, j, scaled, bonus = 0.0, 0.0, i, False, 0.0
    seen = False
    while j < len(words):
        word = words[j]
        if word in fractions:
            kind = fractions[word]
            if kind in ("one_and_half", "two_and_half"):
                current += 1.5 if kind == "one_and_half" else 2.5
            else:
                bonus = {"plus_half": 0.5, "plus_quarter": 0.25, "minus_quarter": -0.25}[kind]
            seen, j = True, j + 1
            continue
        if word in points and seen and j + 1 < len(words):
            decimals = _decimals(words, j + 1, lang)
            if decimals is None:
                break
            frac, j = decimals
            current += frac
            continue
        glued = _glued_fraction(word, fractions)
        if glued is not None and seen and not (scaled and current == 0):
            break  # a new number, unless it fills the hundreds: "नऊ हजार साडेसातशे" (9750)
        if glued is not None:
            kind, word = glued
            bonus = {"plus_half": 0.5, "plus_quarter": 0.25, "minus_quarter": -0.25}[kind]
        parts = _word_parts(word, lang)
        if not parts:
            break
        if word.endswith(_AND_A_HALF) and len(parts) == 1 and parts[0][0] == "v":
            parts = [("v", parts[0][1] + 0.5)]  # Telugu "పదిహేనున్నర": fifteen and a half
        stop = False
        for kind, value in parts:
            if kind == "v":
                # "eighteen ninety-nine": Indian English drops "hundred" in prices and years
                if (
                    seen
                    and 11 <= current < 100
                    and 10 <= value < 100
                    and not scaled
                    and _next_not_unit(words, j)
                ):
                    current = current * 100 + value
                    continue
                # Before a unit of time a new number starts ("नौ हज़ार आठ सौ, चार बजे" is 9,800
                # and 4 o'clock), except the units digit of a tens word: "forty-eight hours".
                ends_tens = current % 10 == 0 and current % 100 != 0 and value < 10
                if seen and (
                    not _combines(current, value) or not (_next_not_unit(words, j) or ends_tens)
                ):
                    stop = True
                    break
                current += value + bonus
                bonus = 0.0
            elif value == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * value
                current, scaled = 0.0, True
            seen = True
        if stop:
            break
        j += 1
    if not seen or j == i:
        return None
    return Number(i, j, total + current, scaled=scaled)


_AND_A_HALF = ("న్నర",)
_GLUED_KINDS = ("plus_half", "plus_quarter", "minus_quarter")


def _glued_fraction(word: str, fractions: dict[str, str]) -> tuple[str, str] | None:
    """("plus_half", "पंधरा") for Marathi/Hindi written as one word: "साडेपंधरा" (15.5)."""
    for prefix, kind in fractions.items():
        if kind in _GLUED_KINDS and len(word) > len(prefix) + 1 and word.startswith(prefix):
            return kind, word[len(prefix) :]
    return None


def _next_not_unit(words: list[str], j: int) -> bool:
    return not (j + 1 < len(words) and words[j + 1].startswith(_TIME_UNITS))


def _combines(current: float, value: float) -> bool:
    """Whether ``value`` continues the number so far (twenty + two, nineteen hundred + eighty)."""
    if current == 0:
        return True
    if current % 100 == 0 and value < 100:
        return True
    return current % 10 == 0 and current % 100 != 0 and value < 10


def _decimals(words: list[str], i: int, lang: str) -> tuple[float, int] | None:
    text, j = "", i
    while j < len(words):
        parts = _word_parts(words[j], lang)
        if len(parts) != 1 or parts[0][0] != "v":
            break
        value = parts[0][1]
        if (value == int(value) and 0 <= value <= 9) or (
            value == int(value) and value < 100 and not text
        ):
            text += str(int(value))
        else:
            break
        j += 1
    return (float("0." + text), j) if text else None
