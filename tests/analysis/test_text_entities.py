"""Normalisation, cue matching, negation scope and number/fact extraction across scripts."""

from __future__ import annotations

from neuronlens.analysis.entities import extract, format_amount
from neuronlens.analysis.numbers import parse_numbers
from neuronlens.analysis.text import Negators, compile_cue, compile_cues, normalize


def test_normalize_folds_script_variants_digits_and_grouping() -> None:
    assert normalize("फ़ोन हाँ") == normalize("फोन हां")
    assert normalize("₹18,450 ௧௨ १२") == "rs 18450 12 12"
    assert normalize("13.25% rate.") == "13.25 percent rate"


def test_indic_cues_take_suffixes_latin_cues_are_whole_words() -> None:
    card = compile_cue("கார்டு")
    assert card.pattern.search(normalize("என் கார்டுல பிரச்சனை"))
    plan = compile_cue("plan")
    assert not plan.pattern.search("we are planning a trip")
    assert compile_cue("renew*").pattern.search("renewal offer")
    assert compile_cue("call back").pattern.search("please callback")  # optional space


def test_negation_scope_before_and_after() -> None:
    negators = Negators(before=compile_cues(["not"]), after=compile_cues(["नहीं", "nahi"]))
    for text, cue in (
        ("i am not happy", "happy"),
        ("मैं खुश नहीं हूं", "खुश"),
        ("main khush nahi hoon", "khush"),
    ):
        start = text.index(cue)
        assert negators.negated(text, start, start + len(cue))
    assert not negators.negated("i am happy", 5, 10)


def test_spoken_numbers_in_every_language() -> None:
    def values(text: str, lang: str) -> list[float]:
        return [n.value for n in parse_numbers(normalize(text).split(" "), lang)]

    assert values("अठारह हज़ार चार सौ पचास", "hi") == [18450]
    assert values("साढ़े दस हज़ार", "hi") == [10500]
    assert values("डेढ़ लाख", "hi") == [150000]
    assert values("eighteen ninety-nine rupees", "en") == [1899]
    assert values("thirteen point two five percent", "en") == [13.25]
    assert values("பதினைஞ்சாயிரம் ரூபா", "ta") == [15000]
    assert values("தொமம", "ta") == []
    assert values("తొమ్మిది వేల ఎనిమిది వందలు", "te") == [9800]
    assert values("अठ्ठेचाळीस तासांत", "mr") == [48]


def test_facts_digits_references_and_amounts() -> None:
    facts = extract(
        [
            "कार्ड के आखिरी चार अंक: नौ शून्य दो एक",
            "नंबर DS एट्टु",
            "FR45821 है",
            "Rs 1,22,000 foreclosure, 3% charge",
        ],
        "hi-IN",
    )
    assert "9021" in facts.last_digits
    assert "FR45821" in facts.references
    assert 122000 in facts.amounts and 3 in facts.percents
    tamil = extract(["ரெஃபரன்ஸ் நம்பர் DS எட்டு நாலு நாலு ஆறு ரெண்டு"], "ta-IN")
    assert tamil.references == ["DS84462"]
    telugu = extract(["లక్ష్మీ ప్రసన్న"], "te-IN")  # a name, not a lakh
    assert telugu.amounts == []


def test_format_amount_indian_style() -> None:
    assert format_amount(300000) == "Rs 3 lakh"
    assert format_amount(122000) == "Rs 1.22 lakh"
    assert format_amount(18450) == "Rs 18,450"
