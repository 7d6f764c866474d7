"""The LLM judge for QA criteria against a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from neuronlens.analysis.llm import LLMConfig
from neuronlens.analysis.scorecard import ScoringOptions, score_call
from neuronlens.analysis.scorecard_schema import parse_scorecard
from neuronlens.domain import Scorecard, Transcript
from tests.analysis.conftest import FakeChatServer

SCORECARD = Path(__file__).resolve().parents[1] / "data" / "scorecards" / "retail_banking.json"


@pytest.fixture(scope="module")
def retail() -> Scorecard:
    return parse_scorecard(json.loads(SCORECARD.read_text("utf-8")))


def options(server: FakeChatServer) -> ScoringOptions:
    config = LLMConfig(
        url=server.url, api_key="k", model="judge", timeout=2.0, retries=1, backoff=0.01
    )
    return ScoringOptions(llm=config)


def by_id(qa: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in qa["criteria"]}


def test_valid_llm_verdicts_are_used_with_their_evidence(
    chat_server: FakeChatServer, calls: dict[str, Transcript], retail: Scorecard
) -> None:
    transcript = calls["hi-014"]  # labelled: closing question not asked
    chat_server.script = [
        {
            "criteria": {
                # Overrules the embedded verdict (pass) -- the LLM's answer wins when valid.
                "thanked_customer": {"result": "fail", "evidence": [], "reason": "no thanks"},
                "greeting_with_company_name": {"result": "pass", "evidence": [0]},
                "empathy_shown": {"result": "na", "evidence": []},
            }
        }
    ]
    qa = score_call(transcript, retail, options(chat_server))
    results = by_id(qa)
    assert results["greeting_with_company_name"]["method"] == "llm"
    assert results["greeting_with_company_name"]["evidence"][0]["segment_index"] == 0
    thanked = results["thanked_customer"]
    assert (thanked["method"], thanked["result"]) == ("llm", "fail")
    # The LLM gave no place for the fail, so the embedded method's closing lines are shown.
    assert thanked["evidence"] and thanked["evidence"][-1]["segment_index"] > 0
    assert results["empathy_shown"]["result"] == "na"
    assert qa["max_score"] == 100 - results["empathy_shown"]["weight"]
    # Criteria the LLM did not answer fall back to the embedded method.
    assert results["recording_disclosure"]["method"] == "embedded"
    [request] = chat_server.requests
    prompt = request["body"]["messages"][-1]["content"]
    assert "greeting_with_company_name" in prompt and "[0] 0.0s agent:" in prompt


@pytest.mark.parametrize(
    "answer",
    [
        {"result": "pass", "evidence": []},  # a pass without evidence
        {"result": "pass", "evidence": [99]},  # a line that does not exist
        {"result": "pass", "evidence": [1]},  # the customer's line
        {"result": "maybe", "evidence": [0]},
        {"result": "pass", "evidence": ["0"]},
    ],
)
def test_unbacked_or_malformed_verdicts_fall_back(
    chat_server: FakeChatServer,
    calls: dict[str, Transcript],
    retail: Scorecard,
    answer: dict[str, Any],
) -> None:
    transcript = calls["en-003"]  # the agent never names the company
    assert transcript.segments[1].speaker == "customer"
    chat_server.script = [{"criteria": {"greeting_with_company_name": answer}}]
    result = by_id(score_call(transcript, retail, options(chat_server)))
    greeting = result["greeting_with_company_name"]
    assert (greeting["method"], greeting["result"]) == ("embedded", "fail")


def test_a_prohibited_fail_needs_the_offending_line(
    chat_server: FakeChatServer, calls: dict[str, Transcript], retail: Scorecard
) -> None:
    transcript = calls["hi-011"]  # a polite call
    chat_server.script = [{"criteria": {"no_rude_or_abusive_language": {"result": "fail"}}}]
    qa = score_call(transcript, retail, options(chat_server))
    rude = by_id(qa)["no_rude_or_abusive_language"]
    assert (rude["method"], rude["result"]) == ("embedded", "pass")
    assert qa["fatal_failed"] is False


def test_an_unreachable_llm_leaves_the_embedded_result(
    chat_server: FakeChatServer, calls: dict[str, Transcript], retail: Scorecard
) -> None:
    chat_server.script = [500]
    embedded = score_call(calls["ta-009"], retail)
    with_llm = score_call(calls["ta-009"], retail, options(chat_server))
    assert with_llm == embedded
    assert len(chat_server.requests) == 2  # one retry, then the fallback


def test_the_pipeline_scores_with_the_configured_llm(
    chat_server: FakeChatServer, calls: dict[str, Transcript], retail: Scorecard, tmp_path: Path
) -> None:
    from neuronlens.config import Settings
    from neuronlens.domain import StoredScorecard
    from neuronlens.pipeline.run import analyze_transcript

    settings = Settings(
        data_dir=tmp_path,
        llm_url=chat_server.url,
        llm_api_key=SecretStr("k"),
        llm_model="judge",
        llm_retries=0,
    )
    chat_server.script = [
        {"criteria": {"agent_introduced_self": {"result": "pass", "evidence": [0]}}}
    ]
    now = datetime.now(UTC)
    stored = StoredScorecard("sc_x", "acc", 3, retail, now, now, 3)
    result = analyze_transcript(
        calls["hi-011"], ("transcription", "qa_scoring"), settings, scorecard=stored
    )
    assert set(result) == {"qa"}  # nothing else was asked for
    qa = result["qa"]
    assert (qa["scorecard_id"], qa["scorecard_version"]) == ("sc_x", 3)
    assert by_id(qa)["agent_introduced_self"]["method"] == "llm"
    assert by_id(qa)["thanked_customer"]["method"] == "embedded"
