"""``/webhook-endpoints``, ``/webhook-deliveries`` and ``/webhook-signing-secret`` (SPEC §3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from neuronlens.api.deps import AccountDep, ServicesDep
from neuronlens.api.webhook_schemas import (
    CONFLICT,
    DeletedEndpointOut,
    DeliveryListOut,
    DeliveryOut,
    EndpointCreate,
    EndpointListOut,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecretOut,
    SigningSecretOut,
    delivery_to_json,
    endpoint_to_json,
    new_secret_to_json,
    signing_secret_to_json,
)
from neuronlens.jobs.webhooks import webhook_store
from neuronlens.storage.webhooks import WebhookStore

router = APIRouter(tags=["webhooks"])

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=80)]


def store(services: ServicesDep) -> WebhookStore:
    """The webhook store over the service's database."""
    return webhook_store(services.ctx)


@router.post("/webhook-endpoints", status_code=201, response_model=EndpointWithSecretOut)
def create_endpoint(
    body: EndpointCreate, account: AccountDep, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """Register a receiver; the answer holds its signing ``secret``, shown only this once."""
    new = store(services).create_endpoint(account.id, body.url, list(body.events or []))
    response.headers["Location"] = f"/webhook-endpoints/{new.endpoint.id}"
    return new_secret_to_json(new)


@router.get("/webhook-endpoints", response_model=EndpointListOut)
def list_endpoints(account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """The account's endpoints, oldest first."""
    return {"data": [endpoint_to_json(e) for e in store(services).list_endpoints(account.id)]}


@router.get("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut)
def get_endpoint(endpoint_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """One endpoint (without its secret)."""
    return endpoint_to_json(store(services).get_endpoint(account.id, endpoint_id))


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut)
def update_endpoint(
    endpoint_id: str, body: EndpointUpdate, account: AccountDep, services: ServicesDep
) -> dict[str, Any]:
    """Change the URL or events, or re-enable an endpoint disabled after a 410."""
    given = body.model_fields_set
    endpoint = store(services).update_endpoint(
        account.id,
        endpoint_id,
        url=body.url,
        events=list(body.events) if body.events else None,
        all_events="events" in given and not body.events,
        enabled=body.enabled,
    )
    return endpoint_to_json(endpoint)


@router.delete("/webhook-endpoints/{endpoint_id}", response_model=DeletedEndpointOut)
def delete_endpoint(endpoint_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """Delete an endpoint with its queued and past deliveries."""
    store(services).delete_endpoint(account.id, endpoint_id)
    return {"id": endpoint_id, "deleted": True}


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecretOut)
def rotate_endpoint_secret(
    endpoint_id: str, account: AccountDep, services: ServicesDep
) -> dict[str, Any]:
    """A new secret (shown once); the old one also signs until ``previous_secret_expires_at``."""
    return new_secret_to_json(store(services).rotate_endpoint_secret(account.id, endpoint_id))


@router.post(
    "/webhook-endpoints/{endpoint_id}/test",
    status_code=202,
    response_model=DeliveryOut,
    responses=CONFLICT,
)
def send_test_event(endpoint_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """Queue a ``webhook.test`` event to this endpoint; follow it in its deliveries."""
    return delivery_to_json(store(services).send_test_event(account.id, endpoint_id))


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response_model=DeliveryListOut)
def list_endpoint_deliveries(
    endpoint_id: str,
    account: AccountDep,
    services: ServicesDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """This endpoint's deliveries, newest first, each with every attempt."""
    page = store(services).list_deliveries(
        account.id, endpoint_id=endpoint_id, limit=limit, cursor=cursor
    )
    return {"data": [delivery_to_json(d) for d in page.deliveries], "next_cursor": page.next_cursor}


@router.get("/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}", response_model=DeliveryOut)
def get_endpoint_delivery(
    endpoint_id: str, delivery_id: str, account: AccountDep, services: ServicesDep
) -> dict[str, Any]:
    """One delivery of this endpoint with its attempts."""
    found = store(services).get_delivery(account.id, delivery_id, endpoint_id=endpoint_id)
    return delivery_to_json(found)


@router.post(
    "/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryOut,
    responses=CONFLICT,
)
def replay_endpoint_delivery(
    endpoint_id: str, delivery_id: str, account: AccountDep, services: ServicesDep
) -> dict[str, Any]:
    """Send a finished delivery's event again (a new delivery, same ``webhook-id``)."""
    new = store(services).replay_delivery(account.id, delivery_id, endpoint_id=endpoint_id)
    return delivery_to_json(new)


@router.get("/webhook-deliveries", response_model=DeliveryListOut)
def list_deliveries(
    account: AccountDep,
    services: ServicesDep,
    job_id: Annotated[str | None, Query(max_length=80)] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Every delivery of the account (endpoints and jobs' own webhook_url), newest first."""
    page = store(services).list_deliveries(account.id, job_id=job_id, limit=limit, cursor=cursor)
    return {"data": [delivery_to_json(d) for d in page.deliveries], "next_cursor": page.next_cursor}


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryOut)
def get_delivery(delivery_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """One delivery with its attempts."""
    return delivery_to_json(store(services).get_delivery(account.id, delivery_id))


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryOut,
    responses=CONFLICT,
)
def replay_delivery(delivery_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """Send a finished delivery's event again (a new delivery, same ``webhook-id``)."""
    return delivery_to_json(store(services).replay_delivery(account.id, delivery_id))


@router.get("/webhook-signing-secret", response_model=SigningSecretOut)
def get_signing_secret(account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """The secret that signs deliveries to a job's own ``webhook_url``."""
    return signing_secret_to_json(store(services).signing_secret(account.id))


@router.post("/webhook-signing-secret/rotate", response_model=SigningSecretOut)
def rotate_signing_secret(account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """A new account signing secret; the previous one also signs during the grace period."""
    return signing_secret_to_json(store(services).rotate_signing_secret(account.id))
