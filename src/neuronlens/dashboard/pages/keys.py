"""Settings → API keys: list, create (shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from neuronlens.api.deps import ServicesDep
from neuronlens.dashboard.auth import Viewer, ViewerDep
from neuronlens.dashboard.forms import PostViewerDep, see_other
from neuronlens.dashboard.render import not_found, page
from neuronlens.errors import NotFound

router = APIRouter(include_in_schema=False)
DONE = {"revoked": "The key was revoked; it no longer works for the API or the dashboard."}


def _keys_page(
    request: Request, viewer: Viewer, services: ServicesDep, new_key: str | None, done: str = ""
) -> HTMLResponse:
    return page(
        request,
        "keys.html",
        viewer,
        nav="keys",
        keys=services.repository.list_api_keys(viewer.account.id),
        new_key=new_key,
        flash=DONE.get(done),
    )


@router.get("/settings/keys", response_class=HTMLResponse)
def keys(request: Request, viewer: ViewerDep, services: ServicesDep, done: str = "") -> Response:
    """The account's API keys."""
    return _keys_page(request, viewer, services, None, done)


@router.post("/settings/keys", response_class=HTMLResponse)
def create_key(request: Request, viewer: PostViewerDep, services: ServicesDep) -> Response:
    """Issue a key and show it once (rendered directly: it never appears in a URL)."""
    key = services.repository.create_api_key(viewer.account.id)
    return _keys_page(request, viewer, services, key)


@router.post("/settings/keys/{key_id}/revoke")
def revoke_key(
    request: Request, key_id: str, viewer: PostViewerDep, services: ServicesDep
) -> Response:
    """Revoke a key (revoking the one this session uses signs you out)."""
    try:
        services.repository.revoke_api_key(viewer.account.id, key_id)
    except NotFound:
        return not_found(request, viewer, "There is no such API key in this account.")
    return see_other("/settings/keys?done=revoked")
