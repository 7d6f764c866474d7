"""/scorecards and QA re-scoring over real HTTP (API without workers; jobs completed through
the repository with a stored transcript, as a worker would)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.pipeline.models import ModelRegistry
from tests.api.conftest import Api, running_api
from tests.support.http_server import LocalHTTPServer
from tests.support.polling import wait_for_job

DATA = Path(__file__).resolve().parents[1] / "data"
SCORECARD = json.loads((DATA / "scorecards" / "retail_banking.json").read_text("utf-8"))
JOB = {"audio_url": "https://calls.example.com/4492.mp3", "language": "hi-IN"}


def dialogue(call_id: str) -> dict[str, Any]:
    for line in (DATA / "dialogues" / "sample.jsonl").read_text("utf-8").splitlines():
        row: dict[str, Any] = json.loads(line)
        if row["id"] == call_id:
            return row
    raise KeyError(call_id)


def stored_transcript(call_id: str) -> list[dict[str, Any]]:
    """A dialogue's turns as the stored ``transcript`` of a completed job (times added)."""
    segments, clock = [], 0.0
    for turn in dialogue(call_id)["turns"]:
        end = clock + max(1.0, 0.07 * len(turn["text"]))
        segments.append(
            {"speaker": turn["speaker"], "start": round(clock, 3), "end": round(end, 3),
             "text": turn["text"], "confidence": 0.9, "words": []}
        )  # fmt: skip
        clock = end + 0.3
    return segments


