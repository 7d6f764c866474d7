"""Optional LLM backend: any OpenAI-compatible chat-completions endpoint, strict JSON contract.

Every answer is validated field by field; a field that is missing, out of range or not in the
taxonomy is dropped so the caller falls back to the embedded method for it. Calls are bounded:
a timeout per attempt, a few retries on transient failures only, never an exception upward.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

from neuronlens.analysis.intent import Taxonomy
from neuronlens.domain import Transcript

log = logging.getLogger(__name__)

_MAX_TRANSCRIPT_CHARS = 12_000
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to reach the chat-completions endpoint."""

    url: str
    """Base URL (``http://host/v1``) or the full ``.../chat/completions`` URL."""
    api_key: str
    model: str
    timeout: float = 20.0
    retries: int = 2
    """Extra attempts after a timeout, connection error, 429 or 5xx (not after bad JSON)."""
    backoff: float = 0.5

    @property
    def endpoint(self) -> str:
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


SYSTEM_PROMPT = (
    "You analyse transcripts of Indian contact-centre calls (Hindi, Tamil, Telugu, Marathi, "
    "English, often code-mixed). Answer with one JSON object only, no prose."
)


def build_messages(
    transcript: Transcript, features: set[str], taxonomy: Taxonomy
) -> list[dict[str, str]]:
    """The chat messages asking for exactly the requested fields."""
    lines = [f"{s.speaker}: {s.text}" for s in transcript.segments]
    text = "\n".join(lines)
    if len(text) > _MAX_TRANSCRIPT_CHARS:
        half = _MAX_TRANSCRIPT_CHARS // 2  # keep the opening (the request) and the end
        text = text[:half] + "\n[...]\n" + text[-half:]
    contract = {}
    if "summary" in features:
        contract["summary"] = (
            "2-4 plain English sentences for a supervisor: who called about what, key facts "
            "(amounts, dates, reference numbers), what the agent did or promised, how it ended"
        )
    if "intent" in features:
        contract["intent"] = "one id from the intent list: the customer's primary intent"
        contract["intent_confidence"] = "number 0..1"
    if "sentiment" in features:
        contract["sentiment"] = (
            '{"customer": -1..1, "agent": -1..1, "overall": -1..1} judged mostly by what the '
            "customer says and how the call ends; politeness alone is not positive"
        )
    intents = "\n".join(f"- {i.id}: {i.description}" for i in taxonomy.intents)
    user = (
        f"Language: {transcript.language}\nIntent ids:\n{intents}\n"
        "If the customer asks to be called back, the intent is callback_request; a request to "
        "stop promotional calls is dnd_request even inside a complaint.\n"
        f"Return JSON with keys: {json.dumps(contract, ensure_ascii=False)}\n\n"
        f"Transcript:\n{text}"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def chat_json(
    config: LLMConfig, messages: list[dict[str, str]], client: httpx.Client | None = None
) -> dict[str, Any] | None:
    """The JSON object the model answered, or None after bounded retries or on garbage."""
    body = {
        "model": config.model,
        "messages": messages,
        "temperature": 0,
        "response_format": {"type": "json_object"},
    }
    headers = {"Authorization": f"Bearer {config.api_key}"}
    own = client is None
    http = client or httpx.Client(timeout=config.timeout, follow_redirects=False)
    try:
        for attempt in range(config.retries + 1):
            if attempt:
                time.sleep(config.backoff * 2 ** (attempt - 1))
            try:
                response = http.post(
                    config.endpoint, json=body, headers=headers, timeout=config.timeout
                )
            except httpx.HTTPError as exc:  # timeouts, refused connections, protocol errors
                log.warning("LLM request failed (attempt %d): %s", attempt + 1, exc)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                log.warning("LLM answered %d (attempt %d)", response.status_code, attempt + 1)
                continue
            if response.status_code != 200:
                log.warning("LLM answered %d; not retrying", response.status_code)
                return None
            # A well-formed HTTP answer with a bad body will not improve on retry.
            return _parse(response)
        return None
    finally:
        if own:
            http.close()


def _parse(response: httpx.Response) -> dict[str, Any] | None:
    try:
        content = response.json()["choices"][0]["message"]["content"]
        data = json.loads(_FENCE.sub("", content.strip()))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        log.warning("LLM answer is not the expected JSON")
        return None
    return data if isinstance(data, dict) else None


def _score(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if -1.0 <= value <= 1.0 else None


def validate(data: dict[str, Any], features: set[str], taxonomy: Taxonomy) -> dict[str, Any]:
    """The valid subset of an LLM answer, in NeuronLens's result shape."""
    out: dict[str, Any] = {}
    summary = data.get("summary")
    if "summary" in features and isinstance(summary, str) and 20 <= len(summary.strip()) <= 2000:
        out["summary"] = summary.strip()
    intent = data.get("intent")
    if "intent" in features and isinstance(intent, str) and intent in taxonomy.ids:
        out["intent"] = intent
        confidence = _score(data.get("intent_confidence"))
        # A missing or out-of-range confidence is replaced, not trusted.
        out["intent_confidence"] = confidence if confidence is not None and confidence >= 0 else 0.8
    sentiment = data.get("sentiment")
    if "sentiment" in features and isinstance(sentiment, dict):
        scores = {key: _score(sentiment.get(key)) for key in ("customer", "agent", "overall")}
        if all(score is not None for score in scores.values()):
            out["sentiment"] = scores
    return out


def llm_analyze(
    transcript: Transcript,
    features: set[str],
    taxonomy: Taxonomy,
    config: LLMConfig,
    client: httpx.Client | None = None,
) -> dict[str, Any]:
    """The fields the LLM answered validly (possibly none)."""
    data = chat_json(config, build_messages(transcript, features, taxonomy), client)
    return validate(data, features, taxonomy) if data else {}
