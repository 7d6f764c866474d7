"""Dashboard sign-in: a signed, expiring session cookie bound to an API key, and CSRF tokens.

The cookie holds only ids and the CSRF token (it is signed, not encrypted): never the API key.
Every request re-reads the key, so revoking it ends its dashboard sessions at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from neuronlens.api.deps import ServicesDep
from neuronlens.domain import Account
from neuronlens.keys import server_secret

SESSION_COOKIE = "nl_session"
LOGIN_COOKIE = "nl_login"
"""Before sign-in: holds the CSRF token of the login form (double-submit)."""
SESSION_SECONDS = 12 * 3600
LOGIN_SECONDS = 3600
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is signed in; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CSRFRejected(Exception):
    """A state-changing request without the right CSRF token; answered with 403."""


@dataclass(frozen=True)
class Viewer:
    """Who is signed in: the account, the API key the session rests on, its CSRF token."""

    account: Account
    key_id: str
    csrf_token: str


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    services = request.app.state.services
    return URLSafeTimedSerializer(server_secret(services.settings), salt=salt)


def _load(request: Request, cookie: str, salt: str, max_age: int) -> dict[str, Any] | None:
    raw = request.cookies.get(cookie)
    if not raw:
        return None
    try:
        data = _serializer(request, salt).loads(raw, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    return data if isinstance(data, dict) else None


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def current_viewer(request: Request, services: ServicesDep) -> Viewer | None:
    """The signed-in viewer, or None (no cookie, bad signature, expired, key revoked)."""
    data = _load(request, SESSION_COOKIE, "session", SESSION_SECONDS)
    if data is None:
        return None
    key_id, token = data.get("k"), data.get("c")
    if not isinstance(key_id, str) or not isinstance(token, str):
        return None
    account = services.repository.account_for_key_id(key_id)
    if account is None or account.id != data.get("a"):
        return None
    return Viewer(account=account, key_id=key_id, csrf_token=token)


def require_viewer(
    request: Request, viewer: Annotated[Viewer | None, Depends(current_viewer)]
) -> Viewer:
    """Page dependency: the viewer, or a redirect to the sign-in page."""
    if viewer is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # After signing in the browser GETs ``next``: a form's POST address is no page.
        raise LoginRequired(target if request.method == "GET" else "/calls")
    return viewer


ViewerDep = Annotated[Viewer, Depends(require_viewer)]


def start_session(request: Request, response: Response, account: Account, key_id: str) -> None:
    """Sign in: a fresh session (new CSRF token) replaces whatever cookie was there."""
    data = {"a": account.id, "k": key_id, "c": secrets.token_urlsafe(32)}
    value = _serializer(request, "session").dumps(data)
    _set_cookie(request, response, SESSION_COOKIE, value, SESSION_SECONDS)
    response.delete_cookie(LOGIN_COOKIE, path="/")


def end_session(response: Response) -> None:
    """Sign out: drop the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def login_token(request: Request) -> tuple[str, str | None]:
    """The login form's CSRF token, and a new cookie value to set when there was none."""
    data = _load(request, LOGIN_COOKIE, "login", LOGIN_SECONDS)
    token = data.get("c") if data else None
    if isinstance(token, str):
        return token, None
    token = secrets.token_urlsafe(32)
    return token, _serializer(request, "login").dumps({"c": token})


def set_login_cookie(request: Request, response: Response, value: str) -> None:
    """Store the login form's CSRF token in its cookie."""
    _set_cookie(request, response, LOGIN_COOKIE, value, LOGIN_SECONDS)


def check_login_csrf(request: Request, submitted: str | None) -> None:
    """The login form's token must match its cookie (login CSRF)."""
    data = _load(request, LOGIN_COOKIE, "login", LOGIN_SECONDS)
    expected = data.get("c") if data else None
    if not isinstance(expected, str) or not _same(submitted, expected):
        raise CSRFRejected()


def check_csrf(viewer: Viewer, submitted: str | None) -> None:
    """A form's token must be the session's (raises CSRFRejected)."""
    if not _same(submitted, viewer.csrf_token):
        raise CSRFRejected()


def _same(submitted: str | None, expected: str) -> bool:
    return isinstance(submitted, str) and secrets.compare_digest(
        submitted.encode(), expected.encode()
    )
