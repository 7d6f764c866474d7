"""Dates, times, durations, labelled figures, reasons and lexicon translation (own text)."""

from __future__ import annotations

from neuronlens.analysis.facts import CallFacts, call_facts, segment_facts
from neuronlens.analysis.lexicon import translate
from neuronlens.analysis.sentiment import segment_polarity
from neuronlens.analysis.text import normalize


def _facts(text: str, lang: str, future: bool = True) -> CallFacts:
    facts = CallFacts()
    segment_facts(text, lang, facts, future=future)
    return facts


def test_dates_and_times_in_five_languages() -> None:
    hindi = _facts("हमारे अधिकारी परसों शाम चार बजे आएंगे", "hi-IN")
    assert hindi.when == ["the day after tomorrow", "at 4 PM"]
    english = _facts("We will call you on Monday between 3 and 5 PM, by the 21st", "en-IN")
    assert "on Monday" in english.when and "between 3 and 5 PM" in english.when
    tamil = _facts("நாளைக்கு காலை பத்து மணிக்கு வருவாங்க", "ta-IN")
    assert tamil.when == ["tomorrow", "at 10 AM"]
    telugu = _facts("వచ్చే నెల ఐదు తేదీ లోపు కట్టండి", "te-IN")
    assert "next month" in telugu.when and "the 5th" in telugu.when
    marathi = _facts("उद्या सकाळी नऊ वाजता, वीस ऑगस्ट पर्यंत", "mr-IN")
    assert marathi.when == ["till 20 August", "tomorrow", "at 9 AM"]


def test_hindi_kal_is_tomorrow_only_when_future_facing() -> None:
    assert _facts("कल आपको कॉल आएगा", "hi-IN", future=True).when == ["tomorrow"]
    assert _facts("कल मेरा कार्ड खो गया", "hi-IN", future=False).when == []


def test_birth_dates_are_not_call_facts() -> None:
    assert _facts("जन्मतिथि पाँच जून उन्नीस सौ नब्बे", "hi-IN").when == []


def test_durations_and_labelled_figures() -> None:
    facts = call_facts(
        [
            ("Your refund of Rs 1,250 will come in 10 working days.", True),
            ("ब्याज साढ़े बारह प्रतिशत, किस्त बाईस हज़ार, चौबीस महीने", True),
        ],
        "hi-IN",
    )
    assert "refund of Rs 1,250" in facts.amounts
    assert "EMI of Rs 22,000" in facts.amounts
    assert "12.5% interest" in facts.percents
    assert "10 working days" in facts.durations and "24 months" in facts.durations


def test_lexicon_translates_domain_terms() -> None:
    assert translate(normalize("मेरे पर्सनल लोन की किस्त बाउंस हो गई"), "products") == ["personal loan"]
    assert translate(normalize("ரீஃபண்ட் எப்போ வரும், வட்டி எவ்வளவு?"), "terms") == [
        "refund",
        "interest",
    ]
    assert "a minimum balance charge" in translate(normalize("మినిమమ్ బ్యాలెన్స్ లేదని ఛార్జ్ వేశారు"), "reasons")
    assert translate(normalize("वार्षिक शुल्क लावले, आणि दंड पण"), "reasons") == [
        "an annual fee",
        "a late fee",
    ]
    assert translate(normalize("I shared the OTP after a fake SMS"), "reasons") == [
        "a shared OTP",
        "a fake KYC message",
    ]


def test_negation_stops_at_a_clause_break() -> None:
    assert segment_polarity("No, that's all. Thanks a lot.")[0] > 0
    assert segment_polarity("I am not happy with this")[0] < 0


def test_fused_fractions_and_hundreds() -> None:
    from neuronlens.analysis.numbers import parse_numbers
    from neuronlens.analysis.text import normalize

    cases = [
        ("साडेपंधरा टक्के", "mr", [15.5]),  # साडे fused: fifteen and a half
        ("नऊ हजार साडेसातशे", "mr", [9750.0]),  # 9000 + 7.5 hundred
        ("पाचशे नव्वद", "mr", [590.0]),  # सातशे/पाचशे: fused hundreds
        ("पावणेदोन लाख", "mr", [175000.0]),  # a quarter less than two lakh
        ("పదిహేనున్నర శాతం", "te", [15.5]),  # -న్నర: and a half
        ("साढ़े दस हज़ार", "hi", [10500.0]),
    ]
    for text, lang, expected in cases:
        assert [n.value for n in parse_numbers(normalize(text).split(" "), lang)] == expected, text
