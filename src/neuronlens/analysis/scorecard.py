"""QA scoring: a transcript judged against a scorecard, with evidence for every result.

``required`` and ``prohibited`` criteria are judged sentence by sentence over what the agent
said, by two embedded signals that need no network:
- the concept cue lexicon the criterion's examples point to (``qa_concepts``), and
- phonetic n-gram containment of an example in the sentence (``phonetic``), which matches
  across scripts, ASR misspellings, word splits and small paraphrases.
Metric criteria (silence, talk share, interruptions) are measured from segment times. An LLM,
when configured, may judge required/prohibited criteria (``qa_llm``); anything it does not
answer validly, with evidence, falls back to the embedded judgement.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from neuronlens.analysis.analyze import options_from_settings
from neuronlens.analysis.llm import LLMConfig
from neuronlens.analysis.phonetic import containment, grams, joined_grams, phonetic
from neuronlens.analysis.qa_concepts import Concept, concept_for
from neuronlens.analysis.qa_llm import llm_judgements
from neuronlens.analysis.qa_metrics import judge_metric
from neuronlens.analysis.qa_types import FAIL, NA, PASS, Judgement, Unit
from neuronlens.analysis.roles import agent_label
from neuronlens.analysis.text import normalize, sentences
from neuronlens.config import Settings
from neuronlens.domain import Criterion, CriterionKind, Scorecard, StoredScorecard, Transcript

REQUIRED_SIMILARITY = 0.8
"""How much of an example a sentence must contain to count as saying it (see ``similarity``)."""
PROHIBITED_SIMILARITY = 0.85
"""Higher for prohibited phrases: a false "rude" verdict fails the whole call."""
OPENING_TURNS = 2
"""The agent's first turns, where opening behaviour (greeting, name, recording notice) belongs."""


@dataclass(frozen=True)
class ScoringOptions:
    """How to judge: an optional LLM, and how much of the call a fail's evidence points at."""

    llm: LLMConfig | None = None
    fail_evidence_turns: int = 2


def agent_units(transcript: Transcript) -> list[Unit]:
    """The agent's sentences (every speaker's when roles cannot be told apart)."""
    agent = agent_label(transcript)
    units: list[Unit] = []
    turn = -1
    for index, segment in enumerate(transcript.segments):
        if agent is not None and segment.speaker != agent:
            continue
        turn += 1
        parts = sentences(segment.text) or [segment.text]
        total = max(1, sum(len(p) for p in parts))
        clock, span = segment.start, max(0.0, segment.end - segment.start)
        for part in parts:
            key = phonetic(part)
            # Sentence times are interpolated by length: good enough to point at the line.
            length = span * len(part) / total
            units.append(
                Unit(
                    segment_index=index,
                    turn=turn,
                    start=round(clock, 3),
                    end=round(clock + length, 3),
                    text=part,
                    normalised=normalize(part),
                    grams=frozenset(grams(key)),
                    joined=frozenset(joined_grams(key)),
                )
            )
            clock += length
    return units


Example = tuple[frozenset[str], frozenset[str]]


def _example_grams(criterion: Criterion) -> tuple[Example, ...]:
    return _grams_of(tuple(text for texts in criterion.examples.values() for text in texts))


@lru_cache(maxsize=1024)
def _grams_of(texts: tuple[str, ...]) -> tuple[Example, ...]:
    keys = [phonetic(text) for text in texts]
    return tuple((frozenset(grams(k)), frozenset(joined_grams(k))) for k in keys if k)


def similarity(unit: Unit, examples: tuple[Example, ...]) -> float:
    """How completely the closest example is contained in the sentence (0..1): the mean of
    word-bounded trigram and space-free bigram containment (the latter forgives ASR's word
    splits and merges, the former keeps short common bigrams from matching anywhere)."""
    return max(
        ((containment(tri, unit.grams) + containment(bi, unit.joined)) / 2 for tri, bi in examples),
        default=0.0,
    )


def _window(criterion: Criterion, concept: Concept | None, units: list[Unit]) -> list[Unit]:
    """The sentences where the criterion can be met."""
    if criterion.within_seconds is not None:
        return [u for u in units if u.start < criterion.within_seconds]
    if concept is not None and concept.position == "start":
        return [u for u in units if u.turn < OPENING_TURNS]
    return units


def _where_expected(
    criterion: Criterion, concept: Concept | None, units: list[Unit], turns: int
) -> tuple[Unit, ...]:
    """For a fail: the agent's lines where the behaviour should have happened."""
    position = concept.position if concept is not None else "any"
    if criterion.within_seconds is not None or position == "start":
        chosen = _window(criterion, concept, units) or units[:1]
    elif position == "early":
        # Right after the opening, where the customer's issue is first answered.
        chosen = [u for u in units if 1 <= u.turn <= turns] or units[:1]
    elif position == "end":
        last = max(u.turn for u in units)
        chosen = [u for u in units if u.turn > last - turns]
    else:
        return ()
    one_per_line = {u.segment_index: u for u in reversed(chosen)}  # a line's first sentence
    return tuple(sorted(one_per_line.values(), key=lambda u: u.start))[: max(turns, 1)]


