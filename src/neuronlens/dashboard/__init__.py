"""The web dashboard: server-rendered pages (Jinja2) on the same app as the JSON API."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from neuronlens.dashboard.auth import CSRFRejected, LoginRequired
from neuronlens.dashboard.pages import calls, keys, login, scorecards, submit, webhooks
from neuronlens.dashboard.render import page

STATIC_DIR = Path(__file__).with_name("static")


def install_dashboard(app: FastAPI) -> None:
    """Mount the dashboard's pages and static files on ``app``."""
    for module in (login, calls, keys, submit, scorecards, webhooks):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(_request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(CSRFRejected)
    async def _csrf(request: Request, _exc: CSRFRejected) -> HTMLResponse:
        message = "The form expired or did not come from this site. Go back, reload and retry."
        return page(request, "error.html", None, status_code=403, message=message)
