"""Metric criteria measured from segment times: longest silence, agent talk share, interruptions.

Each returns (result, evidence, value); evidence items are (segment_index, start, end).
"""

from __future__ import annotations

from neuronlens.analysis.roles import agent_label, customer_label
from neuronlens.domain import Criterion, CriterionKind, Transcript

Evidence = list[tuple[int, float, float]]
DEFAULT_MIN_OVERLAP = 0.3
"""Seconds the agent must talk over the customer for it to count as an interruption."""


def longest_silence(transcript: Transcript) -> tuple[float, int | None]:
    """The longest gap with nobody speaking between the first and last speech, and the index
    of the segment that ends it (None when there is no gap)."""
    longest, after = 0.0, None
    speech_end: float | None = None
    for index, segment in enumerate(transcript.segments):
        if speech_end is not None and segment.start - speech_end > longest:
            longest, after = segment.start - speech_end, index
        speech_end = segment.end if speech_end is None else max(speech_end, segment.end)
    return longest, after


def agent_share(transcript: Transcript) -> float | None:
    """The agent's share of all speaking time (0..1), or None without two speakers."""
    agent, customer = agent_label(transcript), customer_label(transcript)
    if agent is None or customer is None:
        return None
    total = sum(max(0.0, s.end - s.start) for s in transcript.segments)
    talk = sum(max(0.0, s.end - s.start) for s in transcript.segments if s.speaker == agent)
    return talk / total if total > 0 else None


def interruptions(transcript: Transcript, min_overlap: float) -> Evidence | None:
    """Agent segments that start while the customer is still talking (by ``min_overlap``)."""
    agent, customer = agent_label(transcript), customer_label(transcript)
    if agent is None or customer is None:
        return None
    found: Evidence = []
    customer_turns = [s for s in transcript.segments if s.speaker == customer]
    for index, segment in enumerate(transcript.segments):
        if segment.speaker != agent:
            continue
        if any(c.start < segment.start < c.end - min_overlap for c in customer_turns):
            found.append((index, segment.start, segment.end))
    return found


def judge_metric(
    criterion: Criterion, transcript: Transcript
) -> tuple[str, Evidence, float | None]:
    """The verdict on one metric criterion."""
    segments = transcript.segments
    if criterion.kind == CriterionKind.MAX_SILENCE.value:
        if len(segments) < 2:
            return "na", [], None
        gap, after = longest_silence(transcript)
        evidence: Evidence = []
        if after is not None:
            evidence = [(after, round(segments[after].start - gap, 3), segments[after].start)]
        else:
            evidence = [(0, segments[0].start, segments[0].end)]
        verdict = "pass" if gap <= criterion.params["max_seconds"] else "fail"
        return verdict, evidence, round(gap, 2)
    if criterion.kind == CriterionKind.AGENT_TALK_SHARE.value:
        share = agent_share(transcript)
        if share is None:
            return "na", [], None
        low = criterion.params.get("min_share", 0.0)
        high = criterion.params.get("max_share", 1.0)
        agent = agent_label(transcript)
        longest = max(
            (i for i, s in enumerate(segments) if s.speaker == agent),
            key=lambda i: segments[i].end - segments[i].start,
        )
        evidence = [(longest, segments[longest].start, segments[longest].end)]
        return ("pass" if low <= share <= high else "fail"), evidence, round(share, 3)
    if criterion.kind == CriterionKind.INTERRUPTIONS.value:
        min_overlap = criterion.params.get("min_overlap_seconds", DEFAULT_MIN_OVERLAP)
        found = interruptions(transcript, min_overlap)
        if found is None:
            return "na", [], None
        verdict = "pass" if len(found) <= criterion.params["max_count"] else "fail"
        return verdict, found, float(len(found))
    raise ValueError(f"not a metric kind: {criterion.kind!r}")
