"""Settings → Webhooks: endpoints (create, enable/disable, rotate, test, delete) and deliveries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from neuronlens.api.deps import ServicesDep
from neuronlens.dashboard.auth import Viewer, ViewerDep
from neuronlens.dashboard.forms import PostViewerDep, see_other
from neuronlens.dashboard.render import not_found, page
from neuronlens.errors import NeuronLensError, NotFound
from neuronlens.storage.webhook_models import EVENT_TYPES
from neuronlens.storage.webhooks import WebhookStore

router = APIRouter(include_in_schema=False)
DELIVERIES_PER_PAGE = 20
DONE = {
    "test": "A test event was queued; it appears in the delivery log below.",
    "replayed": "The event was queued again as a new delivery.",
    "enabled": "The endpoint is enabled.",
    "disabled": "The endpoint is disabled: nothing is sent to it until you enable it.",
    "deleted": "The endpoint and its delivery log were deleted.",
    "signing_rotated": "The account signing secret was rotated; the old one signs too for a while.",
}
NOT_FOUND = "There is no such webhook endpoint in this account."


def _store(services: ServicesDep) -> WebhookStore:
    return WebhookStore.from_settings(services.repository.engine, services.settings)


def _list_page(
    request: Request,
    viewer: Viewer,
    services: ServicesDep,
    *,
    new_secret: tuple[str, str] | None = None,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    flash: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    store = _store(services)
    return page(
        request,
        "webhooks.html",
        viewer,
        status_code=status,
        nav="webhooks",
        endpoints=store.list_endpoints(viewer.account.id),
        signing=store.signing_secret(viewer.account.id),
        event_types=EVENT_TYPES,
        new_secret=new_secret,
        form=form or {"url": "", "events": []},
        error=error,
        flash=flash,
    )


@router.get("/settings/webhooks", response_class=HTMLResponse)
def webhooks(
    request: Request, viewer: ViewerDep, services: ServicesDep, done: str = ""
) -> Response:
    """The account's webhook endpoints."""
    return _list_page(request, viewer, services, flash=DONE.get(done))


@router.post("/settings/webhooks", response_class=HTMLResponse)
async def create_endpoint(
    request: Request, viewer: PostViewerDep, services: ServicesDep
) -> Response:
    """Register an endpoint; its signing secret is shown this once."""
    form = await request.form()
    url = str(form.get("url") or "").strip()
    events = [str(e) for e in form.getlist("events")]
    try:
        created = _store(services).create_endpoint(viewer.account.id, url, events or None)
    except NeuronLensError as exc:
        values = {"url": url, "events": events}
        return _list_page(request, viewer, services, form=values, error=exc.message, status=422)
    return _list_page(request, viewer, services, new_secret=(created.endpoint.id, created.secret))


@router.post("/settings/webhooks/signing-secret/rotate")
def rotate_signing_secret(viewer: PostViewerDep, services: ServicesDep) -> Response:
    """Rotate the account's secret for per-job ``webhook_url`` deliveries."""
    _store(services).rotate_signing_secret(viewer.account.id)
    return see_other("/settings/webhooks?done=signing_rotated")


def _endpoint_page(
    request: Request,
    viewer: Viewer,
    services: ServicesDep,
    endpoint_id: str,
    *,
    cursor: str | None = None,
    new_secret: str | None = None,
    flash: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    store = _store(services)
    try:
        endpoint = store.get_endpoint(viewer.account.id, endpoint_id)
        deliveries = store.list_deliveries(
            viewer.account.id, endpoint_id=endpoint_id, limit=DELIVERIES_PER_PAGE, cursor=cursor
        )
    except NotFound:
        return not_found(request, viewer, NOT_FOUND)
    pending = any(d.status == "pending" for d in deliveries.deliveries)
    return page(
        request,
        "webhook_endpoint.html",
        viewer,
        nav="webhooks",
        endpoint=endpoint,
        deliveries=deliveries.deliveries,
        next_cursor=deliveries.next_cursor,
        new_secret=new_secret,
        flash=flash,
        error=error,
        refresh=5 if pending else None,
    )


@router.get("/settings/webhooks/{endpoint_id}", response_class=HTMLResponse)
def endpoint_detail(
    request: Request,
    endpoint_id: str,
    viewer: ViewerDep,
    services: ServicesDep,
    cursor: str = "",
    done: str = "",
) -> Response:
    """One endpoint with its delivery log (every attempt)."""
    return _endpoint_page(
        request, viewer, services, endpoint_id, cursor=cursor or None, flash=DONE.get(done)
    )


@router.post("/settings/webhooks/{endpoint_id}/{action}", response_class=HTMLResponse)
def endpoint_action(
    request: Request,
    endpoint_id: str,
    action: str,
    viewer: PostViewerDep,
    services: ServicesDep,
) -> Response:
    """test, rotate, enable, disable or delete an endpoint."""
    store = _store(services)
    account_id = viewer.account.id
    base = f"/settings/webhooks/{endpoint_id}"
    try:
        if action == "test":
            store.send_test_event(account_id, endpoint_id)
            return see_other(f"{base}?done=test")
        if action == "rotate":
            rotated = store.rotate_endpoint_secret(account_id, endpoint_id)
            return _endpoint_page(request, viewer, services, endpoint_id, new_secret=rotated.secret)
        if action in ("enable", "disable"):
            store.update_endpoint(account_id, endpoint_id, enabled=action == "enable")
            return see_other(f"{base}?done={action}d")
        if action == "delete":
            store.delete_endpoint(account_id, endpoint_id)
            return see_other("/settings/webhooks?done=deleted")
    except NotFound:
        return not_found(request, viewer, NOT_FOUND)
    except NeuronLensError as exc:
        return _endpoint_page(request, viewer, services, endpoint_id, error=exc.message)
    return not_found(request, viewer, "There is no such action.")


@router.post(
    "/settings/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay",
    response_class=HTMLResponse,
)
def replay_delivery(
    request: Request,
    endpoint_id: str,
    delivery_id: str,
    viewer: PostViewerDep,
    services: ServicesDep,
) -> Response:
    """Send a finished delivery's event again."""
    try:
        _store(services).replay_delivery(viewer.account.id, delivery_id, endpoint_id=endpoint_id)
    except NotFound:
        return not_found(request, viewer, "There is no such delivery for this endpoint.")
    except NeuronLensError as exc:
        return _endpoint_page(request, viewer, services, endpoint_id, error=exc.message)
    return see_other(f"/settings/webhooks/{endpoint_id}?done=replayed")
