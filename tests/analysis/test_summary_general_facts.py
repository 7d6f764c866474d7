"""General call facts the summary names in any language: deadlines, closing times, monthly
prices, time ranges, waits on hold, repeat calls, refusals, fraud steps and their manner
(own sentences, none taken from the dialogues)."""

from __future__ import annotations

from neuronlens.analysis import analyze, transcript_from_json
from neuronlens.analysis.facts import call_facts
from neuronlens.analysis.intent import load_taxonomy
from neuronlens.analysis.numbers import parse_numbers
from neuronlens.analysis.outcome import call_outcome
from neuronlens.analysis.summary import customer_quote, repeat_call
from neuronlens.analysis.text import normalize
from neuronlens.analysis.topics import PLACES, mentioned
from neuronlens.domain import Transcript


def _call(*turns: tuple[str, str], language: str = "en-IN") -> Transcript:
    return transcript_from_json(
        {"language": language, "turns": [{"speaker": s, "text": t} for s, t in turns]}
    )


def _facts(text: str, lang: str) -> tuple[list[str], list[str], list[str]]:
    facts = call_facts([(text, True)], lang)
    return facts.amounts, facts.durations, facts.when


def test_deadlines_and_hours_past_twelve() -> None:
    # An hour word after a number above 12 counts hours; it cannot be a clock time.
    assert _facts("ఇరవై నాలుగు గంటల్లో కనెక్షన్ వస్తుంది", "te-IN")[1] == ["within 24 hours"]
    assert _facts("It can take up to ten days to reflect.", "en-IN")[1] == ["within 10 days"]
    assert _facts("I was on hold for forty minutes!", "en-IN")[1] == ["40 minutes on hold"]
    assert _facts("मैं बीस मिनट से होल्ड पर हूँ", "hi-IN")[1] == ["20 minutes on hold"]


def test_closing_times_ranges_and_written_clock_times() -> None:
    assert _facts("Our branch is open till six PM.", "en-IN")[2] == ["till 6 PM"]
    assert _facts("கஸ்டமர் கேர் இரவு எட்டு மணி வரை இருக்கும்", "ta-IN")[2] == ["till 8 PM"]
    assert _facts("We will call between 10 AM and 12 noon.", "en-IN")[2] == [
        "between 10 AM and 12 noon"
    ]
    assert _facts("The technician comes between 4 and 6 PM.", "en-IN")[2] == ["between 4 and 6 PM"]
    # "10:45" keeps its minutes: not "at 10 PM" and a stray 45.
    assert _facts("The debit happened at 10:45 PM.", "en-IN")[2] == ["at 10:45 PM"]


def test_dates_with_the_month_first_and_validity_till() -> None:
    assert _facts("Your plan is valid till March 15.", "en-IN")[2] == ["till 15 March"]
    assert _facts("வேலிடிட்டி ஜனவரி பத்து வரைக்கும் இருக்கு", "ta-IN")[2] == ["till 10 January"]
    # A day with a year is a birth date, not a fact of the call.
    assert _facts("My date of birth is March 15, 1988.", "en-IN")[2] == []


def test_monthly_prices_and_tax_on_a_rate() -> None:
    amounts = _facts("You get 100 Mbps for 649 a month, or 200 Mbps for 899.", "en-IN")[0]
    assert amounts == ["Rs 649 a month", "Rs 899 a month"]
    telugu = _facts("యాభై Mbps నెలకి నాలుగు వందల తొంభై తొమ్మిది", "te-IN")[0]
    assert telugu == ["Rs 499 a month"]
    facts = call_facts([("Foreclosure has a 4% charge plus GST.", True)], "en-IN")
    assert facts.percents == ["4% charge plus GST"]


def test_a_label_said_before_the_next_figure_names_that_figure() -> None:
    facts = call_facts(
        [("The rate is eleven percent now, processing fee two percent.", True)], "en-IN"
    )
    assert facts.percents == ["11%", "2% processing fee"]
    # A label before its figure still names it across a few words.
    facts = call_facts([("The EMI would come to roughly nine thousand.", True)], "en-IN")
    assert facts.amounts == ["EMI of Rs 9,000"]