def create(api: Api, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    with api.client(key) as client:
        return client.post("/scorecards", json=body or SCORECARD)


def complete_job(api: Api, job_id: str, call_id: str) -> None:
    """Finish a pending job the way a worker does, with a real dialogue as its transcript."""
    repository = api.repository
    assert repository.claim_fetch("fetcher", 60) is not None
    assert repository.finish_fetch(job_id, "fetcher", "/tmp/audio", 10)
    assert repository.claim_job("worker", 60) is not None
    result = {"transcript": stored_transcript(call_id), "summary": "stays"}
    assert repository.complete_job(job_id, "worker", result)


def test_create_get_list_and_export_the_same_json(api_only: Api) -> None:
    response = create(api_only)
    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("sc_") and created["version"] == 1
    assert response.headers["location"] == f"/scorecards/{created['id']}"
    assert created["scorecard"] == SCORECARD
    with api_only.client() as client:
        fetched = client.get(f"/scorecards/{created['id']}").json()
        listed = client.get("/scorecards").json()["data"]
    assert fetched == created
    assert [(s["id"], s["name"], s["criteria_count"]) for s in listed] == [
        (created["id"], SCORECARD["name"], 9)
    ]
    assert "scorecard" not in listed[0]


def test_invalid_scorecards_answer_422_with_field_errors(api_only: Api) -> None:
    bad = json.loads(json.dumps(SCORECARD))
    bad["sections"][1]["criteria"][0]["weight"] = -1
    bad["pass_threshold"] = "high"
    response = create(api_only, bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_scorecard"
    fields = {e["field"] for e in error["errors"]}
    assert fields == {"pass_threshold", "sections[1].criteria[0].weight"}
    with api_only.client() as client:
        not_json = client.post(
            "/scorecards", content=b"{nope", headers={"content-type": "application/json"}
        )
    assert not_json.status_code == 422


def test_put_makes_versions_and_get_reads_any_of_them(api_only: Api) -> None:
    scorecard_id = create(api_only).json()["id"]
    stricter = {**SCORECARD, "pass_threshold": 85}
    with api_only.client() as client:
        updated = client.put(f"/scorecards/{scorecard_id}", json=stricter)
        assert updated.status_code == 200
        assert (updated.json()["version"], updated.json()["latest_version"]) == (2, 2)
        latest = client.get(f"/scorecards/{scorecard_id}").json()
        first = client.get(f"/scorecards/{scorecard_id}", params={"version": 1}).json()
        history = client.get(f"/scorecards/{scorecard_id}/versions").json()["data"]
        missing = client.get(f"/scorecards/{scorecard_id}", params={"version": 3})
        invalid = client.put(f"/scorecards/{scorecard_id}", json={"name": "x"})
    assert latest["scorecard"]["pass_threshold"] == 85
    assert first["scorecard"]["pass_threshold"] == 70 and first["latest_version"] == 2
    assert [v["version"] for v in history] == [1, 2]
    assert missing.status_code == 404
    assert invalid.status_code == 422


def test_delete_archives(api_only: Api) -> None:
    scorecard_id = create(api_only).json()["id"]
    with api_only.client() as client:
        archived = client.delete(f"/scorecards/{scorecard_id}")
        assert archived.status_code == 200 and archived.json()["archived"] is True
        assert client.get("/scorecards").json()["data"] == []
        everything = client.get("/scorecards", params={"include_archived": True}).json()
        assert [s["id"] for s in everything["data"]] == [scorecard_id]
        assert client.get(f"/scorecards/{scorecard_id}").status_code == 200
        edit = client.put(f"/scorecards/{scorecard_id}", json=SCORECARD)
        assert edit.status_code == 422 and edit.json()["error"]["code"] == "scorecard_archived"
        job = client.post(
            "/transcription",
            json={**JOB, "features": ["qa_scoring"], "qa_scorecard_id": scorecard_id},
        )
    assert job.status_code == 422
    assert job.json()["error"]["code"] == "scorecard_archived"


def test_another_account_gets_404_everywhere(api_only: Api) -> None:
    scorecard_id = create(api_only).json()["id"]
    other = api_only.new_account_key("other-account")
    with api_only.client(other) as client:
        answers = [
            client.get(f"/scorecards/{scorecard_id}"),
            client.get(f"/scorecards/{scorecard_id}/versions"),
            client.put(f"/scorecards/{scorecard_id}", json=SCORECARD),
            client.delete(f"/scorecards/{scorecard_id}"),
            client.post(
                "/transcription",
                json={**JOB, "features": ["qa_scoring"], "qa_scorecard_id": scorecard_id},
            ),
        ]
        assert client.get("/scorecards").json()["data"] == []
    assert [a.status_code for a in answers] == [404] * 5
    assert {a.json()["error"]["code"] for a in answers} == {"scorecard_not_found"}
    with api_only.client() as owner:
        assert owner.get(f"/scorecards/{scorecard_id}").json()["archived"] is False


def test_scorecards_need_a_key(api_only: Api) -> None:
    import httpx

    with httpx.Client(base_url=api_only.base_url) as anonymous:
        assert anonymous.get("/scorecards").status_code == 401
        assert anonymous.post("/scorecards", json=SCORECARD).status_code == 401


def test_a_job_pins_the_scorecard_version_it_was_submitted_with(api_only: Api) -> None:
    scorecard_id = create(api_only).json()["id"]
    with api_only.client() as client:
        job = client.post(
            "/transcription",
            json={**JOB, "features": ["qa_scoring"], "qa_scorecard_id": scorecard_id},
        )
        assert job.status_code == 201
        body = job.json()
        client.put(f"/scorecards/{scorecard_id}", json={**SCORECARD, "pass_threshold": 90})
        later = client.get(f"/transcription/{body['job_id']}").json()
    assert (body["qa_scorecard_id"], body["qa_scorecard_version"]) == (scorecard_id, 1)
    assert later["qa_scorecard_version"] == 1


def test_rescoring_a_completed_job_uses_the_stored_transcript(api_only: Api) -> None:
    scorecard_id = create(api_only).json()["id"]
    with api_only.client() as client:
        job_id = client.post("/transcription", json=JOB).json()["job_id"]
        early = client.post(f"/transcription/{job_id}/qa", json={"qa_scorecard_id": scorecard_id})
        assert early.status_code == 409 and early.json()["error"]["code"] == "job_not_completed"
        complete_job(api_only, job_id, "en-003")  # a rude agent: fatal fail

        scored = client.post(f"/transcription/{job_id}/qa", json={"qa_scorecard_id": scorecard_id})
        assert scored.status_code == 200, scored.text
        body = scored.json()
        qa = body["qa"]
        assert (qa["scorecard_id"], qa["scorecard_version"]) == (scorecard_id, 1)
        assert (body["qa_scorecard_id"], body["qa_scorecard_version"]) == (scorecard_id, 1)
        assert qa["fatal_failed"] is True and qa["passed"] is False
        rude = next(c for c in qa["criteria"] if c["id"] == "no_rude_or_abusive_language")
        assert rude["result"] == "fail" and rude["evidence"]
        assert body["summary"] == "stays"  # nothing else re-run
        assert client.get(f"/transcription/{job_id}").json()["qa"] == qa

        # A QA team relaxes the scorecard (the rude criterion no longer fatal) and re-scores.
        relaxed = json.loads(json.dumps(SCORECARD))
        relaxed["sections"][2]["criteria"][1]["fatal"] = False
        client.put(f"/scorecards/{scorecard_id}", json=relaxed)
        rescored = client.post(
            f"/transcription/{job_id}/qa", json={"qa_scorecard_id": scorecard_id}
        ).json()
        assert rescored["qa"]["scorecard_version"] == 2
        assert rescored["qa"]["fatal_failed"] is False
        assert rescored["qa_scorecard_version"] == 2
        # An older version on request, even after the scorecard is archived.
        client.delete(f"/scorecards/{scorecard_id}")
        pinned = client.post(
            f"/transcription/{job_id}/qa", json={"qa_scorecard_id": scorecard_id, "version": 1}
        )
        assert pinned.status_code == 200 and pinned.json()["qa"]["fatal_failed"] is True
        latest_archived = client.post(
            f"/transcription/{job_id}/qa", json={"qa_scorecard_id": scorecard_id}
        )
        assert latest_archived.status_code == 422


@pytest.mark.parametrize(
    ("body", "status"),
    [({"qa_scorecard_id": "sc_missing"}, 404), ({}, 422), ({"qa_scorecard_id": "x", "v": 1}, 422)],
)
def test_rescoring_refuses_bad_requests(api_only: Api, body: dict[str, Any], status: int) -> None:
    with api_only.client() as client:
        job_id = client.post("/transcription", json=JOB).json()["job_id"]
        complete_job(api_only, job_id, "hi-011")
        assert client.post(f"/transcription/{job_id}/qa", json=body).status_code == status
        assert client.post("/transcription/job_missing/qa", json=body).status_code in (404, 422)


def test_rescoring_another_accounts_job_is_404(api_only: Api) -> None:
    other = api_only.new_account_key("other-account")
    with api_only.client() as client:
        job_id = client.post("/transcription", json=JOB).json()["job_id"]
    complete_job(api_only, job_id, "hi-011")
    with api_only.client(other) as client:
        scorecard_id = create(api_only, key=other).json()["id"]
        answer = client.post(f"/transcription/{job_id}/qa", json={"qa_scorecard_id": scorecard_id})
    assert answer.status_code == 404


@pytest.fixture
def service(settings: Settings, model_registry: ModelRegistry) -> Iterator[Api]:
    """The API with its embedded workers and the session's speech model."""
    app = create_app(settings, workers=True, models=model_registry)
    with running_api(app, settings) as api:
        yield api


@pytest.mark.slow
def test_a_real_clip_is_transcribed_and_scored_with_the_pinned_version(service: Api) -> None:
    clip = DATA / "audio" / "common_voice_hi_23827785.mp3"  # "बाहर नहीं जाना चाहते हो क्या?"
    scorecard = {
        "name": "Clip check",
        "pass_threshold": 50,
        "sections": [
            {
                "name": "Said",
                "criteria": [
                    {"id": "asked_about_going_out", "question": "Asked about going out?",
                     "weight": 10, "kind": "required",
                     "examples": {"hi": ["बाहर नहीं जाना चाहते हो क्या"]}},
                    {"id": "no_blame", "question": "No blaming?", "weight": 5, "fatal": True,
                     "kind": "prohibited", "examples": {"hi": ["ये आपकी गलती है"]}},
                    {"id": "talk_share", "question": "Agent under 80 %?", "weight": 5,
                     "kind": "agent_talk_share", "max_share": 0.8},
                ],
            }
        ],
    }  # fmt: skip
    with LocalHTTPServer() as audio, service.client() as client:
        url = audio.add_file("/calls/clip.mp3", clip.read_bytes(), "audio/mpeg")
        scorecard_id = client.post("/scorecards", json=scorecard).json()["id"]
        submitted = client.post(
            "/transcription",
            json={
                "audio_url": url,
                "language": "hi-IN",
                "num_speakers": 1,
                "features": ["transcription", "qa_scoring"],
                "qa_scorecard_id": scorecard_id,
            },
        )
        assert submitted.status_code == 201, submitted.text
        # An edit after submission must not change how this job is scored.
        relaxed = {**scorecard, "pass_threshold": 10}
        assert client.put(f"/scorecards/{scorecard_id}", json=relaxed).json()["version"] == 2
        body = wait_for_job(client, submitted.json()["job_id"])
    assert body["status"] == "completed", body["error"]
    qa = body["qa"]
    assert (qa["scorecard_id"], qa["scorecard_version"], qa["pass_threshold"]) == (
        scorecard_id,
        1,
        50,
    )
    results = {c["id"]: c for c in qa["criteria"]}
    said = results["asked_about_going_out"]
    assert said["result"] == "pass", (body["transcript"], said)
    assert "बाहर" in said["evidence"][0]["text"]
    assert results["no_blame"]["result"] == "pass"
    assert results["talk_share"]["result"] == "na"  # one speaker: no share to measure
    assert (qa["score"], qa["max_score"], qa["passed"]) == (15, 15, True)


def test_a_replayed_submission_returns_its_job_after_the_scorecard_is_archived(
    api_only: Api,
) -> None:
    scorecard_id = create(api_only).json()["id"]
    body = {**JOB, "features": ["qa_scoring"], "qa_scorecard_id": scorecard_id}
    with api_only.client() as client:
        first = client.post("/transcription", json=body, headers={"Idempotency-Key": "k1"})
        client.delete(f"/scorecards/{scorecard_id}")
        again = client.post("/transcription", json=body, headers={"Idempotency-Key": "k1"})
        fresh = client.post("/transcription", json=body, headers={"Idempotency-Key": "k2"})
    assert first.status_code == 201
    assert again.status_code == 200 and again.json() == first.json()
    assert again.json()["qa_scorecard_version"] == 1
    assert fresh.status_code == 422 and fresh.json()["error"]["code"] == "scorecard_archived"
