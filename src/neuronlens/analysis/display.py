"""The transcript text people read: spoken numbers and amounts written as digits.

"मुझे पांच हजार रुपये चाहिए" reads as "मुझे 5,000 रुपये चाहिए" and "नौ आठ सात छह" as "9876";
the recogniser's own words stay in ``raw_text`` and in the word list.
"""

from __future__ import annotations

import unicodedata

from neuronlens.analysis.numbers import Number, parse_numbers
from neuronlens.analysis.text import tokens

SMALLEST_WORD_NUMBER = 10
"""Single words below this stay words: "एक बात", "one moment" are not quantities."""


def display_text(text: str, language: str) -> str:
    """``text`` with spoken numbers replaced by digits (Indian digit grouping for amounts)."""
    raw = text.split()
    owners: list[int] = []  # normalised token -> index of the raw token it came from
    for index, token in enumerate(raw):
        owners.extend([index] * len(tokens(token)))
    if not owners:
        return text
    normalised = [t for token in raw for t in tokens(token)]
    replacements: dict[int, tuple[int, str]] = {}
    for number in parse_numbers(normalised, language.split("-")[0].lower()):
        first, last = owners[number.start], owners[number.end - 1]
        if not _worth_writing(number, raw[first : last + 1]) or not _whole_tokens(
            owners, number, first, last
        ):
            continue
        tail = _trailing_punctuation(raw[last])
        replacements[first] = (last, _digits(number) + tail)
    if not replacements:
        return text
    out: list[str] = []
    index = 0
    while index < len(raw):
        if index in replacements:
            last, written = replacements[index]
            out.append(written)
            index = last + 1
        else:
            out.append(raw[index])
            index += 1
    return " ".join(out)


def _worth_writing(number: Number, words: list[str]) -> bool:
    if all(any(ch.isdigit() for ch in word) for word in words):
        return False  # already digits
    if number.digits is not None:
        return len(number.digits) >= 2
    return number.scaled or len(words) > 1 or number.value >= SMALLEST_WORD_NUMBER


def _whole_tokens(owners: list[int], number: Number, first: int, last: int) -> bool:
    """True when the raw tokens first..last hold nothing but the number's words."""
    inside = [i for i, owner in enumerate(owners) if first <= owner <= last]
    return inside[0] == number.start and inside[-1] == number.end - 1


def _trailing_punctuation(word: str) -> str:
    """The punctuation a word ends with (",", "?", "।"), kept after the digits."""
    end = len(word)
    while end and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[end:]


def _digits(number: Number) -> str:
    if number.digits is not None:
        return number.digits
    value = number.value
    if value != int(value):
        return f"{value:g}"
    return indian_grouping(int(value)) if value >= 1000 else str(int(value))


def indian_grouping(value: int) -> str:
    """1,50,000 rather than 150,000: how amounts are written in India."""
    digits = str(value)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join([*groups, tail])
