"""The webhook API over real HTTP: endpoints, secrets, deliveries and replays, per account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standardwebhooks import Webhook

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.webhooks import deliver_due
from tests.api.conftest import Api, running_api
from tests.support.polling import wait_for
from tests.support.webhook_receiver import Reply, WebhookReceiver

URL = "https://crm.example.com/hooks/neuronlens"


@pytest.fixture
def sender(settings: Settings) -> Iterator[WorkerContext]:
    """A delivery worker over the API's database (the API itself runs no workers here)."""
    fast = settings.model_copy(update={"webhook_retry_delays": [0.2, 0.2]})
    ctx = WorkerContext.from_settings(fast)
    yield ctx
    ctx.repository.engine.dispose()


def test_endpoints_are_created_read_changed_and_deleted(api_only: Api) -> None:
    with api_only.client() as client:
        created = client.post("/webhook-endpoints", json={"url": URL})
        assert created.status_code == 201, created.text
        endpoint = created.json()
        assert endpoint["secret"].startswith("whsec_") and endpoint["events"] is None
        assert endpoint["enabled"] and created.headers["location"].endswith(endpoint["id"])
        path = f"/webhook-endpoints/{endpoint['id']}"

        read = client.get(path).json()
        assert "secret" not in read  # shown once, at creation
        assert read == {k: v for k, v in endpoint.items() if k != "secret"}
        assert client.get("/webhook-endpoints").json()["data"] == [read]

        changed = client.patch(path, json={"events": ["transcription.failed"], "enabled": False})
        assert changed.status_code == 200, changed.text
        assert changed.json()["events"] == ["transcription.failed"]
        assert changed.json()["disabled_reason"] == "disabled by the account"
        assert client.post(f"{path}/test").json()["error"]["code"] == "webhook_endpoint_disabled"
        again = client.patch(path, json={"events": [], "enabled": True}).json()
        assert again["events"] is None and again["enabled"]

        rotated = client.post(f"{path}/rotate-secret")
        assert rotated.status_code == 200
        assert rotated.json()["secret"] != endpoint["secret"]
        assert rotated.json()["previous_secret_expires_at"] is not None

        assert client.delete(path).json() == {"id": endpoint["id"], "deleted": True}
        assert client.get(path).status_code == 404
        assert client.get("/webhook-endpoints").json()["data"] == []


BAD_ENDPOINTS = [
    ({"url": "ftp://example.com/hook"}, "invalid_webhook_url"),
    ({"url": "https://user:pw@example.com/hook"}, "invalid_webhook_url"),
    ({"url": "http://169.254.169.254/latest"}, "webhook_url_forbidden"),
    ({"url": "http://[ff02::1]/hook"}, "webhook_url_forbidden"),
    ({"url": URL, "events": ["transcription.started"]}, "validation_error"),
    ({"url": URL, "secret": "whsec_mine"}, "validation_error"),
    ({"url": ""}, "validation_error"),
    ({"url": "https://example.com/" + "a" * 2100}, "validation_error"),
    ({}, "validation_error"),
]


def test_bad_endpoints_are_refused(api_only: Api) -> None:
    with api_only.client() as client:
        for body, code in BAD_ENDPOINTS:
            answer = client.post("/webhook-endpoints", json=body)
            assert (answer.status_code, answer.json()["error"]["code"]) == (422, code), body
        assert client.get("/webhook-endpoints").json()["data"] == []


def test_private_webhook_urls_are_refused_unless_allowed(settings: Settings) -> None:
    strict = settings.model_copy(update={"allow_private_urls": False})
    with (
        running_api(create_app(strict, workers=False), strict) as api,
        api.client() as client,
    ):
        for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.0.0.7/"):
            answer = client.post("/webhook-endpoints", json={"url": url})
            assert answer.status_code == 422, url
            assert answer.json()["error"]["code"] == "webhook_url_forbidden"
            assert "webhook URL" in answer.json()["error"]["message"]
        job = {
            "audio_url": "https://example.com/a.mp3",
            "language": "hi-IN",
            "webhook_url": "http://192.168.1.1/hook",
        }
        refused = client.post("/transcription", json=job)
        assert refused.status_code == 422 and "webhook_url" in refused.json()["error"]["message"]


