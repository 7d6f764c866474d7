"""QA → Scorecards pages: create, field-path errors, versions, archive, import and export."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from neuronlens.analysis.scorecard_schema import parse_scorecard
from neuronlens.storage.scorecards import ScorecardRepository
from tests.dashboard.conftest import Dashboard, add_job


def card(name: str = "Service call", weight: Any = 10) -> dict[str, Any]:
    return {
        "name": name,
        "pass_threshold": 70,
        "sections": [
            {
                "name": "Opening",
                "criteria": [
                    {
                        "id": "greeting",
                        "question": "Did the agent greet the customer?",
                        "weight": weight,
                        "fatal": False,
                        "kind": "required",
                        "within_seconds": 30,
                        "examples": {"hi": ["नमस्ते"], "en": ["Hello, thank you for calling."]},
                        "team_note": "kept as is",
                    }
                ],
            }
        ],
    }


def create(dashboard: Dashboard, definition: dict[str, Any]) -> str:
    response = dashboard.client.post(
        "/qa/scorecards/new",
        data={"csrf_token": dashboard.token(), "definition": json.dumps(definition)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    match = re.match(r"/qa/scorecards/(sc_\w+)\?done=created", response.headers["location"])
    assert match
    return match.group(1)


def test_create_edit_history_and_archive(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    editor = client.get("/qa/scorecards/new").text
    assert 'id="definition"' in editor and "/static/scorecard-editor.js" in editor
    scorecard_id = create(dashboard, card())
    page = client.get(f"/qa/scorecards/{scorecard_id}?done=created").text
    assert "Scorecard created" in page and "Save as version 2" in page
    assert "team_note" in page  # unknown keys survive the round trip

    saved = client.post(
        f"/qa/scorecards/{scorecard_id}",
        data={"csrf_token": dashboard.token(), "definition": json.dumps(card("Service call v2"))},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    store = ScorecardRepository(dashboard.repository.engine)
    assert store.get(dashboard.account_id, scorecard_id).version == 2
    page = client.get(f"/qa/scorecards/{scorecard_id}").text
    assert f'href="/qa/scorecards/{scorecard_id}?version=1"' in page
    old = client.get(f"/qa/scorecards/{scorecard_id}?version=1").text
    assert "You are looking at version 1" in old and "readonly" in old
    assert json.loads(_textarea(old))["name"] == "Service call"

    listing = client.get("/qa/scorecards").text
    assert "Service call v2" in listing and "v2" in listing
    archived = client.post(
        f"/qa/scorecards/{scorecard_id}/archive",
        data={"csrf_token": dashboard.token()},
        follow_redirects=False,
    )
    assert archived.status_code == 303
    assert "Service call v2" not in client.get("/qa/scorecards").text
    assert "archived" in client.get("/qa/scorecards?archived=true").text
    again = client.post(
        f"/qa/scorecards/{scorecard_id}",
        data={"csrf_token": dashboard.token(), "definition": json.dumps(card())},
    )
    assert again.status_code == 422 and "archived" in again.text


def test_validation_errors_carry_field_paths(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    bad = card(weight=-5)
    bad["pass_threshold"] = 150
    response = client.post(
        "/qa/scorecards/new",
        data={"csrf_token": dashboard.token(), "definition": json.dumps(bad)},
    )
    assert response.status_code == 422
    assert "<code>pass_threshold</code>" in response.text
    assert "<code>sections[0].criteria[0].weight</code>" in response.text
    # The structured editor places them next to the fields from this list.
    errors = re.search(r"data-errors='([^']*)'", response.text)
    assert errors
    fields = {e["field"] for e in json.loads(errors.group(1).replace("&#34;", '"'))}
    assert fields == {"pass_threshold", "sections[0].criteria[0].weight"}
    assert json.loads(_textarea(response.text)) == bad  # the draft is kept
    broken = client.post(
        "/qa/scorecards/new", data={"csrf_token": dashboard.token(), "definition": "{oops"}
    )
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    assert ScorecardRepository(dashboard.repository.engine).list(dashboard.account_id) == []


def _textarea(page: str) -> str:
    match = re.search(r'<textarea id="definition"[^>]*>(.*?)</textarea>', page, re.S)
    assert match
    return html.unescape(match.group(1))


def test_import_and_export_round_trip(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    original = card("Imported")
    response = client.post(
        "/qa/scorecards/import",
        data={"csrf_token": dashboard.token()},
        files={"file": ("card.json", json.dumps(original).encode(), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    scorecard_id = response.headers["location"].split("/")[-1].split("?")[0]
    exported = client.get(f"/qa/scorecards/{scorecard_id}/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json() == original
    bad = client.post(
        "/qa/scorecards/import",
        data={"csrf_token": dashboard.token()},
        files={"file": ("card.json", b'{"name": ""}', "application/json")},
    )
    assert bad.status_code == 422 and "<code>name</code>" in bad.text


def test_another_accounts_scorecard_is_404(dashboard: Dashboard) -> None:
    other, _ = dashboard.repository.create_account("globex")
    theirs = ScorecardRepository(dashboard.repository.engine).create(
        other.id, parse_scorecard(card("Secret card"))
    )
    client = dashboard.sign_in()
    for path in (f"/qa/scorecards/{theirs.id}", f"/qa/scorecards/{theirs.id}/export"):
        response = client.get(path)
        assert response.status_code == 404 and "Secret card" not in response.text
    for path in (f"/qa/scorecards/{theirs.id}", f"/qa/scorecards/{theirs.id}/archive"):
        response = client.post(
            path, data={"csrf_token": dashboard.token(), "definition": json.dumps(card())}
        )
        assert response.status_code == 404
    assert "Secret card" not in client.get("/qa/scorecards?archived=true").text
    assert ScorecardRepository(dashboard.repository.engine).get(other.id, theirs.id).version == 1


def test_submit_form_offers_and_pins_scorecards(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    scorecard_id = create(dashboard, card())
    form = client.get("/settings/submit").text
    assert f'<option value="{scorecard_id}"' in form
    response = client.post(
        "/settings/submit",
        data={
            "csrf_token": dashboard.token(),
            "audio_url": "https://example.com/a.mp3",
            "language": "hi-IN",
            "features": ["qa_scoring"],
            "qa_scorecard_id": scorecard_id,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    job = dashboard.repository.get_job(dashboard.account_id, response.headers["location"][7:])
    assert job.request.qa_scorecard_id == scorecard_id
    assert job.request.qa_scorecard_version == 1


def test_score_a_completed_call_again_from_its_page(dashboard: Dashboard) -> None:
    client = dashboard.sign_in()
    scorecard_id = create(dashboard, card("Greeting card"))
    transcript = [
        {
            "speaker": "agent",
            "start": 0.0,
            "end": 2.0,
            "text": "Hello, thank you for calling.",
            "confidence": 0.9,
            "words": [],
        },
        {
            "speaker": "customer",
            "start": 2.5,
            "end": 4.0,
            "text": "My card is blocked.",
            "confidence": 0.9,
            "words": [],
        },
    ]
    job = add_job(dashboard.repository, dashboard.account_id, result={"transcript": transcript})
    page = client.get(f"/calls/{job.id}").text
    assert "Score this call" in page and f'<option value="{scorecard_id}"' in page
    response = client.post(
        f"/calls/{job.id}/rescore",
        data={"csrf_token": dashboard.token(), "scorecard_id": scorecard_id},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Scored again" in page and 'id="qa-greeting"' in page
    assert re.search(r'class="line agent cited"', page)  # the greeting is the evidence
    qa = (dashboard.repository.get_job(dashboard.account_id, job.id).result or {})["qa"]
    assert qa["scorecard_id"] == scorecard_id and qa["criteria"][0]["result"] == "pass"

    pending = add_job(dashboard.repository, dashboard.account_id)
    refused = client.post(
        f"/calls/{pending.id}/rescore",
        data={"csrf_token": dashboard.token(), "scorecard_id": scorecard_id},
    )
    assert refused.status_code == 422 and "only completed jobs" in refused.text
    other, _ = dashboard.repository.create_account("globex")
    theirs = add_job(dashboard.repository, other.id, result={"transcript": transcript})
    response = client.post(
        f"/calls/{theirs.id}/rescore",
        data={"csrf_token": dashboard.token(), "scorecard_id": scorecard_id},
    )
    assert response.status_code == 404
