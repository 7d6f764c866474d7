"""The summary-coverage check of bench/nlp.py: what it credits and what it refuses to."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "nlp.py"


@pytest.fixture(scope="module")
def nlp() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_nlp", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numbers_and_references_compare_by_value(nlp: ModuleType) -> None:
    point = "Agent raises reversal of the Rs 750 late fee; reference FR45821 on the 15th"
    summary = "The agent reversed the late fee of Rs 750 (reference FR45821) on 15 July."
    result = nlp.coverage(point, summary)
    assert result["covered"]
    assert {"750", "fr45821", "15"} <= set(result["found"])
    lakh = nlp.coverage("renew it for Rs 3 lakh", "a renewal of Rs 300000")
    assert "300000" in lakh["found"]


def test_function_words_earn_nothing(nlp: ModuleType) -> None:
    point = "Customer asks whether his pension has arrived"
    assert not nlp.coverage(point, "The customer asks whether it has and what his agent says.")[
        "covered"
    ]
    assert nlp.coverage(point, "Pension arrival query.")["covered"]


def test_only_the_first_hundred_words_count(nlp: ModuleType) -> None:
    point = "Agent books an executive visit to collect bank statements"
    padding = "word " * 100
    assert nlp.coverage(point, "executive visit booked to collect bank statements")["covered"]
    assert not nlp.coverage(point, padding + "executive visit booked to collect bank statements")[
        "covered"
    ]


def test_compound_spelling_is_one_fact(nlp: ModuleType) -> None:
    assert (
        nlp.coverage("Customer asks for a callback", "asked to be called back")["covered"] is False
    )
    assert nlp.coverage("Customer asks for a callback", "asked for a call back")["covered"]


def test_listed_figures_stay_separate_numbers(nlp: ModuleType) -> None:
    numbers, _ = nlp.key_items("Details: EMI of Rs 10,500, 16% interest, 2% processing fee.")
    assert {"10500", "16", "2"} <= numbers and "10516" not in numbers
    numbers, _ = nlp.key_items("lost Rs 48,000 (Rs 30,000 + Rs 18,000 via UPI)")
    assert {"48000", "30000", "18000"} <= numbers
