"""Facts of a call for its summary: labelled amounts and rates, dates, times, durations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from neuronlens.analysis.entities import Entities, _classify, format_amount
from neuronlens.analysis.lexicon import Hit, find
from neuronlens.analysis.numbers import Number, parse_numbers
from neuronlens.analysis.text import normalize, sentences

# Words joining the two ends of a range: "6 से 7 बजे", "between 6 and 7 PM", "ஆறு முதல் ஏழு".
_RANGE = {"se", "to", "and", "से", "ते", "आणि", "முதல்", "லிருந்து", "நுந்து", "నుంచి", "నుండి", "మధ్య"}
# A deadline ("within 7 days", "सात दिन में", "ஏழு நாளுக்குள்", "ఏడు రోజుల్లో") rather than a span
# in the past: English puts the marker before the number, the Indian languages after the unit,
# as a word (में, अंदर, मध्ये) or a suffix on it (-க்குள், -లో, -ांत).
_WITHIN_BEFORE = {"within"}
_WITHIN_AFTER = {"में", "अंदर", "भीतर", "मध्ये", "आत", "లోపు", "లోగా"}
_WITHIN_SUFFIX = ("க்குள்", "க்குள்ள", "లో", "లోపు", "ांत", "ात", "ामध्ये")
_PAST = {"last", "past", "previous", "पिछले", "पिछला", "मागील", "गेल्या", "கடந்த", "గత", "గడిచిన"}
_GST = {"gst", "जीएसटी", "ஜிஎஸ்டி", "జీఎస్టీ", "tax", "टैक्स"}
_NO_LABEL = {"charge", "transaction", "credit", "loan"}
# Terms that price what they name: a bare figure of 100 or more beside one is rupees even when
# the speaker leaves out the currency ("पाँच सौ निन्यानवे वाला रिचार्ज", "the 799 plan").
_PRICED = {"recharge", "plan", "premium", "bill", "EMI", "charge", "processing fee", "late fee"}
_MIN_PRICE = 100
# Terms of money moved or held: a bare figure of 1,000 or more beside one is rupees too ("my
# salary is 45,000", "I paid 3,000"), below a million so a written account number is not.
_MONEY_TERMS = {"salary", "pension", "refund", "outstanding", "balance", "credit", "transaction"}
_MIN_MONEY, _MAX_MONEY = 1000, 1_000_000
# Data sizes and speeds, written in Latin script in every language ("ఒన్నర GB", "300 Mbps").
_MEASURES = {"gb": "GB", "mb": "MB", "mbps": "Mbps", "gbps": "Gbps", "जीबी": "GB", "ஜிபி": "GB"}
_MEASURES |= {"జీబీ": "GB", "एमबीपीएस": "Mbps"}
# A count of how often something happens ("six, seven a day") is small and whole.
_MIN_COUNT, _MAX_COUNT = 2, 20
_CALL_WORDS = ("call", "कॉल", "फोन", "கால்", "போன்", "కాల్", "ఫోన్")
# The dot of a currency abbreviation does not end a sentence: "Rs. 5,000/- was debited".
_CURRENCY_DOT = re.compile(r"\b(Rs|Re|INR)\.\s*", re.IGNORECASE)
# English day-of-month ordinals written as digits: "on the 5th", "by the 12th".
_ORDINAL = re.compile(r"^([12]?\d|3[01])(st|nd|rd|th)$")
"""Labels too generic to lead a phrase alone, used only when nothing closer names the figure."""


@dataclass
class CallFacts:
    """English phrases for the facts of one call, each list in order of first mention."""

    amounts: list[str] = field(default_factory=list)
    percents: list[str] = field(default_factory=list)
    when: list[str] = field(default_factory=list)
    durations: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    frequencies: list[str] = field(default_factory=list)
    _values: set[float] = field(default_factory=set)

    def add(self, kind: str, phrase: str) -> None:
        items: list[str] = getattr(self, kind)
        if phrase not in items:
            items.append(phrase)


def _near(hits: list[Hit], number: Number, reach: int = 4) -> Hit | None:
    """The hit closest to the number within ``reach`` tokens on either side."""
    best: tuple[int, Hit] | None = None
    for hit in hits:
        gap = number.start - hit.end if hit.end <= number.start else hit.start - number.end
        if 0 <= gap <= reach and (best is None or gap < best[0]):
            best = (gap, hit)
    return best[1] if best else None


def _starts_at(hits: list[Hit], index: int, slack: int = 0) -> Hit | None:
    return next((h for h in hits if index <= h.start <= index + slack), None)


def _clock(value: float, period: str | None) -> str:
    hour, minutes = int(value), round((value - int(value)) * 60)
    if period is None:
        # Unqualified hours in a contact centre's day: 7-11 are mornings, 12 noon, 1-6 afternoons.
        period = "noon" if hour == 12 else ("AM" if 7 <= hour <= 11 else "PM")
    text = f"{hour}:{minutes:02d}" if minutes else str(hour)
    return f"{text} {period}" if period != "noon" else "12 noon"


def _duration(value: float, unit: str) -> str:
    plural = "" if value == 1 else "s"
    return f"{value:g} {unit}{plural}"


def segment_facts(text: str, lang: str, facts: CallFacts, future: bool = False) -> None:
    """Add the facts of one utterance; ``future`` reads Hindi कल as tomorrow."""
    normalised = normalize(text)
    words = normalised.split(" ")
    base = lang.split("-")[0].lower()
    hits = {
        cat: find(normalised, cat)
        for cat in (
            "terms",
            "units",
            "hour_markers",
            "periods",
            "day_markers",
            "months",
            "frequency",
        )
    }
    numbers = parse_numbers(words, base)
    times: list[str] = []
    previous: Number | None = None
    for number in numbers:
        unit = _starts_at(hits["units"], number.end)
        marker = _starts_at(hits["hour_markers"], number.end)
        period = _near(hits["periods"], number, 3)
        month = _starts_at(hits["months"], number.end) or _starts_at(
            hits["day_markers"], number.end
        )
        value = number.value
        after = words[number.end] if number.end < len(words) else ""
        if after in _MEASURES:
            # "300 Mbps" names a plan: a later "the 300 plan" is that plan, not Rs 300.
            facts._values.add(value)
            facts.add("measures", f"{value:g} {_MEASURES[after]}")
        elif number.digits is None and month is not None and 1 <= value <= 31:
            year = _starts_at([Hit("", n.start, n.end) for n in numbers], month.end)
            if year is None:  # a day with a year is a birth date, not a fact of this call
                label = month.english if month in hits["months"] else ""
                facts.add("when", f"{value:g} {label}" if label else f"the {_ordinal(value)}")
        elif (
            unit is not None and marker is None and value <= (30 if unit.english == "year" else 400)
        ):
            phrase = _duration(value, unit.english)
            if (
                previous is not None
                and previous.end + 1 == number.start
                and words[previous.end] in _RANGE
                and previous.value < value
            ):
                phrase = f"{previous.value:g}-{phrase}"  # "2 to 3 working days": a range
            if _is_deadline(words, number, unit):
                phrase = f"within {phrase}"
            facts.add("durations", phrase)
        elif (marker is not None or (period is not None and value <= 12)) and 0 < value <= 12.75:
            clock = _clock(value, period.english if period else None)
            joined = previous is not None and times and previous.end + 1 == number.start
            if joined and previous is not None and words[previous.end] in _RANGE:
                times[-1] = f"{times[-1].split(' ')[0]}-{clock}"
                previous = number
                continue
            times.append(clock)
        else:
            found = Entities()
            _classify(words, number, found)
            term = _near(hits["terms"], number)
            name = term.english if term else ""
            if found.percents and value not in facts._values:
                facts._values.add(value)
                facts.add("percents", f"{value:g}% {name}".strip())
            elif (
                found.amounts
                or (name in _PRICED and value >= _MIN_PRICE and not number.digits)
                or (name in _MONEY_TERMS and _MIN_MONEY <= value < _MAX_MONEY and not number.digits)
            ) and value not in facts._values:
                facts._values.add(value)
                phrase = _amount_phrase(value, name)
                if _GST.intersection(words[number.end : number.end + 4]):
                    phrase += " plus GST"  # "750 रुपये और उस पे लगा GST": tax on top
                facts.add("amounts", phrase)
        previous = number
    for phrase in _frequencies(words, numbers, hits):
        facts.add("frequencies", phrase)
    for word in words:
        ordinal = _ORDINAL.match(word)
        if ordinal:
            facts.add("when", f"the {_ordinal(float(ordinal.group(1)))}")
    for category in ("relative", "weekdays"):
        for hit in find(normalised, category):
            day = hit.english
            if day == "tomorrow" and base == "hi" and not future and "कल" in words[hit.start]:
                continue
            facts.add("when", f"on {day}" if category == "weekdays" else day)
    for clock in times:
        facts.add("when", f"at {clock}")


def _frequencies(words: list[str], numbers: list[Number], hits: dict[str, list[Hit]]) -> list[str]:
    """How often something happens: a small count, or a range of two ("six, seven", "मूडु
    नालुगु"), near "a day"/"a week" ("6-7 calls a day", "3-4 times a week")."""
    out: list[str] = []
    counts = [
        n
        for n in numbers
        if n.digits is None
        and _MIN_COUNT <= n.value <= _MAX_COUNT
        and n.value == int(n.value)
        and _starts_at(hits["units"], n.end) is None
        and _starts_at(hits["hour_markers"], n.end) is None
    ]
    for i, number in enumerate(counts):
        period = _near(hits["frequency"], number, 3)
        if period is None:
            continue
        text = f"{number.value:g}"
        if i + 1 < len(counts) and counts[i + 1].start == number.end:
            following = counts[i + 1]
            if following.value == number.value + 1:
                text += f"-{following.value:g}"
        elif i > 0 and counts[i - 1].end == number.start:
            continue  # the second number of a range already read
        noun = "calls" if any(w.startswith(_CALL_WORDS) for w in words) else "times"
        out.append(f"{text} {noun} {period.english}")
    return out


def _is_deadline(words: list[str], number: Number, unit: Hit) -> bool:
    """True when the duration is a time limit from now, not a span in the past."""
    before = words[number.start - 1] if number.start > 0 else ""
    if before in _PAST:
        return False
    after = words[unit.end] if unit.end < len(words) else ""
    return (
        before in _WITHIN_BEFORE
        or after in _WITHIN_AFTER
        or words[unit.end - 1].endswith(_WITHIN_SUFFIX)
    )


def _amount_phrase(value: float, name: str) -> str:
    amount = format_amount(value)
    if not name or name in _NO_LABEL:
        return f"{name} of {amount}" if name in ("loan", "transaction", "charge") else amount
    return f"{name} of {amount}"


def _ordinal(value: float) -> str:
    day = int(value)
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def call_facts(turns: list[tuple[str, bool]], lang: str) -> CallFacts:
    """Facts of a call from (text, spoken by the agent) turns."""
    facts = CallFacts()
    for text, by_agent in turns:
        # A figure's label must come from its own clause, not from the next sentence.
        for clause in sentences(_CURRENCY_DOT.sub(r"\1 ", text)):
            segment_facts(clause, lang, facts, future=by_agent)
    return facts
