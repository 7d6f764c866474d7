"""Facts of a call for its summary: labelled amounts and rates, dates, times, durations."""

from __future__ import annotations

import re
from collections.abc import Sequence
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
_UP_TO = ["up", "to"]  # "it can take up to seven days"
_WITHIN_AFTER = {"में", "अंदर", "भीतर", "मध्ये", "आत", "లోపు", "లోగా"}
_WITHIN_SUFFIX = ("க்குள்", "க்குள்ள", "లో", "లోపు", "ांत", "ात", "ामध्ये")
_PAST = {"last", "past", "previous", "पिछले", "पिछला", "मागील", "गेल्या", "கடந்த", "గత", "గడిచిన"}
_GST = {"gst", "जीएसटी", "ஜிஎஸ்டி", "జీఎస్టీ", "tax", "टैक्स"}
_NO_LABEL = {"charge", "transaction", "credit", "loan"}
# Terms that price what they name: a bare figure of 100 or more beside one is rupees even when
# the speaker leaves out the currency ("पाँच सौ निन्यानवे वाला रिचार्ज", "the 799 plan").
_PRICED = {"recharge", "plan", "premium", "bill", "EMI", "charge", "processing fee", "late fee"}
_MIN_PRICE = 100
# A clause that says "a month" prices the bare figures of 100 or more in it: "150 Mbps, నెలకి
# 799; or 300 Mbps, 999" lists monthly plan prices.
_MONTHLY = "a month"
# An hour said before "till" or after "until" is when something stops: "lines are open till 9
# PM", "रात नौ बजे तक", "இரவு ஒன்பது மணி வரை", "రాత్రి తొమ్మిది గంటల వరకు".
_TILL_BEFORE = {"till", "until", "upto"}
_TILL_AFTER = {"तक", "पर्यंत", "வரை", "வரைக்கும்", "వరకు", "varaku", "tak"}
# Terms of money moved or held: a bare figure of 1,000 or more beside one is rupees too ("my
# salary is 45,000", "I paid 3,000"), below a million so a written account number is not.
_MONEY_TERMS = {"salary", "pension", "refund", "outstanding", "balance", "credit", "transaction"}
_MIN_MONEY, _MAX_MONEY = 1000, 1_000_000
# Products that hold an amount name a figure beside them when no term does: "cheque of Rs
# 25,000", "fixed deposit of Rs 50,000".
_MONEY_PRODUCTS = {"cheque", "fixed deposit", "personal loan", "home loan", "business loan"}
_MONEY_PRODUCTS |= {"gold loan", "education loan", "vehicle loan"}
# Data sizes and speeds, written in Latin script in every language ("ఒన్నర GB", "300 Mbps").
_MEASURES = {"gb": "GB", "mb": "MB", "mbps": "Mbps", "gbps": "Gbps", "जीबी": "GB", "ஜிபி": "GB"}
_MEASURES |= {"జీబీ": "GB", "एमबीपीएस": "Mbps"}
# A count of how often something happens ("six, seven a day") is small and whole.
_MIN_COUNT, _MAX_COUNT = 2, 20
_MAX_CLOCK = 12.75
_AM_PM = {"am", "pm"}
# A wait on hold near a duration: "on hold for 40 minutes", "होल्ड पर", "ஹோல்டுல", "హోల్డ్‌లో".
_ON_HOLD = re.compile(r"\bon hold\b|होल्ड पर|होल्ड वर|होल्डवर|ஹோல்டுல|ஹோல்டில்|హోల్డ్ ?లో")
# Words of calling ("called", "फोन किया", "கூப்பிட்டேன்"), matched as word beginnings.
CALL_WORDS = ("call", "phone", "कॉल", "फोन", "கால்", "கூப்பிட", "போன்", "కాల్", "ఫోన్")
# The dot of a currency abbreviation does not end a sentence: "Rs. 5,000/- was debited".
_CURRENCY_DOT = re.compile(r"\b(Rs|Re|INR)\.\s*", re.IGNORECASE)
# A written clock time "11:40" (split in two by normalisation) is read as the hour 11.667, so
# its minutes stay with it: "at 11:40 PM", not "at 11 PM" and a stray 40.
_CLOCK_WRITTEN = re.compile(r"\b(\d{1,2}):([0-5]\d)\b")
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


