"""POST/GET/LIST/DELETE /transcription over real HTTP, without workers (jobs stay pending)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import Api

VALID = {"audio_url": "https://calls.example.com/4492.mp3?X-Amz-Signature=abc", "language": "hi-IN"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def submit(api: Api, body: dict[str, Any], **headers: str) -> Any:
    with api.client() as client:
        return client.post("/transcription", json=body, headers=headers)


def test_submit_returns_pending_job_with_defaults(api_only: Api) -> None:
    response = submit(api_only, {**VALID, "metadata": {"crm_ticket_id": "TKT-4492", "n": [1, 2]}})
    assert response.status_code == 201
    body = response.json()
    assert body["job_id"].startswith("job_")
    assert body["status"] == "pending"
    assert ISO_UTC.match(body["created_at"])
    assert body["completed_at"] is None
    assert body["num_speakers"] == 2
    assert body["features"] == ["transcription"]
    assert body["metadata"] == {"crm_ticket_id": "TKT-4492", "n": [1, 2]}
    assert body["transcript"] is None and body["error"] is None
    assert response.headers["location"] == f"/transcription/{body['job_id']}"

    with api_only.client() as client:
        fetched = client.get(f"/transcription/{body['job_id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_features_are_normalised(api_only: Api) -> None:
    body = {**VALID, "features": ["sentiment", "summary", "sentiment"]}
    response = submit(api_only, body)
    assert response.status_code == 201
    assert response.json()["features"] == ["transcription", "summary", "sentiment"]


def test_language_code_is_canonicalised(api_only: Api) -> None:
    response = submit(api_only, {**VALID, "language": "ta_in"})
    assert response.status_code == 201
    assert response.json()["language"] == "ta-IN"


@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        ({"language": "xx-YY"}, "unsupported_language", "hi-IN"),
        ({"language": "or-IN"}, "unsupported_language", "not supported"),
        ({"num_speakers": 0}, "validation_error", "num_speakers"),
        ({"num_speakers": 11}, "validation_error", "num_speakers"),
        ({"num_speakers": "2"}, "validation_error", "num_speakers"),
        ({"num_speakers": 2.5}, "validation_error", "num_speakers"),
        ({"features": ["transcription", "translation"]}, "validation_error", "translation"),
        ({"features": ["qa_scoring"]}, "validation_error", "qa_scorecard_id is required"),
        ({"metadata": ["not", "an", "object"]}, "validation_error", "metadata"),
        ({"metadata": {"blob": "x" * 20_000}}, "metadata_too_large", "16384"),
        ({"audio_url": "ftp://example.com/a.mp3"}, "validation_error", "audio_url"),
        ({"audio_url": "file:///etc/passwd"}, "validation_error", "audio_url"),
        ({"audio_url": "not a url"}, "validation_error", "audio_url"),
        ({"webhook_url": "gopher://example.com/"}, "validation_error", "webhook_url"),
        ({"speakers": 2}, "validation_error", "speakers"),
    ],
)
def test_invalid_submissions_are_refused_with_a_clear_error(
    api_only: Api, change: dict[str, Any], code: str, fragment: str
) -> None:
    response = submit(api_only, {**VALID, **change})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]


def test_unsupported_language_lists_the_supported_codes(api_only: Api) -> None:
    error = submit(api_only, {**VALID, "language": "xx"}).json()["error"]
    assert {"hi-IN", "ta-IN", "te-IN", "mr-IN", "en-IN"} <= set(error["supported_languages"])


@pytest.mark.parametrize("missing", ["audio_url", "language"])
def test_required_fields(api_only: Api, missing: str) -> None:
    body = {k: v for k, v in VALID.items() if k != missing}
    response = submit(api_only, body)
    assert response.status_code == 422
    assert missing in response.json()["error"]["message"]


def test_malformed_json_is_a_422_not_a_500(api_only: Api) -> None:
    with api_only.client() as client:
        response = client.post(
            "/transcription", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_oversized_body_is_refused(api_only: Api) -> None:
    with api_only.client() as client:
        response = client.post(
            "/transcription",
            content=b'{"audio_url": "' + b"a" * 2_000_000 + b'"}',
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_qa_scoring_with_unknown_scorecard_is_404(api_only: Api) -> None:
    body = {**VALID, "features": ["qa_scoring"], "qa_scorecard_id": "sc_missing"}
    response = submit(api_only, body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "scorecard_not_found"


def test_every_call_needs_a_valid_key(api_only: Api) -> None:
    import httpx

    with httpx.Client(base_url=api_only.base_url) as anonymous:
        missing = anonymous.post("/transcription", json=VALID)
        wrong = anonymous.get("/transcription", headers={"Authorization": "Bearer nl_wrong"})
        basic = anonymous.get("/transcription", headers={"Authorization": "Basic abc"})
    for response in (missing, wrong, basic):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_jobs_are_invisible_to_other_accounts(api_only: Api) -> None:
    job_id = submit(api_only, VALID).json()["job_id"]
    other = api_only.new_account_key("other-account")
    with api_only.client(other) as client:
        assert client.get(f"/transcription/{job_id}").status_code == 404
        assert client.delete(f"/transcription/{job_id}").status_code == 404
        assert client.get("/transcription").json()["data"] == []
    with api_only.client() as client:
        assert client.get(f"/transcription/{job_id}").status_code == 200


def test_list_paginates_newest_first_and_filters_by_status(api_only: Api) -> None:
    ids = [submit(api_only, VALID).json()["job_id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    with api_only.client() as client:
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = client.get("/transcription", params=params).json()
            assert all("transcript" not in item for item in page["data"])
            seen += [item["job_id"] for item in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(ids))
        assert len(client.get("/transcription", params={"status": "pending"}).json()["data"]) == 5
        assert client.get("/transcription", params={"status": "completed"}).json()["data"] == []
        bad = client.get("/transcription", params={"status": "bogus"})
        assert bad.status_code == 422
        assert client.get("/transcription", params={"limit": 1000}).status_code == 422


def test_delete_removes_the_job(api_only: Api) -> None:
    job_id = submit(api_only, VALID).json()["job_id"]
    with api_only.client() as client:
        deleted = client.delete(f"/transcription/{job_id}")
        assert deleted.status_code == 200
        assert deleted.json() == {"job_id": job_id, "deleted": True}
        assert client.get(f"/transcription/{job_id}").status_code == 404
        assert client.delete(f"/transcription/{job_id}").status_code == 404


def test_idempotency_key_returns_the_same_job(api_only: Api) -> None:
    first = submit(api_only, VALID, **{"Idempotency-Key": "retry-1"})
    again = submit(api_only, VALID, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["job_id"] == first.json()["job_id"]
    other = submit(api_only, {**VALID, "language": "ta-IN"}, **{"Idempotency-Key": "retry-1"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_openapi_docs_are_served(api_only: Api) -> None:
    import httpx

    with httpx.Client(base_url=api_only.base_url) as client:
        assert client.get("/docs").status_code == 200
        schema = client.get("/openapi.json").json()
    assert "/transcription" in schema["paths"]
    assert "/transcription/{job_id}" in schema["paths"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/a.mp3",
        "http://localhost/a.mp3",
        "http://[::1]/a.mp3",
        "http://10.0.0.5/a.mp3",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f.1/a.mp3",
    ],
)
def test_private_address_literals_are_refused_at_submission(
    tmp_path: Any, database_url: str, url: str
) -> None:
    from neuronlens.api.app import create_app
    from neuronlens.config import Settings
    from tests.api.conftest import running_api

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    with running_api(create_app(settings, workers=False), settings) as api:
        response = submit(api, {**VALID, "audio_url": url})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "audio_url_forbidden"
