"""The call-centre glossary: topics and places named in any supported language, in English,
and the figures the summary now reads (own sentences, none taken from the dialogues)."""

from __future__ import annotations

import json
import re
from importlib import resources

from neuronlens.analysis import analyze, transcript_from_json
from neuronlens.analysis.facts import CallFacts, segment_facts
from neuronlens.analysis.numbers import parse_numbers
from neuronlens.analysis.text import normalize
from neuronlens.analysis.topics import PLACES, mentioned

_SCRIPTS = {
    "hi": re.compile(r"[\u0900-\u097f]"),
    "mr": re.compile(r"[\u0900-\u097f]"),
    "ta": re.compile(r"[\u0b80-\u0bff]"),
    "te": re.compile(r"[\u0c00-\u0c7f]"),
}


def _topics(text: str, limit: int = 5, already: str = "") -> list[str]:
    return mentioned([normalize(text)], limit, already)


def test_glossary_has_every_language_in_its_script() -> None:
    raw = json.loads(
        (resources.files("neuronlens.analysis") / "data" / "glossary.json").read_text("utf-8")
    )
    for category in ("topics", "places"):
        for english, by_lang in raw[category].items():
            assert set(by_lang) == {"en", "hi", "mr", "ta", "te"}, english
            assert all(cue.isascii() for cue in by_lang["en"]), english
            for lang, script in _SCRIPTS.items():
                # Places may lack a spelling in a language; topics never do.
                assert by_lang[lang] or category == "places", (english, lang)
                for cue in by_lang[lang]:
                    # An Indic cue is in its own script, or a Latin acronym inside it ("5जी").
                    assert script.search(cue), (english, lang, cue)


def test_topics_in_five_languages() -> None:
    hindi = "मेरे इलाके में टावर का काम चल रहा है, हर कॉल कट जाती है और रिचार्ज भी बेकार गया"
    assert _topics(hindi) == ["a mobile tower", "dropped calls", "the recharge"]
    tamil = "எனக்கு ஒரு மினி ஸ்டேட்மென்ட் வேணும், ஏடிஎம் லிமிட் பத்தியும் கேக்கணும்"
    assert _topics(tamil) == ["a mini statement", "the ATM", "the card limit"]
    telugu = "నా పాలసీ సరెండర్ చేయాలి, నామినీ పేరు కూడా మార్చాలి"
    assert _topics(telugu) == ["a policy surrender", "the nominee"]
    marathi = "माझ्या वडिलांच्या खात्यातून पैसे गेले, मला बँक स्टेटमेंट पाठवा"
    assert _topics(marathi) == ["their father", "bank statements"]
    hinglish = "mera wifi router kaam nahi kar raha, speed bilkul zero hai"
    assert _topics(hinglish) == ["the Wi-Fi router", "the internet speed"]


def test_places_in_their_own_scripts() -> None:
    for text in ("मैं पुणे से बोल रहा हूँ", "நான் சென்னையில இருக்கேன்", "నేను హైదరాబాద్ నుంచి"):
        assert len(mentioned([normalize(text)], 1, "", PLACES)) == 1, text
    assert mentioned([normalize("I moved to Bangalore last year")], 1, "", PLACES) == ["Bengaluru"]
    # Tamil "தானே" ("itself") is not the city of Thane.
    assert mentioned([normalize("அது நீங்க தானே சொன்னீங்க")], 1, "", PLACES) == []


def test_topics_are_named_once_and_within_the_limit() -> None:
    # Already in the summary: "recharge of Rs 399" names the recharge.
    text = "रिचार्ज किया, फिर भी डेटा नहीं चल रहा, राउटर भी बंद है, टावर का भी पता नहीं"
    assert "the recharge" not in _topics(text, already="Details: recharge of Rs 399.")
    assert len(_topics(text, limit=2)) == 2
    # A longer topic replaces the shorter one it contains, whichever comes first.
    assert _topics("send me a statement, the bank statement of six months") == ["bank statements"]
    # Overlapping cues of two categories give the longer one only.
    assert _topics("mini statement please") == ["a mini statement"]


def test_tens_and_units_before_a_unit_of_time() -> None:
    def values(text: str, lang: str) -> list[float]:
        return [n.value for n in parse_numbers(normalize(text).split(" "), lang)]

    assert values("within forty-eight hours", "en") == [48]
    assert values("எண்பத்தி நாலு நாள் வேலிடிட்டி", "ta") == [84]
    assert values("నలభై ఎనిమిది గంటల్లో", "te") == [48]
    assert values("నూట యాభై రూపాయలు", "te") == [150]
    # A new number still starts after hundreds: 9,800 and then 4 o'clock.
    assert values("नौ हज़ार आठ सौ, चार बजे", "hi") == [9800, 4]


def _facts(text: str, lang: str) -> CallFacts:
    facts = CallFacts()
    segment_facts(text, lang, facts, future=True)
    return facts


def test_prices_measures_ordinals_and_marathi_percent() -> None:
    assert "recharge of Rs 349" in _facts("तीन सौ उनचास वाला रिचार्ज करवाया था", "hi-IN").amounts
    speed = _facts("ఇది మూడు వందల Mbps ప్లాన్, మూడు వందల ప్లాన్ బెస్ట్", "te-IN")
    assert speed.measures == ["300 Mbps"] and speed.amounts == []
    assert _facts("Your EMI is debited on the 5th of every month", "en-IN").when == ["the 5th"]
    marathi = _facts("प्रोसेसिंग फी दीड टक्का लागेल", "mr-IN")
    assert marathi.percents == ["1.5% processing fee"]


def test_summary_names_what_each_side_raised() -> None:
    transcript = transcript_from_json(
        {
            "language": "hi-IN",
            "turns": [
                {"speaker": "agent", "text": "नमस्ते, मैं आपकी क्या मदद कर सकती हूँ?"},
                {
                    "speaker": "customer",
                    "text": "मैं कानपुर से बोल रहा हूँ। एक हफ़्ते से नेटवर्क नहीं है, हर कॉल कट "
                    "जाती है। मेरी शिकायत दर्ज कीजिए।",
                },
                {"speaker": "agent", "text": "सर, आपके इलाके में टावर का काम चल रहा है।"},
                {"speaker": "customer", "text": "ठीक है, धन्यवाद।"},
            ],
        }
    )
    summary = analyze(transcript, ["summary"])["summary"]
    assert summary.isascii() and len(summary.split()) <= 100
    assert "mentioned Kanpur" in summary and "dropped calls" in summary
    assert "The agent discussed a mobile tower" in summary


def test_how_often_in_several_languages() -> None:
    assert _facts("हर हफ्ते में तीन चार बार कॉल आते हैं", "hi-IN").frequencies == ["3-4 calls a week"]
    assert _facts("எனக்கு தினமும் அஞ்சு கால் வருது", "ta-IN").frequencies == ["5 calls a day"]
    assert _facts("They ring me two, three times a day", "en-IN").frequencies == ["2-3 times a day"]
    # A price per month is not a count: "నెలకి ఏడు వందలు" is Rs 700 a month.
    assert _facts("నెలకి ఏడు వందలు కట్టాలి", "te-IN").frequencies == []
