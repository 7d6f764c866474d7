"""Jinja2 templates with the dashboard's filters, and one helper to answer with a page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from neuronlens.dashboard.auth import CSRF_FIELD, Viewer
from neuronlens.domain import SENTIMENT_NEUTRAL_BAND

TEMPLATE_DIR = Path(__file__).with_name("templates")
NAV_GROUPS: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("", [("calls", "Calls", "/calls")]),
    ("QA", [("scorecards", "Scorecards", "/qa/scorecards")]),
    (
        "Settings",
        [
            ("keys", "API keys", "/settings/keys"),
            ("webhooks", "Webhooks", "/settings/webhooks"),
            ("submit", "Submit a call", "/settings/submit"),
        ],
    ),
]
"""(group label, [(nav key, link text, path)]) for the top bar."""


def clock(seconds: float | None) -> str:
    """A position in the recording as ``m:ss`` (``h:mm:ss`` past an hour)."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when(moment: datetime | None) -> str:
    """A timestamp in UTC, to the minute."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def signed(value: float | None) -> str:
    """A sentiment score with its sign, e.g. ``+0.40``."""
    return "" if value is None else f"{value:+.2f}"


def tone(value: float | None) -> str:
    """A CSS class for a sentiment score."""
    if value is None:
        return "tone-none"
    if value > SENTIMENT_NEUTRAL_BAND:
        return "tone-pos"
    if value < -SENTIMENT_NEUTRAL_BAND:
        return "tone-neg"
    return "tone-neu"


def pretty_json(value: Any) -> str:
    """Indented JSON for a textarea."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(clock=clock, when=when, signed=signed, tone=tone, pretty_json=pretty_json)
    env.globals.update(csrf_field=CSRF_FIELD, nav_groups=NAV_GROUPS)
    return env


templates = Jinja2Templates(env=_environment())


def page(
    request: Request,
    name: str,
    viewer: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``name`` with the viewer and its CSRF token in the context."""
    context.setdefault("nav", "")
    context.setdefault("flash", None)
    context.setdefault("refresh", None)
    context.update(viewer=viewer, csrf_token=viewer.csrf_token if viewer else "")
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    # Pages show account data: never keep them in shared caches or the back/forward cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found(request: Request, viewer: Viewer | None, message: str) -> HTMLResponse:
    """The dashboard's 404 page: the same for missing things and other accounts' things."""
    return page(request, "not_found.html", viewer, status_code=404, message=message)
