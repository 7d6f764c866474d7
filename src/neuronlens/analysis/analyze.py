"""The public entry points: ``analyze`` a transcript, and read transcripts from JSON."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from neuronlens.analysis.intent import detect_intent, load_taxonomy
from neuronlens.analysis.llm import LLMConfig, llm_analyze
from neuronlens.analysis.outcome import call_outcome
from neuronlens.analysis.roles import customer_label
from neuronlens.analysis.sentiment import analyze_sentiment, label_for, timeline
from neuronlens.analysis.summary import embedded_summary
from neuronlens.config import Settings
from neuronlens.domain import Segment, Transcript, Word

FEATURES = ("summary", "sentiment", "intent")
_SECONDS_PER_CHAR = 0.07
"""Synthetic timing for turns without times: roughly conversational speech rate."""


@dataclass(frozen=True)
class AnalysisOptions:
    """How to analyse: the intent taxonomy file (None = built-in) and an optional LLM."""

    taxonomy_path: str | None = None
    llm: LLMConfig | None = None


def options_from_settings(settings: Settings) -> AnalysisOptions:
    """Options from the settings; the LLM is used only when its URL, key and model are all set."""
    llm = None
    if settings.llm_url and settings.llm_api_key and settings.llm_model:
        llm = LLMConfig(
            url=settings.llm_url,
            api_key=settings.llm_api_key.get_secret_value(),
            model=settings.llm_model,
            timeout=settings.llm_timeout,
            retries=settings.llm_retries,
        )
    path = settings.intent_taxonomy_path
    return AnalysisOptions(taxonomy_path=str(path) if path else None, llm=llm)


def analyze(
    transcript: Transcript, features: Iterable[str], options: AnalysisOptions | None = None
) -> dict[str, Any]:
    """summary / sentiment / intent for the requested features (others are None)."""
    options = options or AnalysisOptions()
    wanted = {name for name in features if name in FEATURES}
    taxonomy = load_taxonomy(options.taxonomy_path)
    result: dict[str, Any] = {
        "summary": None,
        "sentiment": None,
        "intent": None,
        "intent_confidence": None,
        "intent_candidates": None,
    }
    if not wanted or not transcript.segments:
        return result
    llm = llm_analyze(transcript, wanted, taxonomy, options.llm) if options.llm else {}
    # Intent is computed whenever sentiment or summary need it, even if not requested.
    detected = detect_intent(transcript, taxonomy)
    intent = llm.get("intent", detected.intent)
    if "intent" in wanted:
        result["intent"] = intent
        result["intent_confidence"] = llm.get("intent_confidence", detected.confidence)
        result["intent_candidates"] = [
            {"id": intent_id, "confidence": share} for intent_id, share in detected.candidates
        ]
    entry = taxonomy.get(intent) if intent else None
    outcome = call_outcome(transcript)  # shared by sentiment and summary
    sentiment = analyze_sentiment(transcript, entry.sentiment_prior if entry else 0.0, outcome)
    if "sentiment" in llm:
        sentiment = _from_llm(transcript, llm["sentiment"], sentiment)
    if "sentiment" in wanted:
        result["sentiment"] = sentiment
    if "summary" in wanted:
        customer = customer_label(transcript)
        score = sentiment["speakers"].get(customer) if customer else sentiment["overall"]
        result["summary"] = llm.get("summary") or embedded_summary(
            transcript, intent, taxonomy, score, outcome
        )
    return result


def _from_llm(
    transcript: Transcript, scores: dict[str, float], embedded: dict[str, Any]
) -> dict[str, Any]:
    """The LLM's scores in the result shape (speaker labels as in the transcript)."""
    speakers = dict(embedded["speakers"])
    customer = customer_label(transcript)
    for label in speakers:
        role = "customer" if label == customer else "agent"
        speakers[label] = round(scores[role], 2)
    overall = round(scores["overall"], 2)
    return {
        "overall": overall,
        "speakers": speakers,
        "label": label_for(overall),
        "timeline": embedded.get("timeline") or timeline(transcript),
    }


def transcript_from_json(obj: Any, language: str = "und") -> Transcript:
    """A Transcript from a JSON array of segments, ``{"transcript": [...]}``, or a dialogue's
    ``{"turns": [...]}`` (times synthesised when absent); ValueError when the shape is wrong."""
    if isinstance(obj, dict):
        language = str(obj.get("language") or language)
        items = obj.get("transcript", obj.get("turns", obj.get("segments")))
    else:
        items = obj
    if not isinstance(items, list):
        raise ValueError("expected a list of segments, or an object with 'transcript'/'turns'")
    segments, clock = [], 0.0
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f"segment {index} needs a 'text' string")
        # A stored transcript's raw_text is what the recogniser wrote (text has digits for
        # spoken numbers): analyse what the pipeline analysed.
        raw = item.get("raw_text")
        text = raw if isinstance(raw, str) else item["text"]
        start = _float(item.get("start"), clock)
        end = _float(item.get("end"), start + max(1.0, len(text) * _SECONDS_PER_CHAR))
        words = tuple(
            Word(
                str(w.get("word", "")),
                _float(w.get("start"), start),
                _float(w.get("end"), end),
                _float(w.get("confidence"), 1.0),
            )
            for w in item.get("words") or ()
            if isinstance(w, dict)
        )
        speaker = str(item.get("speaker") or f"speaker_{index % 2 + 1}")
        segments.append(
            Segment(
                speaker, start, max(end, start), text, _float(item.get("confidence"), 1.0), words
            )
        )
        clock = max(end, start) + 0.3
    segments.sort(key=lambda s: s.start)
    duration = _float(
        obj.get("duration") if isinstance(obj, dict) else None,
        max((s.end for s in segments), default=0.0),
    )
    return Transcript(language=language, duration=duration, segments=tuple(segments))


def _float(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)
