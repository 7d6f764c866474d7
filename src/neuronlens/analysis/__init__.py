"""Call analysis over a Transcript: summary, sentiment and intent (embedded or via an LLM)."""

from neuronlens.analysis.analyze import (
    FEATURES,
    AnalysisOptions,
    analyze,
    options_from_settings,
    transcript_from_json,
)

__all__ = [
    "FEATURES",
    "AnalysisOptions",
    "analyze",
    "options_from_settings",
    "transcript_from_json",
]
