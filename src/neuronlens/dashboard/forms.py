"""Form helpers shared by the dashboard pages: the CSRF-checked viewer and safe redirects."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from neuronlens.dashboard.auth import CSRF_FIELD, Viewer, ViewerDep, check_csrf


async def require_csrf(request: Request, viewer: ViewerDep) -> Viewer:
    """For POST routes: the signed-in viewer, once the form's CSRF token matched the session."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    check_csrf(viewer, token if isinstance(token, str) else None)
    return viewer


PostViewerDep = Annotated[Viewer, Depends(require_csrf)]


def see_other(path: str) -> RedirectResponse:
    """Redirect after a POST (303, so the browser follows with GET)."""
    return RedirectResponse(path, status_code=303)


def local_path(target: str | None, default: str = "/calls") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
