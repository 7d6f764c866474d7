"""What the call pages show, computed from a job: plain values for the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neuronlens.dashboard.charts import LineChart, sentiment_chart
from neuronlens.domain import Job, JobStatus
from neuronlens.serialize import job_to_body

ROLE_CLASSES = {"agent": "agent", "customer": "customer"}


@dataclass(frozen=True)
class CallRow:
    """One line of the calls list."""

    id: str
    created_at: Any
    status: str
    language: str
    duration: float | None
    intent: str | None
    sentiment: float | None
    sentiment_of: str
    qa_percentage: float | None
    qa_passed: bool | None
    error_code: str | None


@dataclass(frozen=True)
class Line:
    """A transcript segment on the call page."""

    index: int
    speaker: str
    role: str
    start: float
    end: float
    text: str
    evidence_for: tuple[tuple[str, str], ...]
    """(criterion id, its result) for each QA criterion citing this line."""


@dataclass(frozen=True)
class Evidence:
    segment_index: int | None
    start: float | None
    end: float | None
    text: str


@dataclass(frozen=True)
class CriterionView:
    id: str
    question: str
    result: str
    score: float | None
    weight: float | None
    fatal: bool
    evidence: tuple[Evidence, ...]
    note: str | None


@dataclass(frozen=True)
class CallView:
    """Everything the call page renders."""

    body: dict[str, Any]
    lines: tuple[Line, ...]
    speakers: tuple[tuple[str, str, float | None], ...]
    chart: LineChart | None
    criteria: tuple[CriterionView, ...]
    qa: dict[str, Any] | None
    intent_candidates: tuple[tuple[str, float | None], ...] = field(default_factory=tuple)
    """Other likely intents, (id, confidence), after the chosen one."""

    @property
    def final(self) -> bool:
        return self.body["status"] in (JobStatus.COMPLETED.value, JobStatus.FAILED.value)


def role_of(speaker: str) -> str:
    """The CSS class of a speaker: agent, customer or other."""
    return ROLE_CLASSES.get(speaker, "other")


TIMELINE_FIELDS = {"start", "end", "quarter", "part", "index"}
SERIES_ORDER = {"agent": 0, "customer": 1, "overall": 3}


def timeline_series(timeline: list[Any]) -> list[tuple[str, str]]:
    """The (label, CSS class) of each line a sentiment timeline holds: its non-time keys."""
    labels: dict[str, None] = {}
    for row in timeline:
        if isinstance(row, dict):
            labels.update((k, None) for k in row if k not in TIMELINE_FIELDS)
    ordered = sorted(labels, key=lambda label: (SERIES_ORDER.get(label, 2), label))
    return [(label, "overall" if label == "overall" else role_of(label)) for label in ordered]


def _speaker_sentiment(sentiment: dict[str, Any]) -> tuple[float | None, str]:
    speakers = sentiment.get("speakers") or {}
    if isinstance(speakers.get("customer"), int | float):
        return float(speakers["customer"]), "customer"
    overall = sentiment.get("overall")
    return (float(overall) if isinstance(overall, int | float) else None), "overall"


def call_row(job: Job) -> CallRow:
    """The calls-list line of a job (no transcript needed)."""
    result = (job.result or {}) if job.status == JobStatus.COMPLETED else {}
    sentiment = result.get("sentiment")
    score, of = _speaker_sentiment(sentiment) if isinstance(sentiment, dict) else (None, "")
    qa = result.get("qa") if isinstance(result.get("qa"), dict) else None
    return CallRow(
        id=job.id,
        created_at=job.created_at,
        status=job.status.value,
        language=job.request.language,
        duration=job.duration,
        intent=result.get("intent"),
        sentiment=score,
        sentiment_of=of,
        qa_percentage=qa.get("percentage") if qa else None,
        qa_passed=qa.get("passed") if qa else None,
        error_code=job.error.code if job.error else None,
    )


def _evidence(raw: dict[str, Any]) -> Evidence:
    index = raw.get("segment_index")
    return Evidence(
        segment_index=index if isinstance(index, int) else None,
        start=raw.get("start"),
        end=raw.get("end"),
        text=str(raw.get("text") or ""),
    )


def _criteria(qa: dict[str, Any] | None) -> tuple[CriterionView, ...]:
    if not qa:
        return ()
    out = []
    for raw in qa.get("criteria") or []:
        out.append(
            CriterionView(
                id=str(raw.get("id", "")),
                question=str(raw.get("question") or raw.get("id", "")),
                result=str(raw.get("result", "na")),
                score=raw.get("score"),
                weight=raw.get("weight"),
                fatal=bool(raw.get("fatal")),
                evidence=tuple(_evidence(e) for e in raw.get("evidence") or []),
                note=raw.get("reason") or raw.get("note") or raw.get("explanation"),
            )
        )
    return tuple(out)


def call_view(job: Job) -> CallView:
    """The call page's content for a job."""
    body = job_to_body(job)
    qa = body.get("qa") if isinstance(body.get("qa"), dict) else None
    criteria = _criteria(qa)
    cited: dict[int, list[tuple[str, str]]] = {}
    for criterion in criteria:
        for item in criterion.evidence:
            if item.segment_index is not None:
                cited.setdefault(item.segment_index, []).append((criterion.id, criterion.result))
    lines = tuple(
        Line(
            index=i,
            speaker=str(seg.get("speaker", "")),
            role=role_of(str(seg.get("speaker", ""))),
            start=float(seg.get("start", 0.0)),
            end=float(seg.get("end", 0.0)),
            text=str(seg.get("text", "")),
            evidence_for=tuple(cited.get(i, ())),
        )
        for i, seg in enumerate(body.get("transcript") or [])
    )
    sentiment = body.get("sentiment") if isinstance(body.get("sentiment"), dict) else None
    speakers: tuple[tuple[str, str, float | None], ...] = ()
    chart = None
    if sentiment:
        speakers = tuple(
            (label, role_of(label), score)
            for label, score in sorted((sentiment.get("speakers") or {}).items())
        )
        timeline = sentiment.get("timeline")
        if isinstance(timeline, list) and timeline:
            chart = sentiment_chart(timeline, timeline_series(timeline))
    candidates = body.get("intent_candidates")
    return CallView(
        body=body,
        lines=lines,
        speakers=speakers,
        chart=chart,
        criteria=criteria,
        qa=qa,
        intent_candidates=tuple(
            (str(c.get("id")), c.get("confidence"))
            for c in candidates or []
            if isinstance(c, dict) and c.get("id") and c.get("id") != body.get("intent")
        ),
    )
