"""``neuronlens analyze --scorecard`` as a user runs it (a real child process)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DATA_DIR
from tests.test_cli import run_cli

SCORECARD = DATA_DIR / "scorecards" / "retail_banking.json"


def test_analyze_scores_a_transcript_with_a_scorecard_file(tmp_path: Path) -> None:
    lines = (DATA_DIR / "dialogues" / "sample.jsonl").read_text().splitlines()
    dialogue = next(json.loads(line) for line in lines if '"en-003"' in line)
    segments = [{"speaker": turn["speaker"], "text": turn["text"]} for turn in dialogue["turns"]]
    transcript_file = tmp_path / "transcript.json"
    transcript_file.write_text(json.dumps(segments, ensure_ascii=False))
    result = run_cli(
        tmp_path,
        "analyze",
        str(transcript_file),
        "--language",
        "en-IN",
        "--features",
        "intent",
        "--scorecard",
        str(SCORECARD),
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["features"] == ["transcription", "intent", "qa_scoring"]
    assert (body["qa_scorecard_id"], body["qa_scorecard_version"]) == ("retail_banking", 1)
    qa = body["qa"]
    results = {c["id"]: c["result"] for c in qa["criteria"]}
    expected = {key: "pass" if ok else "fail" for key, ok in dialogue["qa"].items()}
    assert results == expected
    assert qa["fatal_failed"] is True and qa["passed"] is False


def test_an_invalid_scorecard_file_is_explained(tmp_path: Path) -> None:
    bad = json.loads(SCORECARD.read_text("utf-8"))
    bad["sections"][0]["criteria"][0]["weight"] = 0
    scorecard = tmp_path / "bad.json"
    scorecard.write_text(json.dumps(bad))
    transcript = tmp_path / "t.json"
    transcript.write_text('[{"speaker": "agent", "text": "Hello"}]')
    result = run_cli(
        tmp_path, "analyze", str(transcript), "--language", "en-IN", "--scorecard", str(scorecard)
    )
    assert result.returncode != 0
    assert "sections[0].criteria[0].weight" in result.stderr


def test_qa_scoring_without_a_scorecard_is_refused(tmp_path: Path) -> None:
    transcript = tmp_path / "t.json"
    transcript.write_text('[{"speaker": "agent", "text": "Hello"}]')
    result = run_cli(
        tmp_path, "analyze", str(transcript), "--language", "en-IN", "--features", "qa_scoring"
    )
    assert result.returncode != 0 and "--scorecard" in result.stderr
