"""The calls list and the call page: content, filters, paging, audio, and account isolation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from neuronlens.dashboard.pages.calls import PAGE_SIZE
from tests.dashboard.conftest import Dashboard, add_job

CALL = Path(__file__).resolve().parents[1] / "data" / "calls" / "hi_two_speakers.mp3"


def analysed(intent: str = "payment_query", passed: bool = True) -> dict[str, Any]:
    """A result as the pipeline writes it, with QA evidence pointing at segment 1."""
    return {
        "transcript": [
            {
                "speaker": "agent",
                "start": 0.5,
                "end": 3.2,
                "text": "नमस्ते, सहयोग बैंक में आपका स्वागत है।",
                "confidence": 0.9,
                "words": [],
            },
            {
                "speaker": "customer",
                "start": 3.6,
                "end": 7.9,
                "text": "मेरा EMI कट गया <b>दो बार</b>",
                "confidence": 0.8,
                "words": [],
            },
        ],
        "summary": "The customer was charged twice.",
        "sentiment": {
            "overall": -0.2,
            "label": "negative",
            "speakers": {"agent": 0.3, "customer": -0.45},
            "timeline": [
                {"start": 0.0, "end": 2.0, "agent": 0.3, "customer": None},
                {"start": 2.0, "end": 4.0, "agent": None, "customer": -0.5},
                {"start": 4.0, "end": 6.0, "agent": 0.1, "customer": -0.4},
                {"start": 6.0, "end": 8.0, "agent": 0.2, "customer": 0.1},
            ],
        },
        "intent": intent,
        "intent_confidence": 0.82,
        "intent_candidates": [
            {"id": intent, "confidence": 0.82},
            {"id": "complaint", "confidence": 0.1},
        ],
        "qa": {
            "scorecard_id": "sc_1",
            "score": 10,
            "max_score": 25,
            "percentage": 40.0 if not passed else 80.0,
            "passed": passed,
            "fatal_failed": False,
            "criteria": [
                {
                    "id": "greeting",
                    "question": "Did the agent greet?",
                    "result": "pass",
                    "score": 10,
                    "weight": 10,
                    "evidence": [
                        {"segment_index": 0, "start": 0.5, "end": 3.2, "text": "नमस्ते, सहयोग बैंक"}
                    ],
                },
                {
                    "id": "verify_identity",
                    "question": "Was identity verified?",
                    "result": "fail",
                    "score": 0,
                    "weight": 15,
                    "evidence": [
                        {"segment_index": 1, "start": 3.6, "end": 7.9, "text": "मेरा EMI कट गया"}
                    ],
                },
            ],
        },
    }


def test_the_list_shows_the_accounts_calls_with_their_analysis(dashboard: Dashboard) -> None:
    repo, me = dashboard.repository, dashboard.account_id
    done = add_job(repo, me, result=analysed())
    pending = add_job(repo, me, language="ta-IN")
    failed = add_job(repo, me, failed=True)
    other, _ = repo.create_account("globex")
    theirs = add_job(repo, other.id, result=analysed())
    html = dashboard.sign_in().get("/calls").text
    for job in (done, pending, failed):
        assert f"/calls/{job.id}" in html
    assert theirs.id not in html
    row = html[html.index(f"/calls/{done.id}") :].split("</tr>")[0]
    assert "payment_query" in row and "-0.45" in row and "80 %" in row and "0:37" in row
    assert "audio_fetch_failed" in html
    assert '<meta http-equiv="refresh"' in html  # a pending call: the list keeps itself fresh


def test_filters_and_paging(dashboard: Dashboard) -> None:
    repo, me = dashboard.repository, dashboard.account_id
    passed = add_job(repo, me, result=analysed("payment_query", True))
    failed = add_job(repo, me, language="en-IN", result=analysed("complaint", False))
    pending = add_job(repo, me)
    client = dashboard.sign_in()

    def ids(query: str) -> set[str]:
        return set(re.findall(r'href="/calls/(job_\w+)"', client.get(f"/calls?{query}").text))

    assert ids("") == {passed.id, failed.id, pending.id}
    assert ids("status=pending") == {pending.id}
    assert ids("language=en-IN") == {failed.id}
    assert ids("intent=complaint") == {failed.id}
    assert ids("qa=passed") == {passed.id}
    assert ids("qa=failed") == {failed.id}
    assert ids("sentiment=negative") == {passed.id, failed.id}  # analysed(): customer -0.45
    assert ids("sentiment=positive") == set()
    assert ids("sentiment=furious") == {passed.id, failed.id, pending.id}  # unknown: no filter
    assert ids("status=bogus&language=xx") == {passed.id, failed.id, pending.id}
    html = client.get("/calls").text
    assert '<option value="complaint"' in html  # the intent menu lists intents seen

    for _ in range(PAGE_SIZE):
        add_job(repo, me)
    first = client.get("/calls").text
    assert len(set(re.findall(r'href="/calls/(job_\w+)"', first))) == PAGE_SIZE
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert set(re.findall(r'href="/calls/(job_\w+)"', second)) == {passed.id, failed.id, pending.id}
    assert 'rel="next"' not in second


def test_the_call_page(dashboard: Dashboard) -> None:
    job = add_job(
        dashboard.repository,
        dashboard.account_id,
        result=analysed(),
        audio=(CALL, dashboard.settings.audio_dir),
    )
    html = dashboard.sign_in().get(f"/calls/{job.id}").text
    # Transcript lines, agent and customer styled apart, with their times and anchors.
    assert re.search(r'<li id="seg-0" class="line agent cited"', html)
    assert re.search(r'<li id="seg-1" class="line customer cited"', html)
    assert 'data-seek="3.6"' in html and ">0:03<" in html
    assert "&lt;b&gt;दो बार&lt;/b&gt;" in html  # transcript text is escaped
    # Evidence links to its transcript line and seeks the player.
    assert re.search(r'<a href="#seg-1" class="evidence-link" data-seek="3.6">', html)
    assert 'id="qa-verify_identity"' in html and 'href="#qa-greeting"' in html
    # Summary, sentiment per speaker and over time, intent with confidence.
    assert "The customer was charged twice." in html
    assert html.count("<polyline") == 3  # the agent's line breaks where he is silent
    assert "82 %" in html and "complaint" in html
    assert (
        f'<audio id="call-audio" controls preload="metadata" src="/calls/{job.id}/audio">' in html
    )
    assert '<meta http-equiv="refresh"' not in html


def test_a_pending_call_refreshes_itself(dashboard: Dashboard) -> None:
    job = add_job(dashboard.repository, dashboard.account_id)
    html = dashboard.sign_in().get(f"/calls/{job.id}").text
    assert '<meta http-equiv="refresh"' in html and "pending" in html
    assert "<audio" not in html


def test_audio_is_served_with_ranges(dashboard: Dashboard) -> None:
    data = CALL.read_bytes()
    job = add_job(
        dashboard.repository,
        dashboard.account_id,
        result=analysed(),
        audio=(CALL, dashboard.settings.audio_dir),
    )
    client = dashboard.sign_in()
    whole = client.get(f"/calls/{job.id}/audio")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "audio/mpeg"
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"/calls/{job.id}/audio", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert part.content == data[1000:2000]
    tail = client.get(f"/calls/{job.id}/audio", headers={"Range": f"bytes={len(data) + 5}-"})
    assert tail.status_code == 416


def test_another_accounts_call_is_404(dashboard: Dashboard) -> None:
    other, _ = dashboard.repository.create_account("globex")
    theirs = add_job(
        dashboard.repository,
        other.id,
        result=analysed(),
        audio=(CALL, dashboard.settings.audio_dir),
    )
    client = dashboard.sign_in()
    for path in (f"/calls/{theirs.id}", f"/calls/{theirs.id}/audio", "/calls/job_missing"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text
        assert "सहयोग" not in response.text
    deleted = client.post(f"/calls/{theirs.id}/delete", data={"csrf_token": dashboard.token()})
    assert deleted.status_code == 404
    assert dashboard.repository.get_job(other.id, theirs.id)


def test_delete_a_call(dashboard: Dashboard) -> None:
    job = add_job(dashboard.repository, dashboard.account_id, result=analysed())
    client = dashboard.sign_in()
    response = client.post(
        f"/calls/{job.id}/delete", data={"csrf_token": dashboard.token()}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get(f"/calls/{job.id}").status_code == 404