def _gap(hit: Hit, number: Number) -> int:
    """Tokens between a hit and a number (negative when they overlap)."""
    return number.start - hit.end if hit.end <= number.start else hit.start - number.end


def _near(
    hits: list[Hit], number: Number, reach: int = 4, others: Sequence[Number] = ()
) -> Hit | None:
    """The hit closest to the number within ``reach`` tokens on either side; a hit after the
    number is skipped when one of ``others`` follows it more closely, since a label said just
    before a figure names that one ("13.25 percent now, processing fee one percent": the fee
    is the 1 %, not the 13.25 %)."""
    best: tuple[int, Hit] | None = None
    for hit in hits:
        gap = _gap(hit, number)
        if not 0 <= gap <= reach or (best is not None and gap >= best[0]):
            continue
        if hit.start >= number.end and any(
            other.start >= hit.end and other.start - hit.end < gap for other in others
        ):
            continue
        best = (gap, hit)
    return best[1] if best else None


def _starts_at(hits: list[Hit], index: int, slack: int = 0) -> Hit | None:
    return next((h for h in hits if index <= h.start <= index + slack), None)


def _clock(value: float, period: str | None) -> str:
    hour, minutes = int(value), round((value - int(value)) * 60)
    if period is None:
        # Unqualified hours in a contact centre's day: 7-11 are mornings, 12 noon, 1-6 afternoons.
        period = "noon" if hour == 12 else ("AM" if 7 <= hour <= 11 else "PM")
    elif hour == 12 and period == "AM":
        # A morning word before twelve ("सुबह ग्यारह से बारह") or "12 AM" in a contact
        # centre's day means noon, not midnight.
        period = "noon"
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
    monthly = any(hit.english == _MONTHLY for hit in hits["frequency"])
    times: list[str] = []
    previous: Number | None = None
    for number in numbers:
        unit = _starts_at(hits["units"], number.end)
        marker = _starts_at(hits["hour_markers"], number.end)
        period = _near(hits["periods"], number, 3)
        month = _starts_at(hits["months"], number.end) or _starts_at(
            hits["day_markers"], number.end
        )
        # A month named before the day: "December 28", "டிசம்பர் இருபத்தி எட்டு".
        month_before = next((h for h in hits["months"] if h.end == number.start), None)
        value = number.value
        after = words[number.end] if number.end < len(words) else ""
        if after in _MEASURES:
            # "300 Mbps" names a plan: a later "the 300 plan" is that plan, not Rs 300.
            facts._values.add(value)
            facts.add("measures", f"{value:g} {_MEASURES[after]}")
        elif number.digits is None and (month or month_before) and 1 <= value <= 31:
            end = month.end if month is not None else number.end
            year = _starts_at([Hit("", n.start, n.end) for n in numbers], end)
            if year is None:  # a day with a year is a birth date, not a fact of this call
                named = month_before or (month if month in hits["months"] else None)
                day = f"{value:g} {named.english}" if named else f"the {_ordinal(value)}"
                first = month_before.start if month_before else number.start
                facts.add("when", f"till {day}" if _until(words, first, end) else day)
        elif (
            unit is not None
            # past 12 an hour word ("48 గంటల్లో") counts hours: it cannot be a clock time
            and (marker is None or value > _MAX_CLOCK)
            and value <= (30 if unit.english == "year" else 400)
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
            elif _ON_HOLD.search(" ".join(words[max(0, number.start - 4) : unit.end + 3])):
                phrase += " on hold"  # "I was on hold for forty minutes"
            facts.add("durations", phrase)
        elif (marker is not None or (period is not None and value <= 12)) and (
            0 < value <= _MAX_CLOCK
        ):
            # "12 noon" is noon even when a "PM" was said just before it.
            clock = _clock(value, period.english if period and after != "noon" else None)
            if previous is not None and times and _joins_range(words[previous.end : number.start]):
                times[-1] = _clock_range(times[-1], clock)
                previous = number
                continue
            times.append(f"{_time_word(words, number)} {clock}")
        else:
            found = Entities()
            _classify(words, number, found)
            term = _near(hits["terms"], number, others=numbers) or _near(
                [h for h in find(normalised, "products") if h.english in _MONEY_PRODUCTS], number, 2
            )
            name = term.english if term else ""
            plus_gst = " plus GST" if _GST.intersection(words[number.end : number.end + 4]) else ""
            if found.percents and value not in facts._values:
                facts._values.add(value)
                facts.add("percents", f"{value:g}% {name}".strip() + plus_gst)
            elif (
                found.amounts
                or (name in _PRICED and value >= _MIN_PRICE and not number.digits)
                or (name in _MONEY_TERMS and _MIN_MONEY <= value < _MAX_MONEY and not number.digits)
                or (monthly and _MIN_PRICE <= value < _MAX_MONEY and not number.digits)
            ) and value not in facts._values:
                facts._values.add(value)
                phrase = _amount_phrase(value, name)
                if monthly and not found.amounts and name not in _PRICED:
                    phrase += f" {_MONTHLY}"
                # "750 रुपये और उस पे लगा GST": tax on top
                facts.add("amounts", phrase + plus_gst)
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
        if not any(_same_hour(clock, said) for said in facts.when):
            facts.add("when", clock)


def _joins_range(gap: list[str]) -> bool:
    """True when the words between two hours make them a range: "6 and 7", "11 AM to 12"."""
    return (len(gap) == 1 and gap[0] in _RANGE) or (
        len(gap) == 2 and gap[0] in _AM_PM and gap[1] in _RANGE
    )


def _clock_range(start: str, end: str) -> str:
    """ "between 6 and 7 PM" from "at 6 PM" and "7 PM", the period said once when shared;
    "between 9 AM and 6 PM" when not."""
    first = start.split(" ", 1)[1]  # without its "at" or "till"
    hour, _, period = first.partition(" ")
    if end.endswith(f" {period}"):
        first = hour
    return f"between {first} and {end}"


def _same_hour(clock: str, said: str) -> bool:
    """True when two "at" times fall in one hour ("at 3 AM", "at 3:02 AM"): a supervisor needs
    the first, not each minute of it."""
    first, second = clock.split(" "), said.split(" ")
    return (
        len(first) == len(second) == 3
        and first[0] == second[0] == "at"
        and first[2] == second[2]
        and first[1].split(":")[0] == second[1].split(":")[0]
    )


def _time_word(words: list[str], number: Number) -> str:
    """The word before an hour: "till" when it ends something ("open till 9 PM"), else "at"."""
    return "till" if _until(words, number.start, number.end) else "at"


def _until(words: list[str], start: int, end: int) -> bool:
    """True when the time or date in words [start, end) ends something: "till" before it, or
    तक / வரை / వరకు just after it and its marker or month ("नौ बजे तक", "டிசம்பர் இருபத்தி
    எட்டு வரைக்கும்")."""
    before = words[start - 1] if start > 0 else ""
    return before in _TILL_BEFORE or bool(_TILL_AFTER.intersection(words[end : end + 2]))


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
        noun = "calls" if any(w.startswith(CALL_WORDS) for w in words) else "times"
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
        or words[max(0, number.start - 2) : number.start] == _UP_TO
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


def _clock_as_hours(match: re.Match[str]) -> str:
    return f"{int(match.group(1)) + int(match.group(2)) / 60:.4f}"


def call_facts(turns: list[tuple[str, bool]], lang: str) -> CallFacts:
    """Facts of a call from (text, spoken by the agent) turns."""
    facts = CallFacts()
    for text, by_agent in turns:
        # A figure's label must come from its own clause, not from the next sentence.
        text = _CLOCK_WRITTEN.sub(_clock_as_hours, _CURRENCY_DOT.sub(r"\1 ", text))
        for clause in sentences(text):
            segment_facts(clause, lang, facts, future=by_agent)
    return facts
