"""Security headers on every response: JSON, errors, 413s, docs; HSTS only over https."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from neuronlens.api.security import CSP, HSTS, SecurityHeaders, headers_for
from tests.api.conftest import Api

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": CSP,
}


def _assert_secure(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # plain http here


def test_every_kind_of_response_carries_the_headers(api_only: Api) -> None:
    with api_only.client() as client:
        responses = [
            client.get("/healthz"),
            client.get("/readyz"),
            client.get("/transcription"),  # 200 JSON
            client.get("/transcription/job_missing"),  # 404
            client.post("/transcription", json={"language": "hi-IN"}),  # 422
            client.post("/transcription", content=b"x" * (2 * 1024 * 1024)),  # 413 (middleware)
            client.get("/openapi.json"),
            client.put("/healthz"),  # 405
        ]
    with httpx.Client(base_url=api_only.base_url) as anonymous:
        responses.append(anonymous.get("/transcription"))  # 401
    assert sorted({r.status_code for r in responses}) == [200, 401, 404, 405, 413, 422]
    for response in responses:
        _assert_secure(response)
        assert response.headers["cache-control"] == "no-store"


def test_the_csp_forbids_inline_script_and_foreign_origins() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in CSP and "*" not in CSP


def test_the_docs_page_gets_a_policy_that_lets_it_render(api_only: Api) -> None:
    with httpx.Client(base_url=api_only.base_url) as client:
        docs = client.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert docs.status_code == 200
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy
    assert docs.headers["x-frame-options"] == "DENY"


def test_hsts_only_over_https_and_route_headers_win() -> None:
    assert (b"strict-transport-security", HSTS.encode()) in headers_for("/x", "https")
    assert all(name != b"strict-transport-security" for name, _ in headers_for("/x", "http"))
    assert all(name != b"cache-control" for name, _ in headers_for("/static/app.css", "http"))

    async def page(_request: object) -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"Cache-Control": "max-age=60"})

    app = SecurityHeaders(Starlette(routes=[Route("/", page)]))
    transport = httpx.ASGITransport(app=app)

    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            return await c.get("/")

    response = asyncio.run(fetch())
    assert response.headers["strict-transport-security"] == HSTS
    assert response.headers["cache-control"] == "max-age=60"
    assert response.headers["x-content-type-options"] == "nosniff"
