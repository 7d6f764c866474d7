"""The LLM backend against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from neuronlens.analysis import AnalysisOptions, analyze, options_from_settings
from neuronlens.analysis.intent import load_taxonomy
from neuronlens.analysis.llm import LLMConfig, chat_json, validate
from neuronlens.domain import Transcript
from tests.analysis.conftest import FakeChatServer

FEATURES = ["summary", "sentiment", "intent"]
VALID = {
    "summary": "The customer reported two fraudulent debits of Rs 24,999 after sharing an OTP. "
    "The agent froze the card and raised dispute FR45821.",
    "intent": "fraud_report",
    "intent_confidence": 0.93,
    "sentiment": {"customer": -0.7, "agent": 0.5, "overall": -0.3},
}


def _options(server: FakeChatServer, timeout: float = 2.0, retries: int = 2) -> AnalysisOptions:
    return AnalysisOptions(
        llm=LLMConfig(
            url=server.url,
            api_key="test-key",
            model="tiny",
            timeout=timeout,
            retries=retries,
            backoff=0.01,
        )
    )


def test_valid_answer_is_used(chat_server: FakeChatServer, calls: dict[str, Transcript]) -> None:
    chat_server.script = [VALID]
    result = analyze(calls["hi-011"], FEATURES, _options(chat_server))
    assert result["summary"] == VALID["summary"]
    assert result["intent"] == "fraud_report" and result["intent_confidence"] == 0.93
    assert result["sentiment"]["speakers"] == {"agent": 0.5, "customer": -0.7}
    assert result["sentiment"]["label"] == "negative"
    assert len(result["sentiment"]["timeline"]) == 4
    [request] = chat_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer test-key" and request["body"]["model"] == "tiny"
    prompt = request["body"]["messages"][-1]["content"]
    assert "fraud_report" in prompt and "फ़्रॉड" in prompt


def test_garbage_falls_back_without_retrying(
    chat_server: FakeChatServer, calls: dict[str, Transcript]
) -> None:
    chat_server.script = ["Sure! Here is the analysis you asked for: fraud, probably."]
    embedded = analyze(calls["hi-011"], FEATURES)
    result = analyze(calls["hi-011"], FEATURES, _options(chat_server))
    assert result == embedded
    assert len(chat_server.requests) == 1


def test_invalid_fields_fall_back_one_by_one(
    chat_server: FakeChatServer, calls: dict[str, Transcript]
) -> None:
    chat_server.script = [
        {
            "summary": VALID["summary"],
            "intent": "wants_pizza",
            "sentiment": {"customer": -3, "agent": 0.1, "overall": 0},
        }
    ]
    embedded = analyze(calls["hi-011"], FEATURES)
    result = analyze(calls["hi-011"], FEATURES, _options(chat_server))
    assert result["summary"] == VALID["summary"]
    assert result["intent"] == embedded["intent"] == "fraud_report"
    assert result["sentiment"] == embedded["sentiment"]


def test_server_error_is_retried_then_succeeds(
    chat_server: FakeChatServer, calls: dict[str, Transcript]
) -> None:
    chat_server.script = [500, 503, VALID]
    result = analyze(calls["hi-011"], FEATURES, _options(chat_server))
    assert result["summary"] == VALID["summary"]
    assert len(chat_server.requests) == 3


def test_persistent_server_error_retries_boundedly_then_falls_back(
    chat_server: FakeChatServer, calls: dict[str, Transcript]
) -> None:
    chat_server.script = [500]
    result = analyze(calls["te-004"], FEATURES, _options(chat_server, retries=2))
    assert result["intent"] == "dnd_request" and result["summary"]
    assert len(chat_server.requests) == 3  # one attempt plus two retries, no more


def test_timeout_falls_back(chat_server: FakeChatServer, calls: dict[str, Transcript]) -> None:
    chat_server.script = [("slow", 3.0, VALID)]
    start = time.perf_counter()
    result = analyze(calls["en-006"], FEATURES, _options(chat_server, timeout=0.3, retries=1))
    # Under 3 s: it gave up on the slow answer (3 s) instead of waiting; the margin above
    # 2 x 0.3 s is for a loaded machine.
    assert time.perf_counter() - start < 2.9
    assert result["intent"] == "dnd_request" and result["summary"] != VALID["summary"]
    assert len(chat_server.requests) == 2


def test_unreachable_endpoint_falls_back(calls: dict[str, Transcript]) -> None:
    config = LLMConfig(
        url="http://127.0.0.1:9/v1", api_key="k", model="m", timeout=0.5, retries=1, backoff=0.01
    )
    assert chat_json(config, [{"role": "user", "content": "hi"}]) is None
    assert analyze(calls["mr-002"], ["intent"], AnalysisOptions(llm=config))["intent"] == (
        "complaint"
    )


@pytest.mark.parametrize(
    "answer",
    [
        {"intent": "complaint", "intent_confidence": 7},
        {"sentiment": {"customer": True, "agent": 0, "overall": 0}},
        {"summary": "ok"},
    ],
)
def test_validate_rejects_out_of_contract_values(answer: dict[str, object]) -> None:
    out = validate(answer, set(FEATURES), load_taxonomy())
    assert "sentiment" not in out and "summary" not in out
    if "intent" in out:
        assert out["intent_confidence"] == 0.8  # a bad confidence is replaced, not trusted


def test_options_from_settings_needs_url_key_and_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from neuronlens.config import Settings

    monkeypatch.setenv("NEURONLENS_LLM_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("NEURONLENS_LLM_API_KEY", "k")
    assert options_from_settings(Settings()).llm is None
    monkeypatch.setenv("NEURONLENS_LLM_MODEL", "m")
    options = options_from_settings(Settings())
    assert options.llm is not None and options.llm.endpoint.endswith("/v1/chat/completions")
    assert options.llm.api_key == "k"
