"""Sign-in, sessions and CSRF: every page needs a session, every form a token."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from neuronlens.dashboard import auth
from neuronlens.keys import server_secret
from tests.dashboard.conftest import Dashboard, add_job, csrf_from

PAGES = [
    "/calls",
    "/calls?status=completed",
    "/calls/job_01abc",
    "/calls/job_01abc/audio",
    "/settings/keys",
    "/settings/submit",
    "/qa/scorecards",
    "/qa/scorecards/new",
    "/settings/webhooks",
]
FORMS = [
    "/logout",
    "/settings/keys",
    "/settings/keys/key_01abc/revoke",
    "/settings/submit",
    "/calls/job_01abc/delete",
    "/qa/scorecards/new",
    "/settings/webhooks",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_redirects_to_sign_in_without_a_session(dashboard: Dashboard, path: str) -> None:
    response = dashboard.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/")


@pytest.mark.parametrize("path", FORMS)
def test_every_form_refuses_anonymous_posts(dashboard: Dashboard, path: str) -> None:
    response = dashboard.client.post(path, data={"csrf_token": "x"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_front_door_and_sign_in_round_trip(dashboard: Dashboard) -> None:
    client = dashboard.client
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    page = client.get("/login?next=/settings/keys")
    assert page.status_code == 200 and 'name="api_key"' in page.text
    response = client.post(
        "/login",
        data={
            "api_key": dashboard.key,
            "csrf_token": csrf_from(page.text),
            "next": "/settings/keys",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/keys"
    assert client.get("/", follow_redirects=False).headers["location"] == "/calls"
    assert "acme" in client.get("/calls").text


def test_session_cookie_flags_over_http(dashboard: Dashboard) -> None:
    form = dashboard.client.get("/login")
    response = dashboard.client.post(
        "/login",
        data={"api_key": dashboard.key, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("nl_session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "max-age", "path"} <= flags
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in flags  # plain http: a Secure cookie would never come back
    assert f"Max-Age={auth.SESSION_SECONDS}" in cookie


def test_session_cookie_is_secure_over_https(dashboard: Dashboard) -> None:
    client = TestClient(dashboard.client.app, base_url="https://testserver")
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"api_key": dashboard.key, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("nl_session="))
    assert "secure" in {part.strip().lower() for part in session.split(";")}
    login_cookie = client.get("/login").headers.get("set-cookie") or session
    assert "secure" in login_cookie.lower()


def test_the_cookie_carries_ids_not_the_key(dashboard: Dashboard) -> None:
    dashboard.sign_in()
    value = dashboard.client.cookies["nl_session"]
    assert dashboard.key not in value
    data = URLSafeTimedSerializer(server_secret(dashboard.settings), salt="session").loads(value)
    assert data["a"] == dashboard.account_id
    assert set(data) == {"a", "k", "c"}


def test_a_wrong_key_is_refused(dashboard: Dashboard) -> None:
    form = dashboard.client.get("/login")
    response = dashboard.client.post(
        "/login", data={"api_key": "nl_wrong", "csrf_token": csrf_from(form.text)}
    )
    assert response.status_code == 401
    assert "not valid" in response.text
    assert "nl_session" not in dashboard.client.cookies


def test_sign_in_without_the_login_csrf_token_is_refused(dashboard: Dashboard) -> None:
    dashboard.client.get("/login")
    response = dashboard.client.post("/login", data={"api_key": dashboard.key})
    assert response.status_code == 403
    fresh = TestClient(dashboard.client.app)  # a cross-site form: no login cookie at all
    response = fresh.post("/login", data={"api_key": dashboard.key, "csrf_token": "forged"})
    assert response.status_code == 403
    assert "nl_session" not in fresh.cookies


def test_tampered_or_expired_sessions_are_signed_out(
    dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = dashboard.sign_in()
    good = client.cookies["nl_session"]
    client.cookies.clear()
    client.cookies.set("nl_session", good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert client.get("/calls", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("nl_session", good)
    assert client.get("/calls", follow_redirects=False).status_code == 200
    monkeypatch.setattr(auth, "SESSION_SECONDS", -1)
    assert client.get("/calls", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_its_sessions(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    assert client.get("/calls", follow_redirects=False).status_code == 200
    key_id = dashboard.repository.list_api_keys(dashboard.account_id)[0].id
    dashboard.repository.revoke_api_key(dashboard.account_id, key_id)
    response = client.get("/calls", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logout_needs_the_token_and_ends_the_session(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/calls", follow_redirects=False).status_code == 200
    response = client.post(
        "/logout", data={"csrf_token": dashboard.token()}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/calls", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_forms_refuse_a_missing_or_wrong_csrf_token(
    dashboard: Dashboard, token: str | None
) -> None:
    client = dashboard.sign_in()
    job = add_job(dashboard.repository, dashboard.account_id)
    data = {} if token is None else {"csrf_token": token}
    before = len(dashboard.repository.list_api_keys(dashboard.account_id))
    posts = [
        ("/settings/keys", data),
        (
            "/settings/submit",
            {**data, "audio_url": "https://example.com/a.mp3", "language": "hi-IN"},
        ),
        (f"/calls/{job.id}/delete", data),
        ("/qa/scorecards/new", {**data, "definition": "{}"}),
    ]
    for path, body in posts:
        response = client.post(path, data=body, follow_redirects=False)
        assert response.status_code == 403, path
    assert len(dashboard.repository.list_api_keys(dashboard.account_id)) == before
    assert dashboard.repository.get_job(dashboard.account_id, job.id)  # not deleted


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(dashboard: Dashboard, target: str) -> None:
    form = dashboard.client.get("/login")
    response = dashboard.client.post(
        "/login",
        data={"api_key": dashboard.key, "csrf_token": csrf_from(form.text), "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/calls"


def test_pages_carry_the_security_headers(dashboard: Dashboard) -> None:
    response = dashboard.client.get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.text  # the CSP forbids inline scripts
    assert ' style="' not in response.text
