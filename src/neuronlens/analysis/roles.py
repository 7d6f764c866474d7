"""Which speaker label is the customer: the analysers weigh what the customer says most."""

from __future__ import annotations

from neuronlens.domain import Transcript

AGENT, CUSTOMER = "agent", "customer"


def customer_label(transcript: Transcript) -> str | None:
    """The customer's speaker label: ``customer`` when roles are known; otherwise the speaker
    who did not open the call (contact-centre agents open with a greeting), or None."""
    labels = [segment.speaker for segment in transcript.segments]
    if CUSTOMER in labels:
        return CUSTOMER
    if AGENT in labels:
        others = [label for label in labels if label != AGENT]
        return others[0] if others else None
    distinct = list(dict.fromkeys(labels))
    return distinct[1] if len(distinct) > 1 else None


def agent_label(transcript: Transcript) -> str | None:
    """The agent's speaker label (``agent``, else the speaker who opened the call), or None."""
    labels = [segment.speaker for segment in transcript.segments]
    if AGENT in labels:
        return AGENT
    customer = customer_label(transcript)
    others = [label for label in dict.fromkeys(labels) if label != customer]
    return others[0] if others else None
