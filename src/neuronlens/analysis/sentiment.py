"""Per-speaker and overall call sentiment in [-1, 1], with a per-quarter timeline."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.outcome import Outcome, call_outcome
from neuronlens.analysis.phonetic import NO_SOUNDS, SoundCues, find_spoken_cues, sound_cues
from neuronlens.analysis.roles import agent_label, customer_label
from neuronlens.analysis.text import Cue, Negators, compile_cue, compile_cues, find_cues, normalize
from neuronlens.domain import SENTIMENT_NEUTRAL_BAND, Segment, Transcript

_CLAUSE = re.compile(r"[.!?;,\u2014\u0964\u0965]+")
AGENT_BASELINE = 0.4
"""A professional agent's tone when nothing marks it either way."""
AGENT_LEXICAL = 0.6
AGENT_REFUSAL = 0.4
"""Agents repeat the customer's problem words ("fraud", "stolen"), so their own words weigh
less than the customer's; refusals pull them down. Fitted like the customer weights below."""
CUSTOMER_SHARE = 0.7
"""The overall score is this share the customer's feeling, the rest the agent's."""
# How the customer's score combines its evidence: their own words (lexical), the intent's
# typical feeling (prior), the agent's refusals, whether the agent resolved or moved the
# request forward, and whether the customer threatened to go elsewhere. Fitted by grid search
# on bench/nlp.py's tuning split only (a plateau: neighbouring values score within 2 points).
CUSTOMER_LEXICAL = 0.7
CUSTOMER_PRIOR = 1.2
CUSTOMER_REFUSAL = 0.3
CUSTOMER_RESOLVED = 0.2
CUSTOMER_THREAT = 0.3


@dataclass(frozen=True)
class Lexicon:
    """Compiled sentiment cues, each carrying its signed weight: polar words, refusals,
    negation. The polar and refusal cues long enough also match by sound (ASR spellings)."""

    polar: tuple[Cue, ...]
    refusal: tuple[Cue, ...]
    negators: Negators
    intensifiers: tuple[Cue, ...]
    polar_sounds: SoundCues = NO_SOUNDS
    refusal_sounds: SoundCues = NO_SOUNDS


