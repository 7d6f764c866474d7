"""Webhook values passed between the store, the sender, the API and the dashboard."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from neuronlens.errors import Conflict, ValidationFailed

JOB_COMPLETED = "transcription.completed"
JOB_FAILED = "transcription.failed"
TEST_EVENT = "webhook.test"
EVENT_TYPES = (JOB_COMPLETED, JOB_FAILED)
"""What an endpoint can subscribe to (the test event goes to whichever endpoint asks)."""


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class InvalidWebhookURL(ValidationFailed):
    """A webhook URL that is malformed or points where NeuronLens refuses to send."""

    code = "invalid_webhook_url"


class UnknownEventType(ValidationFailed):
    code = "unknown_event_type"


class EndpointDisabled(Conflict):
    """The endpoint is disabled (by its owner or after a 410); enable it before sending."""

    code = "webhook_endpoint_disabled"


class DeliveryInProgress(Conflict):
    code = "webhook_delivery_pending"


@dataclass(frozen=True)
class WebhookEndpoint:
    """A registered receiver; its secret is never part of this value."""

    id: str
    account_id: str
    url: str
    events: tuple[str, ...] | None
    """None: every event type."""
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    previous_secret_expires_at: datetime | None
    """While set and in the future, deliveries are also signed with the previous secret."""

    def wants(self, event_type: str) -> bool:
        """Whether this endpoint subscribes to ``event_type``."""
        return self.events is None or event_type in self.events


@dataclass(frozen=True)
class NewEndpointSecret:
    """An endpoint with its raw secret: shown once, at creation or rotation."""

    endpoint: WebhookEndpoint
    secret: str


@dataclass(frozen=True)
class SigningSecret:
    """The account's secret for deliveries to a job's own ``webhook_url``."""

    account_id: str
    secret: str
    created_at: datetime
    rotated_at: datetime | None
    previous_secret_expires_at: datetime | None


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt of a delivery, as logged."""

    number: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None
    response_body: str | None


@dataclass(frozen=True)
class Delivery:
    """One event on its way to one target, with every attempt so far."""

    id: str
    account_id: str
    event_id: str
    event_type: str
    job_id: str | None
    endpoint_id: str | None
    url: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    replay_of: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: tuple[Attempt, ...] = ()


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[Delivery]
    next_cursor: str | None


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery a sender holds the lease on, with what it needs to send it."""

    id: str
    account_id: str
    event_id: str
    endpoint_id: str | None
    url: str
    payload: str
    attempt: int
    """This attempt's number (1 for the first)."""
    secrets: tuple[str, ...]
    """Sign with each: the current secret, then a previous one still in its grace period."""
    refusal: str | None = None
    """Set when the delivery must not be sent (endpoint disabled meanwhile)."""


@dataclass(frozen=True)
class AttemptResult:
    """What happened to one HTTP attempt."""

    status_code: int | None
    latency_ms: float
    error: str | None = None
    response_body: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    """For failures without a response: True when retrying cannot help (a refused address)."""
