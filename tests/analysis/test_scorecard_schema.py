"""The scorecard JSON (SPEC §5): import, export, and errors that name their field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from neuronlens.analysis.scorecard_schema import (
    ScorecardInvalid,
    parse_scorecard,
    scorecard_to_json,
)
from neuronlens.domain import CriterionKind

SCORECARD = Path(__file__).resolve().parents[1] / "data" / "scorecards" / "retail_banking.json"


def retail() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCORECARD.read_text("utf-8"))
    return data


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(ScorecardInvalid) as caught:
        parse_scorecard(data)
    assert caught.value.code == "invalid_scorecard"
    assert caught.value.http_status == 422
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_the_shared_scorecard_imports_as_is_and_exports_unchanged() -> None:
    data = retail()
    scorecard = parse_scorecard(data)
    assert scorecard.name == "Retail banking service call"
    assert scorecard.pass_threshold == 70
    assert [s.name for s in scorecard.sections] == [
        "Opening",
        "Verification",
        "Handling",
        "Resolution",
        "Closing",
    ]
    assert len(scorecard.criteria) == 9
    rude = next(c for c in scorecard.criteria if c.id == "no_rude_or_abusive_language")
    assert rude.fatal and rude.kind == CriterionKind.PROHIBITED
    assert set(rude.examples) == {"hi", "en", "ta", "te", "mr"}
    assert scorecard_to_json(scorecard) == data


def test_unknown_keys_are_kept_at_every_level() -> None:
    data = retail()
    data["owner"] = "qa-team"
    data["sections"][0]["colour"] = "#0a0"
    data["sections"][0]["criteria"][0]["guidance"] = {"notes": "say the brand"}
    exported = scorecard_to_json(parse_scorecard(data))
    assert exported["owner"] == "qa-team"
    assert exported["sections"][0]["colour"] == "#0a0"
    assert exported["sections"][0]["criteria"][0]["guidance"] == {"notes": "say the brand"}


def test_every_error_carries_its_field_path() -> None:
    data = retail()
    criteria = data["sections"][0]["criteria"]
    data["pass_threshold"] = 101
    criteria[2]["weight"] = 0
    criteria[1]["id"] = criteria[0]["id"]
    criteria[0]["kind"] = "mandatory"
    criteria[0]["examples"]["hi"] = []
    data["sections"][1]["name"] = " "
    errors = errors_of(data)
    assert errors["pass_threshold"] == "must be a number from 0 to 100"
    assert "greater than 0" in errors["sections[0].criteria[2].weight"]
    assert "duplicate id 'greeting_with_company_name'" in errors["sections[0].criteria[1].id"]
    assert "must be one of" in errors["sections[0].criteria[0].kind"]
    assert "non-empty list" in errors["sections[0].criteria[0].examples.hi"]
    assert "non-empty string" in errors["sections[1].name"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weight": True}, "weight", "greater than 0"),
        ({"fatal": "yes"}, "fatal", "true or false"),
        ({"within_seconds": -5}, "within_seconds", "greater than 0"),
        ({"kind": "prohibited", "within_seconds": 10}, "within_seconds", "only to 'required'"),
        ({"kind": "within_seconds"}, "within_seconds", "is required"),
        ({"examples": {"Hindi!": ["x"]}}, "examples.Hindi!", "language code"),
        ({"examples": ["hello"]}, "examples", "language code -> phrasings"),
        ({"id": "has space"}, "id", "letters, digits"),
        ({"question": ""}, "question", "non-empty string"),
        ({"kind": "max_silence"}, "max_seconds", "is required"),
        ({"kind": "max_silence", "max_seconds": "ten"}, "max_seconds", "a number"),
        ({"kind": "interruptions", "max_count": 1.5}, "max_count", "whole number"),
        ({"kind": "agent_talk_share"}, "max_share", "min_share and/or max_share"),
        (
            {"kind": "agent_talk_share", "min_share": 0.8, "max_share": 0.2},
            "min_share",
            "must not exceed",
        ),
        ({"max_count": 3}, "max_count", "does not apply"),
    ],
)
def test_criterion_rules(change: dict[str, Any], field: str, message: str) -> None:
    data = retail()
    criterion = data["sections"][2]["criteria"][0]
    criterion.update(change)
    errors = errors_of(data)
    assert message in errors[f"sections[2].criteria[0].{field}"], errors


def test_a_required_criterion_needs_an_example() -> None:
    data = retail()
    del data["sections"][0]["criteria"][0]["examples"]
    assert "example" in errors_of(data)["sections[0].criteria[0].examples"]


def test_metric_criteria_parse_with_their_parameters() -> None:
    data = {
        "name": "Talk rules",
        "pass_threshold": 50,
        "sections": [
            {
                "name": "Metrics",
                "criteria": [
                    {"id": "silence", "question": "No long silence?", "weight": 5,
                     "kind": "max_silence", "max_seconds": 8},
                    {"id": "share", "question": "Agent talks under 70 %?", "weight": 5,
                     "kind": "agent_talk_share", "max_share": 0.7},
                    {"id": "interrupt", "question": "At most 2 interruptions?", "weight": 5,
                     "kind": "interruptions", "max_count": 2},
                    {"id": "rude", "question": "No rudeness?", "weight": 5, "kind": "prohibited",
                     "examples": {"en": ["Not my problem."]}},
                ],
            }
        ],
    }  # fmt: skip
    scorecard = parse_scorecard(copy.deepcopy(data))
    params = {c.id: c.params for c in scorecard.criteria}
    assert params == {
        "silence": {"max_seconds": 8.0},
        "share": {"max_share": 0.7},
        "interrupt": {"max_count": 2.0},
        "rude": {},
    }
    assert scorecard.criteria[3].examples == {"en": ("Not my problem.",)}
    exported = scorecard_to_json(scorecard)
    for criterion in exported["sections"][0]["criteria"]:
        criterion.pop("fatal")
    assert exported == data


@pytest.mark.parametrize("body", [None, [], "scorecard", {"name": "x"}])
def test_shapes_that_are_not_a_scorecard(body: Any) -> None:
    assert errors_of(body)
