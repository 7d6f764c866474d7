"""Spoken and written numbers in every supported script, parsed from normalised tokens.

Numbers in calls are mostly spoken words ("अठारह हज़ार चार सौ पचास", "பதினைஞ்சாயிரம்",
"nine eight double one"), so they are parsed from tokens, not just read as digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from neuronlens.analysis.number_words import number_data, ordinal_base, tables, word_parts
from neuronlens.analysis.text import normalize

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


def parse_numbers(words: list[str], lang: str) -> list[Number]:
    """Every number in a token list: compound numbers, decimals, digit-by-digit strings."""
    data = number_data()
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
        parts = word_parts(word, lang)
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
        if word == "and" and seen and j + 1 < len(words) and _after_multiplier(words, j, lang):
            # "five hundred and fifty", "two thousand and fifty": English joins with "and".
            j += 1
            continue
        if seen and not bonus and words[j : j + 3] == ["and", "a", "half"]:
            current += 0.5  # "two and a half lakh"
            j += 3
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
        parts = word_parts(word, lang)
        if not parts:
            break
        if word not in tables(lang)[0] and ordinal_base(word, lang, tables(lang)[0]):
            # An ordinal is a number of its own: "எட்டாயிரத்து ஐநூறு, அஞ்சாம் தேதி" is
            # 8,500 and the 5th, not 8,505.
            if not seen:
                return Number(i, j + 1, parts[0][1])
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
                # Only a fraction word so far ("साढ़े नौ बजे"): the hour is its number.
                fraction_only = bool(bonus) and current == 0 and total == 0
                if (
                    seen
                    and not fraction_only
                    and (
                        not _combines(current, value) or not (_next_not_unit(words, j) or ends_tens)
                    )
                ):
                    stop = True
                    break
                current += value + bonus
                bonus = 0.0
            else:
                if bonus and current == 0:
                    current, bonus = 1 + bonus, 0.0  # सवा लाख: one and a quarter lakh
                if value == 100:
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


def _after_multiplier(words: list[str], j: int, lang: str) -> bool:
    """Whether an "and" at ``j`` follows a spelled multiplier and precedes a value below 100."""
    before = word_parts(words[j - 1], lang)
    after = word_parts(words[j + 1], lang)
    return (
        not words[j - 1].isdigit()
        and bool(before)
        and before[-1][0] == "m"
        and len(after) == 1
        and after[0][0] == "v"
        and after[0][1] < 100
    )


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
        parts = word_parts(words[j], lang)
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
