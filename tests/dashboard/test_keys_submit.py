"""Settings: API keys (create once-shown, revoke) and the submit-a-call form."""

from __future__ import annotations

import re

from neuronlens.domain import JobStatus
from tests.dashboard.conftest import Dashboard


def test_create_a_key_shows_it_once_and_it_works(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    response = client.post("/settings/keys", data={"csrf_token": dashboard.token()})
    assert response.status_code == 200
    new_key = re.search(r'id="new-key" class="mono" aria-label="New API key"', response.text)
    match = re.search(r'readonly value="(nl_[^"]+)"', response.text)
    assert new_key and match
    key = match.group(1)
    api = client.get("/transcription", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200
    listing = client.get("/settings/keys").text
    assert key not in listing  # never shown again
    assert key[:10] in listing  # its prefix identifies it
    assert listing.count("Revoke</button>") == 2


def test_revoke_a_key(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    extra = dashboard.repository.create_api_key(dashboard.account_id)
    keys = dashboard.repository.list_api_keys(dashboard.account_id)
    extra_id = next(k.id for k in keys if extra.startswith(k.prefix))
    response = client.post(
        f"/settings/keys/{extra_id}/revoke",
        data={"csrf_token": dashboard.token()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "was revoked" in page and "revoked 20" in page
    assert (
        client.get("/transcription", headers={"Authorization": f"Bearer {extra}"}).status_code
        == 401
    )
    assert client.get("/calls", follow_redirects=False).status_code == 200  # still signed in


def test_another_accounts_key_cannot_be_revoked(dashboard: Dashboard) -> None:
    other, other_key = dashboard.repository.create_account("globex")
    their_key = dashboard.repository.list_api_keys(other.id)[0]
    client = dashboard.sign_in()
    response = client.post(
        f"/settings/keys/{their_key.id}/revoke", data={"csrf_token": dashboard.token()}
    )
    assert response.status_code == 404
    assert dashboard.repository.account_for_key(other_key) is not None


def test_submit_a_call_creates_and_queues_a_job(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    form = client.get("/settings/submit").text
    assert '<option value="ta-IN"' in form
    response = client.post(
        "/settings/submit",
        data={
            "csrf_token": dashboard.token(),
            "audio_url": "http://127.0.0.1:9/call.mp3",
            "language": "ta-IN",
            "num_speakers": "3",
            "features": ["summary", "intent"],
            "metadata": '{"crm_ticket_id": "TKT-1"}',
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/calls/")
    job = dashboard.repository.get_job(dashboard.account_id, job_id)
    assert job.status == JobStatus.PENDING
    assert job.request.language == "ta-IN" and job.request.num_speakers == 3
    assert job.request.features == ("transcription", "summary", "intent")
    assert job.request.metadata == {"crm_ticket_id": "TKT-1"}


def test_submit_shows_the_apis_validation_errors_next_to_the_fields(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    token = dashboard.token()

    def errors(**fields: str | list[str]) -> dict[str, str]:
        data = {"csrf_token": token, "audio_url": "https://example.com/a.mp3", "language": "hi-IN"}
        response = client.post("/settings/submit", data={**data, **fields})
        assert response.status_code == 422
        return dict(
            re.findall(r'<p class="field-error" id="(\w+)-error">([^<]*)</p>', response.text)
        )

    assert "http" in errors(audio_url="ftp://example.com/a.mp3")["audio_url"]
    assert "supported" in errors(language="xx-XX")["language"]
    assert errors(num_speakers="11")["num_speakers"]
    assert errors(num_speakers="two")["num_speakers"]
    assert "JSON" in errors(metadata="{oops")["metadata"]
    assert "qa_scorecard_id" in errors(features=["qa_scoring"])["qa_scorecard_id"]
    assert (
        "scorecard" in errors(features=["qa_scoring"], qa_scorecard_id="sc_nope")["qa_scorecard_id"]
    )
    assert dashboard.repository.list_jobs(dashboard.account_id, None, 10, None).jobs == []


def test_submit_refuses_private_addresses_unless_allowed(dashboard: Dashboard) -> None:
    dashboard.settings.allow_private_urls = False
    client = dashboard.sign_in()
    response = client.post(
        "/settings/submit",
        data={
            "csrf_token": dashboard.token(),
            "audio_url": "http://127.0.0.1/a.mp3",
            "language": "hi-IN",
        },
    )
    assert response.status_code == 422
    assert 'id="audio_url-error"' in response.text
