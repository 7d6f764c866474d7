"""Round 2 of the summary: spoken figures the parser now reads, what the agent did, why the
customer called, and more call-centre topics (own sentences, none taken from the dialogues)."""

from __future__ import annotations

from neuronlens.analysis import transcript_from_json
from neuronlens.analysis.entities import extract
from neuronlens.analysis.facts import call_facts
from neuronlens.analysis.lexicon import translate
from neuronlens.analysis.numbers import parse_numbers
from neuronlens.analysis.outcome import call_outcome
from neuronlens.analysis.text import normalize
from neuronlens.analysis.topics import mentioned


def _values(text: str, lang: str) -> list[float]:
    return [n.value for n in parse_numbers(normalize(text).split(" "), lang)]


def _amounts(text: str, lang: str) -> list[str]:
    return call_facts([(text, False)], f"{lang}-IN").amounts


def test_tamil_fused_thousands_halves_and_hundreds() -> None:
    assert _values("ஐயாயிரம்", "ta") == [5000]
    assert _values("முப்பதாயிரம்", "ta") == [30000]
    assert _values("பதினஞ்சாயிரம்", "ta") == [15000]
    assert _values("பன்னிரண்டாயிரத்து ஐநூறு", "ta") == [12500]
    assert _values("ரெண்டு லட்சத்து அம்பதாயிரம்", "ta") == [250000]
    assert _values("பத்தரை", "ta") == [10.5]
    assert _amounts("ரெண்டரை லட்சம் ரூபாய் லோன் வேணும்", "ta") == ["loan of Rs 2.5 lakh"]
    assert _amounts("மாசம் எழுநூத்தி தொண்ணூத்தி ஒன்பது ரூபாய்", "ta") == ["Rs 799"]
    # Words that only look like number stems: ஐயா (sir), வரை (until), ரெண்டாவது (second).
    assert _values("ஐயா நாளை வரை காத்திருக்கேன், இது ரெண்டாவது முறை", "ta") == []


def test_quarter_and_half_words_before_a_multiplier() -> None:
    assert _amounts("सवा लाख रुपये बाकी हैं", "hi") == ["outstanding of Rs 1.25 lakh"]
    assert _amounts("सव्वा लाख रुपये भरले", "mr") == ["transaction of Rs 1.25 lakh"]
    assert _amounts("I need two and a half lakh rupees", "en") == ["Rs 2.5 lakh"]
    assert _amounts("it came to 15k", "en") == ["Rs 15,000"]
    # A half-hour before a clock word; a figure before it still ends where the hour starts.
    assert call_facts([("साढ़े नौ बजे आइए", True)], "hi-IN").when == ["at 9:30 AM"]
    facts = call_facts([("पाँच हज़ार, चार बजे तक", True)], "hi-IN")
    assert (facts.amounts, facts.when) == (["Rs 5,000"], ["till 4 PM"])
    assert _amounts("పాతిక వేలు రూపాయలు", "te") == ["Rs 25,000"]
    assert _amounts("இருபத்தஞ்சாயிரம் ரூபாய்", "ta") == ["Rs 25,000"]


def test_english_and_joins_spelled_numbers_and_money_terms_price_figures() -> None:
    assert _amounts("It was five hundred and fifty rupees", "en") == ["Rs 550"]
    assert _amounts("two thousand and fifty rupees were debited", "en") == [
        "transaction of Rs 2,050"
    ]
    # "and" between two figures is a range or a list, not one number.
    facts = call_facts([("between 10 and 12 days", False)], "en-IN")
    assert facts.durations == ["10-12 days"]
    assert _amounts("rupees 500 only", "en") == ["Rs 500"]
    assert _amounts("my salary is 45,000", "en") == ["salary of Rs 45,000"]
    # A written account number beside a money term is not an amount; nor is a small count.
    assert _amounts("my loan account is 12345678 and the balance", "en") == []
    assert _amounts("I made 3 transactions", "en") == []


def test_romanised_hindi_numbers() -> None:
    assert _amounts("mujhe do lakh ka loan chahiye", "hi") == ["loan of Rs 2 lakh"]
    assert _amounts("barah hazar paanch sau rupaye", "hi") == ["Rs 12,500"]
    assert _amounts("sadhe teen lakh rupaye", "hi") == ["Rs 3.5 lakh"]
    # English "do" reads as 2 but never becomes a figure without a multiplier or a unit.
    facts = call_facts([("What do you do? I can do it in 3 days.", False)], "en-IN")
    assert (facts.amounts, facts.durations) == ([], ["3 days"])