def test_another_account_sees_none_of_it(api_only: Api) -> None:
    other = api_only.new_account_key("someone-else")
    with api_only.client() as mine, api_only.client(other) as theirs:
        endpoint = mine.post("/webhook-endpoints", json={"url": URL}).json()
        delivery = mine.post(f"/webhook-endpoints/{endpoint['id']}/test").json()
        base = f"/webhook-endpoints/{endpoint['id']}"
        attempts = [
            ("GET", base, None),
            ("PATCH", base, {"enabled": False}),
            ("DELETE", base, None),
            ("POST", f"{base}/rotate-secret", None),
            ("POST", f"{base}/test", None),
            ("GET", f"{base}/deliveries", None),
            ("GET", f"{base}/deliveries/{delivery['id']}", None),
            ("POST", f"{base}/deliveries/{delivery['id']}/replay", None),
            ("GET", f"/webhook-deliveries/{delivery['id']}", None),
            ("POST", f"/webhook-deliveries/{delivery['id']}/replay", None),
        ]
        for method, path, body in attempts:
            answer = theirs.request(method, path, json=body)
            assert answer.status_code == 404, (method, path)
            assert answer.json()["error"]["code"] == "not_found"
        assert theirs.get("/webhook-endpoints").json()["data"] == []
        assert theirs.get("/webhook-deliveries").json()["data"] == []
        assert (
            theirs.get("/webhook-signing-secret").json()["secret"]
            != mine.get("/webhook-signing-secret").json()["secret"]
        )
        assert mine.get(base).json()["enabled"]  # untouched
        assert mine.post("/webhook-endpoints", json={"url": URL}).status_code == 201
    with api_only.client("nl_not-a-key") as stranger:
        assert stranger.get("/webhook-endpoints").status_code == 401


def test_deliveries_are_listed_with_their_attempts_and_can_be_replayed(
    api_only: Api, sender: WorkerContext
) -> None:
    with WebhookReceiver([Reply(500)]) as receiver, api_only.client() as client:
        endpoint = client.post("/webhook-endpoints", json={"url": receiver.url()}).json()
        base = f"/webhook-endpoints/{endpoint['id']}"
        queued = client.post(f"{base}/test")
        assert queued.status_code == 202
        assert queued.json()["status"] == "pending" and queued.json()["attempt_log"] == []

        def delivered() -> bool:
            deliver_due(sender, "api-test-sender")
            return bool(client.get(f"{base}/deliveries").json()["data"][0]["status"] != "pending")

        wait_for(delivered, timeout=20, interval=0.1, what="the test event")
        (delivery,) = client.get(f"{base}/deliveries").json()["data"]
        assert delivery["status"] == "succeeded" and delivery["event_type"] == "webhook.test"
        assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 200]
        assert all(a["latency_ms"] > 0 for a in delivery["attempt_log"])

        replay = client.post(f"{base}/deliveries/{delivery['id']}/replay")
        assert replay.status_code == 202
        assert replay.json()["replay_of"] == delivery["id"]
        assert replay.json()["event_id"] == delivery["event_id"]
        wait_for(
            lambda: deliver_due(sender, "api-test-sender") >= 0 and len(receiver.received) == 3,
            timeout=20,
            what="the replay",
        )
        page = client.get(f"{base}/deliveries", params={"limit": 1}).json()
        assert page["data"][0]["id"] == replay.json()["id"] and page["next_cursor"]
        rest = client.get(f"{base}/deliveries", params={"cursor": page["next_cursor"]}).json()
        assert [d["id"] for d in rest["data"]] == [delivery["id"]]
        for request in receiver.received:
            Webhook(endpoint["secret"]).verify(request.body, request.headers)


def test_the_account_signing_secret_is_readable_and_rotatable(api_only: Api) -> None:
    with api_only.client() as client:
        first = client.get("/webhook-signing-secret").json()
        assert first["secret"].startswith("whsec_") and first["rotated_at"] is None
        assert client.get("/webhook-signing-secret").json() == first
        rotated = client.post("/webhook-signing-secret/rotate").json()
        assert rotated["secret"] != first["secret"] and rotated["previous_secret_expires_at"]
        assert client.get("/webhook-signing-secret").json() == rotated
