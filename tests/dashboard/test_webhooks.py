"""Settings → Webhooks pages: endpoints, secrets shown once, test events, the delivery log."""

from __future__ import annotations

import re

from neuronlens.storage.webhooks import WebhookStore
from tests.dashboard.conftest import Dashboard


def store(dashboard: Dashboard) -> WebhookStore:
    return WebhookStore.from_settings(dashboard.repository.engine, dashboard.settings)


def test_endpoint_lifecycle(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    created = client.post(
        "/settings/webhooks",
        data={
            "csrf_token": dashboard.token(),
            "url": "http://127.0.0.1:9/hook",
            "events": ["transcription.completed"],
        },
    )
    assert created.status_code == 200
    secret = re.search(r'readonly value="([^"]+)" id="new-secret"', created.text)
    assert secret and secret.group(1).startswith("whsec_")
    endpoint = store(dashboard).list_endpoints(dashboard.account_id)[0]
    assert endpoint.events == ("transcription.completed",)
    detail_path = f"/settings/webhooks/{endpoint.id}"
    detail = client.get(detail_path).text
    assert secret.group(1) not in detail and "No deliveries yet" in detail

    def act(action: str) -> str:
        response = client.post(f"{detail_path}/{action}", data={"csrf_token": dashboard.token()})
        assert response.status_code == 200, response.text
        return response.text

    assert "A test event was queued" in act("test")
    assert "webhook.test" in client.get(detail_path).text
    rotated = act("rotate")
    new_secret = re.search(r'readonly value="([^"]+)" id="new-secret"', rotated)
    assert new_secret and new_secret.group(1) != secret.group(1)
    assert "previous secret valid until" in rotated
    assert "is disabled" in act("disable")
    assert not store(dashboard).get_endpoint(dashboard.account_id, endpoint.id).enabled
    assert "is enabled" in act("enable")
    assert "were deleted" in act("delete")
    assert store(dashboard).list_endpoints(dashboard.account_id) == []


def test_a_refused_url_is_shown_next_to_the_field(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    response = client.post(
        "/settings/webhooks", data={"csrf_token": dashboard.token(), "url": "ftp://example.com/"}
    )
    assert response.status_code == 422
    assert re.search(r'<p class="field-error" id="url-error">[^<]+</p>', response.text)
    assert 'value="ftp://example.com/"' in response.text


def test_another_accounts_endpoint_is_404(dashboard: Dashboard) -> None:
    other, _ = dashboard.repository.create_account("globex")
    theirs = store(dashboard).create_endpoint(other.id, "https://globex.example/hook").endpoint
    client = dashboard.sign_in()
    assert client.get(f"/settings/webhooks/{theirs.id}").status_code == 404
    for action in ("test", "rotate", "disable", "delete"):
        response = client.post(
            f"/settings/webhooks/{theirs.id}/{action}", data={"csrf_token": dashboard.token()}
        )
        assert response.status_code == 404, action
    assert "globex.example" not in client.get("/settings/webhooks").text
    assert store(dashboard).get_endpoint(other.id, theirs.id).enabled