def judge_required(criterion: Criterion, units: list[Unit], options: ScoringOptions) -> Judgement:
    """``required``/``within_seconds``: pass on the first sentence that says it."""
    if not units:
        return Judgement(NA, ())
    concept = concept_for(criterion)
    examples = _example_grams(criterion)
    window = _window(criterion, concept, units)
    best: tuple[float, Unit] | None = None
    for unit in window:
        if concept is not None and concept.match(unit.normalised, unit.text):
            return Judgement(PASS, (unit,), 1.0)
        score = similarity(unit, examples)
        if best is None or score > best[0]:
            best = (score, unit)
    if best is not None and best[0] >= REQUIRED_SIMILARITY:
        return Judgement(PASS, (best[1],), round(best[0], 3))
    evidence = _where_expected(criterion, concept, units, options.fail_evidence_turns)
    if not evidence and best is not None:
        evidence = (best[1],)  # the closest the agent came
    return Judgement(FAIL, evidence, round(best[0], 3) if best else 0.0)


def judge_prohibited(criterion: Criterion, units: list[Unit]) -> Judgement:
    """``prohibited``: fail with every sentence that says it; pass (evidence: none) otherwise."""
    if not units:
        return Judgement(NA, ())
    concept = concept_for(criterion)
    examples = _example_grams(criterion)
    offending = tuple(
        u
        for u in units
        if (concept is not None and concept.match(u.normalised, u.text))
        or similarity(u, examples) >= PROHIBITED_SIMILARITY
    )
    return Judgement(FAIL, offending) if offending else Judgement(PASS, ())


def embedded_judgement(
    criterion: Criterion, transcript: Transcript, units: list[Unit], options: ScoringOptions
) -> Judgement:
    """The embedded method's verdict on one criterion."""
    if criterion.kind in (CriterionKind.REQUIRED.value, CriterionKind.WITHIN_SECONDS.value):
        return judge_required(criterion, units, options)
    if criterion.kind == CriterionKind.PROHIBITED.value:
        return judge_prohibited(criterion, units)
    result, evidence, value = judge_metric(criterion, transcript)
    return Judgement(result, tuple(_unit_for(transcript, i, s, e) for i, s, e in evidence), value)


def _unit_for(transcript: Transcript, index: int, start: float, end: float) -> Unit:
    segment = transcript.segments[index]
    return Unit(index, 0, round(start, 3), round(end, 3), segment.text, "", frozenset())


def score_call(
    transcript: Transcript, scorecard: Scorecard, options: ScoringOptions | None = None
) -> dict[str, Any]:
    """The ``qa`` result (SPEC §2) of a transcript under a scorecard."""
    options = options or ScoringOptions()
    units = agent_units(transcript)
    llm: dict[str, Judgement] = {}
    if options.llm is not None:
        llm = llm_judgements(transcript, scorecard, options.llm)
    criteria = []
    for criterion in scorecard.criteria:
        judgement = llm.get(criterion.id)
        if judgement is None:
            judgement = embedded_judgement(criterion, transcript, units, options)
        elif judgement.result == FAIL and not judgement.evidence:
            # The LLM need not say where a missing behaviour belonged; the embedded method can.
            fallback = embedded_judgement(criterion, transcript, units, options)
            judgement = replace(judgement, evidence=fallback.evidence)
        criteria.append(_criterion_result(criterion, judgement))
    return summarise(scorecard, criteria)


def score_stored(
    transcript: Transcript, stored: StoredScorecard, options: ScoringOptions | None = None
) -> dict[str, Any]:
    """The job's ``qa`` field: the score plus which scorecard version produced it."""
    result = score_call(transcript, stored.definition, options)
    return {"scorecard_id": stored.id, "scorecard_version": stored.version, **result}


def scoring_options(settings: Settings) -> ScoringOptions:
    """Scoring options from the settings (the same optional LLM as the other analysis)."""
    return ScoringOptions(llm=options_from_settings(settings).llm)


def _criterion_result(criterion: Criterion, judgement: Judgement) -> dict[str, Any]:
    weight = _plain(criterion.weight)
    out: dict[str, Any] = {
        "id": criterion.id,
        "question": criterion.question,
        "kind": criterion.kind,
        "fatal": criterion.fatal,
        "result": judgement.result,
        "score": weight if judgement.result == PASS else 0,
        "weight": weight,
        "evidence": [
            {"segment_index": u.segment_index, "start": u.start, "end": u.end, "text": u.text}
            for u in judgement.evidence
        ],
        "method": judgement.method,
    }
    if judgement.value is not None:
        out["value"] = judgement.value
    return out


def summarise(scorecard: Scorecard, criteria: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over criterion results: ``na`` leaves the maximum, a fatal fail fails the call."""
    applicable = [c for c in criteria if c["result"] != NA]
    score = sum(c["score"] for c in applicable)
    max_score = sum(c["weight"] for c in applicable)
    percentage = round(100.0 * score / max_score, 1) if max_score else 0.0
    fatal_failed = any(c["fatal"] and c["result"] == FAIL for c in criteria)
    return {
        "scorecard_name": scorecard.name,
        "score": _plain(score),
        "max_score": _plain(max_score),
        "percentage": percentage,
        "pass_threshold": _plain(scorecard.pass_threshold),
        # With every criterion "na" there is nothing to pass on: such a call does not pass.
        "passed": bool(max_score) and percentage >= scorecard.pass_threshold and not fatal_failed,
        "fatal_failed": fatal_failed,
        "criteria": criteria,
    }


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)
