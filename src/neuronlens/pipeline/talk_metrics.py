"""Talk time, silence, overlap and interruptions from a speaker-attributed transcript."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from neuronlens.domain import Segment, TalkMetrics

BRIDGE_SECONDS = 0.5
"""Pauses between one speaker's words shorter than this still count as talking."""
INTERRUPT_MARGIN = 0.2
"""A start this long before the other speaker's talk ends is an interruption, not a handover."""

Interval = tuple[float, float]


def _union(intervals: list[Interval], bridge: float = 0.0) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + bridge:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _length(intervals: list[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def talk_intervals(segments: Sequence[Segment]) -> dict[str, list[Interval]]:
    """Each speaker's talking stretches: word times (segment times without words), bridged."""
    raw: dict[str, list[Interval]] = {}
    for segment in segments:
        items = [(w.start, w.end) for w in segment.words] or [(segment.start, segment.end)]
        raw.setdefault(segment.speaker, []).extend((s, max(s, e)) for s, e in items)
    return {speaker: _union(spans, BRIDGE_SECONDS) for speaker, spans in raw.items()}


def _overlap(intervals: dict[str, list[Interval]]) -> float:
    """Time covered by at least two speakers (a sweep over interval ends)."""
    events = sorted(
        (time, delta)
        for spans in intervals.values()
        for start, end in spans
        for time, delta in ((start, 1), (end, -1))
    )
    total, active, previous = 0.0, 0, 0.0
    for time, delta in events:
        if active >= 2:
            total += time - previous
        active += delta
        previous = time
    return total


def _interruptions(intervals: dict[str, list[Interval]]) -> dict[str, int]:
    counts = {speaker: 0 for speaker in intervals}
    for speaker, spans in intervals.items():
        others = _union([span for o, v in intervals.items() if o != speaker for span in v])
        starts = [start for start, _ in others]
        for start, _ in spans:
            index = bisect.bisect_left(starts, start) - 1  # the others' stretch begun before
            if index >= 0 and start < others[index][1] - INTERRUPT_MARGIN:
                counts[speaker] += 1
    return counts


def talk_metrics(segments: Sequence[Segment], duration: float) -> TalkMetrics:
    """The call's talk metrics (seconds, rounded to milliseconds)."""
    intervals = talk_intervals(segments)
    everyone = _union([span for spans in intervals.values() for span in spans])
    talk = _length(everyone)
    edges = [0.0, *[t for span in everyone for t in span], max(duration, 0.0)]
    gaps = [edges[i + 1] - edges[i] for i in range(0, len(edges) - 1, 2)]
    by_speaker = _interruptions(intervals)
    return TalkMetrics(
        talk_time_by_speaker={s: round(_length(v), 3) for s, v in intervals.items()},
        total_talk_time=round(talk, 3),
        non_talk_time=round(max(0.0, duration - talk), 3),
        overlap_time=round(_overlap(intervals), 3),
        interruptions=sum(by_speaker.values()),
        interruptions_by_speaker=by_speaker,
        longest_silence=round(max([0.0, *gaps]), 3),
    )
