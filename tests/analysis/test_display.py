"""The transcript text people read: spoken numbers as digits, everything else untouched."""

from __future__ import annotations

import pytest

from neuronlens.analysis.analyze import transcript_from_json
from neuronlens.analysis.display import display_text, indian_grouping
from neuronlens.domain import Segment, Transcript
from neuronlens.serialize import transcript_to_json


@pytest.mark.parametrize(
    ("spoken", "language", "written"),
    [
        (
            "मुझे पाँच हज़ार रुपये का लोन चाहिए, मेरा नंबर नौ आठ सात छह है।",
            "hi-IN",
            "मुझे 5,000 रुपये का लोन चाहिए, मेरा नंबर 9876 है।",
        ),
        ("the EMI is twelve thousand five hundred rupees.", "en-IN", "the EMI is 12,500 rupees."),
        ("डेढ़ लाख रुपये", "hi-IN", "1,50,000 रुपये"),
        ("पच्चीस तारीख को", "hi-IN", "25 तारीख को"),
        ("my number is nine eight double one", "en-IN", "my number is 9811"),
        ("बारह हज़ार पाँच सौ, ठीक है?", "hi-IN", "12,500, ठीक है?"),
    ],
)
def test_spoken_numbers_are_written_as_digits(spoken: str, language: str, written: str) -> None:
    assert display_text(spoken, language) == written


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("एक बात बताइए", "hi-IN"),  # "one thing": not a quantity
        ("one moment please", "en-IN"),
        ("1,50,000 रुपये", "hi-IN"),  # already digits
        ("नमस्ते, सहयोग बैंक में आपका स्वागत है।", "hi-IN"),
        ("", "hi-IN"),
    ],
)
def test_text_without_spoken_quantities_is_unchanged(text: str, language: str) -> None:
    assert display_text(text, language) == text


def test_indian_grouping() -> None:
    assert [indian_grouping(v) for v in (999, 1000, 150000, 12345678)] == [
        "999",
        "1,000",
        "1,50,000",
        "1,23,45,678",
    ]


def test_the_job_body_keeps_the_raw_words_and_analysis_reads_them_back() -> None:
    spoken = "मुझे पाँच हज़ार रुपये चाहिए"
    transcript = Transcript("hi-IN", 3.0, (Segment("customer", 0.0, 3.0, spoken, 0.9),))
    body = transcript_to_json(transcript)
    assert body[0]["text"] == "मुझे 5,000 रुपये चाहिए"
    assert body[0]["raw_text"] == spoken
    assert transcript_from_json(body, "hi-IN").segments[0].text == spoken
