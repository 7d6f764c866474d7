"""Request and response models of the webhook API, and the JSON form of webhook values."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neuronlens.serialize import isoformat
from neuronlens.storage.webhook_models import (
    Delivery,
    NewEndpointSecret,
    SigningSecret,
    WebhookEndpoint,
)

EventType = Literal["transcription.completed", "transcription.failed"]
WebhookURL = Annotated[str, Field(min_length=1, max_length=2048)]


class EndpointCreate(BaseModel):
    """The body of ``POST /webhook-endpoints``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "url": "https://crm.example.com/hooks/neuronlens",
                "events": ["transcription.completed", "transcription.failed"],
            }
        },
    )

    url: WebhookURL
    events: Annotated[list[EventType], Field(max_length=10)] | None = None
    """Omitted or empty: every event type."""


class EndpointUpdate(BaseModel):
    """The body of ``PATCH /webhook-endpoints/{id}``: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookURL | None = None
    events: Annotated[list[EventType], Field(max_length=10)] | None = None
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str] | None
    enabled: bool
    disabled_reason: str | None
    created_at: str
    updated_at: str
    previous_secret_expires_at: str | None


class EndpointWithSecretOut(EndpointOut):
    secret: str
    """``whsec_…``: shown only in this answer; store it now."""


class EndpointListOut(BaseModel):
    data: list[EndpointOut]


class AttemptOut(BaseModel):
    number: int
    attempted_at: str
    status_code: int | None
    latency_ms: float
    error: str | None
    response_body: str | None


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    job_id: str | None
    endpoint_id: str | None
    url: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    replay_of: str | None
    created_at: str
    delivered_at: str | None
    attempt_log: list[AttemptOut]


class DeliveryListOut(BaseModel):
    data: list[DeliveryOut]
    next_cursor: str | None


class SigningSecretOut(BaseModel):
    secret: str
    created_at: str
    rotated_at: str | None
    previous_secret_expires_at: str | None


class DeletedEndpointOut(BaseModel):
    id: str
    deleted: bool


class _ErrorDetail(BaseModel):
    code: str
    message: str


class WebhookErrorOut(BaseModel):
    """The API's one error shape (documents the 409s of these routes)."""

    error: _ErrorDetail


CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": WebhookErrorOut,
        "description": "The endpoint is disabled, or the delivery is still in progress",
    }
}


def endpoint_to_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as the API shows it (never its secret)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events) if endpoint.events else None,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": isoformat(endpoint.created_at),
        "updated_at": isoformat(endpoint.updated_at),
        "previous_secret_expires_at": isoformat(endpoint.previous_secret_expires_at),
    }


def new_secret_to_json(new: NewEndpointSecret) -> dict[str, Any]:
    """An endpoint with its freshly made secret."""
    return {**endpoint_to_json(new.endpoint), "secret": new.secret}


def delivery_to_json(delivery: Delivery) -> dict[str, Any]:
    """A delivery with its attempt log."""
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "job_id": delivery.job_id,
        "endpoint_id": delivery.endpoint_id,
        "url": delivery.url,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": isoformat(delivery.next_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "replay_of": delivery.replay_of,
        "created_at": isoformat(delivery.created_at),
        "delivered_at": isoformat(delivery.delivered_at),
        "attempt_log": [
            {
                "number": a.number,
                "attempted_at": isoformat(a.attempted_at),
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
                "response_body": a.response_body,
            }
            for a in delivery.attempt_log
        ],
    }


def signing_secret_to_json(secret: SigningSecret) -> dict[str, Any]:
    """The account signing secret (readable through the API, unlike endpoint secrets)."""
    return {
        "secret": secret.secret,
        "created_at": isoformat(secret.created_at),
        "rotated_at": isoformat(secret.rotated_at),
        "previous_secret_expires_at": isoformat(secret.previous_secret_expires_at),
    }