def _weighted(table: dict[str, dict[str, float]], sign: float) -> list[Cue]:
    return [
        compile_cue(phrase, sign * float(weight))
        for phrases in table.values()
        for phrase, weight in phrases.items()
    ]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The built-in sentiment lexicon (``data/sentiment.json``)."""
    text = (resources.files("neuronlens.analysis") / "data" / "sentiment.json").read_text(
        encoding="utf-8"
    )
    data: dict[str, Any] = json.loads(text)
    polar = _weighted(data["positive"], 1.0) + _weighted(data["negative"], -1.0)
    refusal = _weighted(data["refusal"], -1.0)
    negators = Negators(
        before=compile_cues(data["negators"]["before"]),
        after=compile_cues(data["negators"]["after"]),
    )
    return Lexicon(
        tuple(polar),
        tuple(refusal),
        negators,
        compile_cues(data["intensifiers"]),
        sound_cues(polar),
        sound_cues(refusal),
    )


def segment_polarity(text: str, lexicon: Lexicon | None = None) -> tuple[float, float]:
    """(polarity, refusal) evidence of one utterance: signed sums of cue weights."""
    if lexicon is None or lexicon is load_lexicon():
        # The analysers ask about the same utterance several times (speaker score, refusals,
        # timeline); with the built-in lexicon the answer depends on the text alone.
        return _builtin_polarity(text)
    return _polarity(text, lexicon)


@lru_cache(maxsize=4096)
def _builtin_polarity(text: str) -> tuple[float, float]:
    return _polarity(text, load_lexicon())


def _polarity(text: str, lexicon: Lexicon) -> tuple[float, float]:
    polarity = refusal = 0.0
    # Negation does not reach across a clause break: in "No, that's it. Thanks" the "no"
    # answers a question and must not flip the thanks.
    for clause in _CLAUSE.split(text):
        normalised = normalize(clause)
        if normalised:
            polarity += _score(
                normalised, lexicon.polar, lexicon.polar_sounds, lexicon, negate=True
            )
            refusal += _score(
                normalised, lexicon.refusal, lexicon.refusal_sounds, lexicon, negate=False
            )
    return polarity, refusal


def _score(
    normalised: str, table: tuple[Cue, ...], sounds: SoundCues, lexicon: Lexicon, *, negate: bool
) -> float:
    hits = [
        (start, end, cue.weight) for cue, start, end in find_spoken_cues(normalised, table, sounds)
    ]
    # Longest match first; a shorter cue inside it is the same words, not more evidence
    # ("thank you so much" is one thanks, "कोई बात नहीं" is not a negated "बात").
    hits.sort(key=lambda hit: hit[0] - hit[1])
    taken: list[tuple[int, int]] = []
    total = 0.0
    for start, end, weight in hits:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        span = normalised[start:end]
        idiom = any(
            c.pattern.search(span) for c in lexicon.negators.after + lexicon.negators.before
        )
        if negate and not idiom and lexicon.negators.negated(normalised, start, end):
            weight = -0.8 * weight  # "not happy" is negative, "not bad" only mildly positive
        before = normalised[max(0, start - 12) : start]
        if find_cues(before, lexicon.intensifiers):
            weight *= 1.3
        total += weight
    return total


def _squash(value: float, scale: float = 1.5) -> float:
    return math.tanh(value / scale)


def _speaker_score(segments: list[Segment], duration: float, lexicon: Lexicon) -> float:
    total, weights, evidence = 0.0, 0.0, 0
    for index, segment in enumerate(segments):
        polarity, _ = segment_polarity(segment.text, lexicon)
        if polarity == 0:
            continue  # neutral turns (numbers, verification) say nothing about feelings
        # How the call ends matters most: later turns weigh more, the last two most.
        weight = 1.0 + (segment.start / duration if duration > 0 else 0.0)
        if index >= len(segments) - 2:
            weight *= 1.5
        total += weight * _squash(polarity, 1.2)
        weights += weight
        evidence += 1
    if not evidence:
        return 0.0
    # Shrink towards neutral when only one or two turns carried any sentiment.
    return (total / weights) * evidence / (evidence + 1.0)


def _clip(value: float) -> float:
    return round(max(-1.0, min(1.0, value)), 2)


def label_for(score: float) -> str:
    """positive / neutral / negative for a score."""
    if score > SENTIMENT_NEUTRAL_BAND:
        return "positive"
    if score < -SENTIMENT_NEUTRAL_BAND:
        return "negative"
    return "neutral"


def analyze_sentiment(
    transcript: Transcript, prior: float = 0.0, outcome: Outcome | None = None
) -> dict[str, Any]:
    """{"overall", "speakers": {label: score}, "label", "timeline": [per quarter]}.

    ``prior`` is the typical customer feeling for the detected intent (a fraud victim is
    distressed even when polite); it shifts the customer's score, not the agent's. ``outcome``
    (computed when not given) adds how the call went: resolved, refused, customer threats."""
    lexicon = load_lexicon()
    outcome = outcome or call_outcome(transcript)
    duration = transcript.duration or max((s.end for s in transcript.segments), default=0.0)
    by_speaker: dict[str, list[Segment]] = {}
    for segment in transcript.segments:
        by_speaker.setdefault(segment.speaker, []).append(segment)
    customer, agent = customer_label(transcript), agent_label(transcript)
    refusals = _squash(
        sum(segment_polarity(s.text, lexicon)[1] for s in by_speaker.get(agent or "", [])), 2.0
    )
    speakers: dict[str, float] = {}
    for label, segments in by_speaker.items():
        score = _speaker_score(segments, duration, lexicon)
        if label == customer:
            # An unhelped customer ends unhappy even if polite: agent refusals pull down,
            # a resolved request lifts, a threat to go elsewhere marks a bad ending.
            score = (
                CUSTOMER_LEXICAL * score
                + CUSTOMER_PRIOR * prior
                + CUSTOMER_REFUSAL * refusals
                + CUSTOMER_RESOLVED * (outcome.resolved and not outcome.refused)
                - CUSTOMER_THREAT * outcome.customer_threatened
            )
        elif label == agent:
            # Agents are courteous by default; refusals and rudeness are what move them.
            score = AGENT_BASELINE + AGENT_LEXICAL * score + AGENT_REFUSAL * refusals
        speakers[label] = _clip(score)
    overall = _overall(speakers, customer, agent)
    return {
        "overall": overall,
        "speakers": speakers,
        "label": label_for(overall),
        "timeline": timeline(transcript, lexicon),
    }


def _overall(speakers: dict[str, float], customer: str | None, agent: str | None) -> float:
    if not speakers:
        return 0.0
    if customer in speakers and agent in speakers:
        # The call is judged mostly by how the customer felt.
        return _clip(CUSTOMER_SHARE * speakers[customer] + (1 - CUSTOMER_SHARE) * speakers[agent])
    return _clip(sum(speakers.values()) / len(speakers))


def timeline(
    transcript: Transcript, lexicon: Lexicon | None = None, parts: int = 4
) -> list[dict[str, Any]]:
    """Sentiment per quarter of the call: ``[{"quarter", "start", "end", "customer", "agent",
    "overall"}]``, from the words spoken in that quarter alone (no intent prior or outcome, so
    a dip shows where the call went bad); None where that speaker said nothing."""
    lexicon = lexicon or load_lexicon()
    duration = transcript.duration or max((s.end for s in transcript.segments), default=0.0)
    if duration <= 0:
        return []
    customer, agent = customer_label(transcript), agent_label(transcript)
    polarity = {id(s): _squash(segment_polarity(s.text, lexicon)[0]) for s in transcript.segments}
    out = []
    for part in range(parts):
        start, end = duration * part / parts, duration * (part + 1) / parts
        last = part == parts - 1

        def inside(
            segment: Segment, start: float = start, end: float = end, last: bool = last
        ) -> bool:
            middle = (segment.start + segment.end) / 2
            return start <= middle < end or (last and middle >= end)

        here = [s for s in transcript.segments if inside(s)]
        row: dict[str, Any] = {"quarter": part + 1, "start": round(start, 2), "end": round(end, 2)}
        for role, label in (("customer", customer), ("agent", agent)):
            scores = [polarity[id(s)] for s in here if label is not None and s.speaker == label]
            row[role] = _clip(sum(scores) / len(scores)) if scores else None
        if row["customer"] is not None and row["agent"] is not None:
            row["overall"] = _clip(
                CUSTOMER_SHARE * row["customer"] + (1 - CUSTOMER_SHARE) * row["agent"]
            )
        elif here:
            scores = [polarity[id(s)] for s in here]
            row["overall"] = _clip(sum(scores) / len(scores))
        else:
            row["overall"] = None
        out.append(row)
    return out