def test_marathi_eighties_and_nineties() -> None:
    words = normalize("खात्यात ब्याण्णव हजार चारशे पंच्याऐंशी रुपये आहेत").split(" ")
    assert [n.value for n in parse_numbers(words, "mr")] == [92485]


def test_repeat_calls_need_a_turn_about_calling() -> None:
    assert repeat_call([normalize("This is the third time I am calling about my refund!")]) == (
        "for the third time"
    )
    assert repeat_call([normalize("मैं दूसरी बार कॉल कर रहा हूँ")]) == "for the second time"
    # "Third time" with no word of calling is not a repeat call.
    assert repeat_call([normalize("The EMI bounced for the third time")]) is None
    summary = analyze(
        _call(
            ("agent", "Welcome to the bank, how can I help?"),
            ("customer", "I am calling for the second time about my pending refund."),
            ("agent", "I understand. Your refund request is under process."),
            ("customer", "Okay, thanks."),
        ),
        ["summary"],
    )["summary"]
    assert "calling for the second time" in summary
    assert "said the request is still under process" in summary


def test_refusals_fraud_steps_and_manner() -> None:
    outcome = call_outcome(
        _call(
            ("customer", "Somebody asked me to install AnyDesk and money went from my account."),
            ("agent", "That is a remote access app. Please uninstall it now."),
            ("agent", "I have permanently blocked your debit card."),
            ("agent", "Please also report it on the 1930 helpline."),
            ("customer", "Okay, I will report it on 1930 as well."),
        )
    )
    assert "advised uninstalling the suspicious app" in outcome.actions
    assert "permanently blocked the debit card" in outcome.actions
    # The agent already advised the helpline: the customer's echo is not a second step.
    assert outcome.customer_next == ()
    steps = call_outcome(
        _call(
            ("customer", "Money went from my account to some wallet."),
            ("agent", "I have sent a hold request to the beneficiary bank."),
            ("agent", "Please change your UPI PIN and visit your nearest branch tomorrow."),
        )
    )
    assert {"hold_requested", "change_credentials", "branch_visit"} <= set(steps.action_ids)
    refusal = call_outcome(
        _call(
            ("customer", "Please stop these calls."),
            ("agent", "Sorry madam, it is not in my hands, those are other teams."),
        )
    )
    assert refusal.refused and refusal.refusal_text.endswith("it cannot be done")


def test_new_topics_and_cities_in_their_own_scripts() -> None:
    def topics(text: str) -> list[str]:
        return mentioned([normalize(text)], 4)

    assert topics("मुझे एक फर्जी मैसेज आया और मैंने स्क्रीन शेयर ऐप डाउनलोड किया") == [
        "a fake message or link",
        "a remote-access app",
        "installing an app",
    ]
    assert "the premium" in topics("பாலிசி பிரீமியம் எவ்வளவு வரும்?")
    assert "a train" in topics("నా పర్సు ట్రైన్‌లో పోయింది")
    # "ट्रेनिंग" (training, as in "calls are recorded for training") is not a train.
    assert "a train" not in topics("यह कॉल ट्रेनिंग के लिए रिकॉर्ड हो रही है")
    for text in ("मी सोलापूरहून बोलतोय", "நான் சேலத்துல இருந்து பேசறேன்", "నేను నెల్లూరు నుంచి"):
        assert len(mentioned([normalize(text)], 1, "", PLACES)) == 1, text


def test_quotes_leave_out_the_greeting() -> None:
    entry = load_taxonomy().get("callback_request")
    call = _call(
        ("agent", "Good morning, how may I help?"),
        ("customer", "Hello Ravi, can you please call me back after lunch?"),
    )
    assert customer_quote(call, entry) == "Can you please call me back after lunch?"
