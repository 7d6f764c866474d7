"""Security headers on every response (API JSON, dashboard pages, errors, even 413s).

A pure ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: it also sees responses
sent by other middleware (the body-size limit) and does not buffer streamed bodies.

The dashboard is server-rendered with no inline scripts or styles, so its Content-Security-Policy
allows only the service's own origin. FastAPI's interactive docs (``/docs``, ``/redoc``) are the
exception: they are pages FastAPI writes with an inline bootstrap script and assets from a CDN,
so they get a policy that permits exactly that and nothing else (they show no user data).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
HSTS = "max-age=63072000; includeSubDomains"

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


def headers_for(path: str, scheme: str) -> list[tuple[bytes, bytes]]:
    """The security headers a response to ``path`` gets (HSTS only over https)."""
    headers = list(_ALWAYS)
    headers.append((b"content-security-policy", (DOCS_CSP if path in DOCS_PATHS else CSP).encode()))
    if not path.startswith("/static/"):
        # API answers and pages carry account data: no shared or browser cache may keep them.
        headers.append((b"cache-control", b"no-store"))
    if scheme == "https":
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response; a route's own value wins."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope.get("path", ""), scope.get("scheme", "http"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    key = name.decode()
                    if key not in headers:
                        headers[key] = value.decode()
            await send(message)

        await self.app(scope, receive, send_with_headers)
