"""Facts a summary needs, from speech in any supported script: amounts, percentages,
reference numbers and the last digits of an account or card."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from neuronlens.analysis.numbers import Number, parse_numbers
from neuronlens.analysis.text import normalize

_CURRENCY = (
    "rs",
    "inr",
    "rupee",
    "bucks",
    "rupay",
    "rupai",
    "रुपय",
    "रुपए",
    "रुपै",
    "रु",
    "ரூபா",
    "ரூ",
    "రూపాయ",
    "రూ",
)
_PERCENT: tuple[str, ...] = ("percent", "per cent", "प्रतिशत", "परसेंट", "टक्के", "टक्का")
_PERCENT += ("சதவீத", "பர்சென்ட்", "శాతం", "పర్సెంట్")
_LAST = ("last", "ending", "ends", "आखिरी", "अंतिम", "शेवटच", "கடைசி", "చివరి")
# A spoken reference is a short code followed by digits: "FR 45821", "DS எட்டு நாலு ...".
_REF_WRITTEN = re.compile(r"\b([A-Z]{2,4})[- ]?(\d{3,8})\b")
_REF_PREFIX = re.compile(r"^[a-z]{2,4}$")
_NOT_REF = {
    "emi",
    "otp",
    "upi",
    "sms",
    "kyc",
    "atm",
    "pin",
    "dob",
    "neft",
    "gst",
    "ifsc",
    "pan",
    "cvv",
    "rc",
    "noc",
    "icu",
    "app",
    "sim",
    "dnd",
    "the",
    "and",
    "rs",
    "inr",
    "am",
    "pm",
}
# Short English words before spoken digits ("Mobile is nine eight two zero"): not a code prefix.
_NOT_REF |= {"is", "my", "no", "to", "of", "on", "at", "in", "it", "me", "we", "be", "was", "for"}
_NOT_REF |= {"are", "has", "its", "our", "you", "your", "ends", "with"}


@dataclass
class Entities:
    """Facts of one call, each list in order of first mention, without duplicates."""

    amounts: list[float] = field(default_factory=list)
    percents: list[float] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    last_digits: list[str] = field(default_factory=list)
    digit_mentions: dict[str, int] = field(default_factory=dict)
    """How often each of ``last_digits`` was said."""

    def add(self, kind: str, value: Any) -> None:
        items = getattr(self, kind)
        if kind == "last_digits":
            self.digit_mentions[value] = self.digit_mentions.get(value, 0) + 1
        if value not in items:
            items.append(value)

    @property
    def main_last_digits(self) -> str | None:
        """The card or account ending the call is about: when the agent lists two cards and
        the caller names the lost one, the ending said most often (first said on a tie)."""
        if not self.last_digits:
            return None
        return max(self.last_digits, key=lambda d: self.digit_mentions.get(d, 0))


def extract(texts: list[str], lang: str) -> Entities:
    """The facts in a call's segments, in order (texts are raw segment texts)."""
    base = lang.split("-")[0].lower()
    found = Entities()
    for raw in texts:
        for code, number in _REF_WRITTEN.findall(raw):
            if code.lower() not in _NOT_REF:
                found.add("references", f"{code}{number}")
        words = normalize(raw).split(" ")
        for number in parse_numbers(words, base):
            _classify(words, number, found)
    return found


def _classify(words: list[str], number: Number, found: Entities) -> None:
    after = words[number.end : number.end + 2]
    before = words[max(0, number.start - 3) : number.start]
    prev = words[number.start - 1] if number.start else ""
    if number.digits is not None:
        if len(number.digits) == 5 and number.digits[0] == "4" and prev.startswith(_LAST):
            # "last four, eight two zero five": the run swallowed the "four" of "last four".
            found.add("last_digits", number.digits[1:])
        elif _REF_PREFIX.match(prev) and prev not in _NOT_REF and len(number.digits) >= 3:
            found.add("references", f"{prev.upper()}{number.digits}")
        elif (
            len(number.digits) == 4 and any(w.startswith(_LAST) for w in before + words[:0])
        ) or len(number.digits) == 4:
            found.add("last_digits", number.digits)
        return
    value = number.value
    if any(" ".join(after).startswith(p) for p in _PERCENT) and value <= 100:
        found.add("percents", value)
    elif (
        any(w.startswith(_CURRENCY) for w in after[:2])
        or prev.startswith(("rs", "inr", "rupee"))
        or (number.scaled and value >= 1000)
    ):
        found.add("amounts", value)
    elif any(w.startswith(_LAST) for w in before) and re.fullmatch(r"\d{4}", _int(value)):
        found.add("last_digits", _int(value))


def _int(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def format_amount(value: float) -> str:
    """Rupees the way Indian readers write them: Rs 18,450 / Rs 3 lakh / Rs 1.22 lakh."""
    if value >= 10_000_000:
        return f"Rs {_trim(value / 10_000_000)} crore"
    if value >= 100_000:
        return f"Rs {_trim(value / 100_000)} lakh"
    whole = round(value)
    if whole != value:
        return f"Rs {value:,.2f}"
    return f"Rs {whole:,}"


def _trim(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