def test_day_of_month_ordinals_stand_alone() -> None:
    def when(text: str, lang: str) -> list[str]:
        return call_facts([(text, True)], f"{lang}-IN").when

    assert when("உங்க EMI பதினஞ்சாம் தேதி கட் ஆகும்", "ta") == ["the 15th"]
    assert when("మీ EMI పదిహేనో తేదీన కట్ అవుతుంది", "te") == ["the 15th"]
    assert when("మీ బిల్లు ఐదవ తేదీకి వస్తుంది", "te") == ["the 5th"]
    # An ordinal after an amount is a date of its own, not the amount's last digits.
    facts = call_facts([("உங்க EMI பதினெட்டாயிரம், பத்தாம் தேதி கட் ஆகும்", True)], "ta-IN")
    assert facts.amounts == ["EMI of Rs 18,000"]
    assert facts.when == ["the 10th"]
    assert when("pandrah tarikh ko EMI kategi", "hi") == ["the 15th"]


def test_card_endings_and_ranges() -> None:
    # "last four" followed by the digits: the run must not swallow the "four".
    assert extract(["Last four, eight two zero five."], "en").last_digits == ["8205"]
    assert extract(["చివరి నాలుగు ఎనిమిది రెండు సున్నా ఐదు"], "te").last_digits == ["8205"]
    assert extract(["கடைசி நாலு ஒம்பது பூஜ்ஜியம் ஆறு மூணு"], "ta").last_digits == ["9063"]
    assert extract(["शेवटचे चार आठ झिरो दोन पाच"], "mr").last_digits == ["8025"]
    # Two cards named, one of them discussed: the ending said most often leads.
    texts = [
        "Cards ending one one one one and two two two two.",
        "The lost one is two two two two.",
        "Blocking two two two two now.",
    ]
    ids = extract(texts, "en")
    assert ids.last_digits == ["1111", "2222"]
    assert ids.main_last_digits == "2222"
    assert extract(["No card here."], "en").main_last_digits is None
    assert _amounts("Rs. 5,000/- was debited", "en") == ["transaction of Rs 5,000"]
    facts = call_facts([("It will take 2 to 3 working days.", True)], "en-IN")
    assert facts.durations == ["2-3 working days"]


def _outcome_actions(lang: str, agent: str) -> tuple[str, ...]:
    transcript = transcript_from_json(
        {
            "language": f"{lang}-IN",
            "turns": [
                {"speaker": "customer", "text": "Hello."},
                {"speaker": "agent", "text": agent},
            ],
        }
    )
    return call_outcome(transcript).actions


def test_more_agent_actions_in_several_languages() -> None:
    assert "transferred the call" in _outcome_actions("hi", "मैं आपकी कॉल ट्रांसफर कर रहा हूँ।")
    assert _outcome_actions("ta", "OTP யாருக்கும் ஷேர் பண்ணாதீங்க சார்.") == (
        "warned the customer never to share OTPs, PINs or passwords",
    )
    assert "updated the customer's details" in _outcome_actions("te", "మీ కొత్త అడ్రస్ అప్డేట్ చేశాను.")
    assert "set up a reminder" in _outcome_actions("mr", "मी तुमच्यासाठी रिमाइंडर सेट केला आहे.")
    assert "gave a turnaround time in working days" in _outcome_actions(
        "en", "It will be resolved in five working days."
    )
    # A plain greeting is no action.
    assert _outcome_actions("en", "Good morning, how may I help you?") == ()


def test_more_customer_reasons() -> None:
    def reasons(text: str) -> list[str]:
        return translate(normalize(text), "reasons")

    assert reasons("மாசம் ரெண்டு தடவை கட் ஆயிடுச்சு") == ["a wrong or double charge"]
    assert reasons("నేను కారు అమ్మేశాను, పాలసీ ఎందుకు") == ["the sale of the vehicle"]
    assert reasons("माझे वडील गेल्या महिन्यात वारले") == ["a death in the family"]
    assert reasons("I was travelling last week") == ["travel"]
    assert reasons("मेरा फोन चोरी हो गया") == ["a lost or stolen phone"]  # not just "a theft"
    assert reasons("रिफंड नहीं आया अभी तक") == ["a refund not received"]


def test_more_call_centre_topics() -> None:
    def topics(text: str) -> list[str]:
        return mentioned([normalize(text)], 5)

    assert topics("रिकवरी एजेंट घर आ रहे हैं, लीगल नोटिस भी भेजा") == [
        "a recovery agent",
        "a legal notice",
    ]
    assert topics("கிளைம் ரிஜெக்ட் ஆயிடுச்சு, நெட்வொர்க் ஹாஸ்பிட்டல் தான்") == [
        "a claim rejection",
        "a network hospital",
    ]
    assert topics("నాకు డేటా ప్యాక్ కావాలి, ఇంటర్నేషనల్ రోమింగ్ కూడా") == [
        "a data pack",
        "international roaming",
    ]
    assert topics("माझं एफडी मोडायचं आहे, व्याजदर किती") == [
        "a premature withdrawal",
        "the interest rate",
    ]
    # Hindi "को पेमेंट" is "the payment to", not a co-payment.
    assert "a co-payment" not in topics("आप को पेमेंट आज करना होगा")
