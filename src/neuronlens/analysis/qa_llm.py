"""The optional LLM judge for ``required``/``prohibited`` criteria, under a strict JSON contract.

The model answers, per criterion id, a result and the transcript line numbers that justify it.
An answer is used only when it is well-formed and its evidence checks out (existing lines,
spoken by the agent, inside ``within_seconds``); anything else falls back to the embedded
judgement for that criterion. Metric criteria are always measured, never asked.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from neuronlens.analysis.llm import LLMConfig, chat_json
from neuronlens.analysis.qa_types import Judgement, Unit
from neuronlens.analysis.roles import agent_label
from neuronlens.domain import Criterion, CriterionKind, Scorecard, Transcript

JUDGED_KINDS = (
    CriterionKind.REQUIRED.value,
    CriterionKind.WITHIN_SECONDS.value,
    CriterionKind.PROHIBITED.value,
)
_MAX_LINES = 400
_MAX_EXAMPLES = 6

SYSTEM_PROMPT = (
    "You are a strict QA auditor of Indian contact-centre calls (Hindi, Tamil, Telugu, "
    "Marathi, English, often code-mixed, transcribed by ASR with errors). Judge only what the "
    "agent said. Answer with one JSON object only, no prose."
)


def build_messages(transcript: Transcript, criteria: list[Criterion]) -> list[dict[str, str]]:
    """The chat messages: numbered transcript lines and one question per criterion."""
    lines = [
        f"[{i}] {s.start:.1f}s {s.speaker}: {s.text}"
        for i, s in enumerate(transcript.segments[:_MAX_LINES])
    ]
    questions = []
    for c in criteria:
        examples = [text for texts in c.examples.values() for text in texts][:_MAX_EXAMPLES]
        rule = "must NEVER happen" if c.kind == CriterionKind.PROHIBITED.value else "must happen"
        timing = f" within the first {c.within_seconds:g} s" if c.within_seconds else ""
        questions.append(
            {"id": c.id, "question": c.question, "rule": rule + timing, "examples": examples}
        )
    contract = (
        '{"criteria": {"<id>": {"result": "pass" | "fail" | "na", "evidence": [line numbers], '
        '"reason": "one short sentence"}}}. For a required behaviour, "pass" needs the line(s) '
        'where the agent did it; for a prohibited one, "fail" needs the offending line(s). '
        '"na" only when the question cannot apply to this call.'
    )
    user = (
        f"Agent speaker label: {agent_label(transcript)}\n"
        f"Criteria:\n{json.dumps(questions, ensure_ascii=False)}\n\n"
        f"Return JSON: {contract}\n\nTranscript:\n" + "\n".join(lines)
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def validate(
    data: dict[str, Any], transcript: Transcript, criteria: list[Criterion]
) -> dict[str, tuple[str, list[int]]]:
    """The well-formed, evidence-backed answers: criterion id -> (result, line numbers)."""
    answers = data.get("criteria")
    if not isinstance(answers, dict):
        return {}
    agent = agent_label(transcript)
    segments = transcript.segments
    out: dict[str, tuple[str, list[int]]] = {}
    for c in criteria:
        answer = answers.get(c.id)
        if not isinstance(answer, dict) or answer.get("result") not in ("pass", "fail", "na"):
            continue
        evidence = answer.get("evidence", [])
        if not isinstance(evidence, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(segments)
            for i in evidence
        ):
            continue
        if agent is not None and any(segments[i].speaker != agent for i in evidence):
            continue
        result = answer["result"]
        prohibited = c.kind == CriterionKind.PROHIBITED.value
        needs_evidence = result == ("fail" if prohibited else "pass")
        if needs_evidence and not evidence:
            continue  # evidence is mandatory: an unbacked verdict is not trusted
        late = c.within_seconds is not None and any(
            segments[i].start >= c.within_seconds for i in evidence
        )
        if needs_evidence and late:
            continue
        out[c.id] = (result, sorted(set(evidence)))
    return out


def llm_judgements(
    transcript: Transcript,
    scorecard: Scorecard,
    config: LLMConfig,
    client: httpx.Client | None = None,
) -> dict[str, Judgement]:
    """The criteria the LLM judged validly (possibly none)."""
    criteria = [c for c in scorecard.criteria if c.kind in JUDGED_KINDS]
    if not criteria or not transcript.segments:
        return {}
    data = chat_json(config, build_messages(transcript, criteria), client)
    if not data:
        return {}
    out = {}
    for criterion_id, (result, lines) in validate(data, transcript, criteria).items():
        evidence = tuple(
            Unit(i, 0, s.start, s.end, s.text, "", frozenset())
            for i in lines
            for s in (transcript.segments[i],)
        )
        out[criterion_id] = Judgement(result, evidence, method="llm")
    return out
