"""Sign in with an API key, sign out; ``/`` sends you to one or the other."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neuronlens.api.deps import ServicesDep
from neuronlens.dashboard.auth import (
    Viewer,
    check_login_csrf,
    current_viewer,
    end_session,
    login_token,
    set_login_cookie,
    start_session,
)
from neuronlens.dashboard.forms import PostViewerDep, local_path, see_other
from neuronlens.dashboard.render import page

router = APIRouter(include_in_schema=False)
MaybeViewer = Annotated[Viewer | None, Depends(current_viewer)]


@router.get("/")
def home(viewer: MaybeViewer) -> RedirectResponse:
    """The dashboard's front door."""
    return RedirectResponse("/calls" if viewer else "/login", status_code=303)


def _login_page(request: Request, next_path: str, error: str | None, status: int) -> Response:
    token, new_cookie = login_token(request)
    response = page(
        request,
        "login.html",
        None,
        status_code=status,
        login_csrf=token,
        next=next_path,
        error=error,
    )
    if new_cookie:
        set_login_cookie(request, response, new_cookie)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, viewer: MaybeViewer, next: str | None = None) -> Response:
    """The sign-in form."""
    if viewer is not None:
        return see_other(local_path(next))
    return _login_page(request, local_path(next), None, 200)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    services: ServicesDep,
    api_key: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/calls",
) -> Response:
    """Check the key; on success start a session and go where the visitor was heading."""
    check_login_csrf(request, csrf_token)
    found = services.repository.login_with_key(api_key.strip()) if api_key.strip() else None
    if found is None:
        message = "That API key is not valid, or it has been revoked."
        return _login_page(request, local_path(next), message, 401)
    account, key_id = found
    response = see_other(local_path(next))
    start_session(request, response, account, key_id)
    return response


@router.post("/logout")
def logout(viewer: PostViewerDep) -> RedirectResponse:
    """End the session."""
    response = see_other("/login")
    end_session(response)
    return response
