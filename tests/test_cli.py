"""The ``neuronlens`` command as a user runs it (a real child process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR, MODELS_DIR


def run_cli(
    tmp_path: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEURONLENS_DATA_DIR": str(tmp_path / "data"),
        "NEURONLENS_MODEL_CACHE_DIR": str(MODELS_DIR),
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "neuronlens", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_accounts_create_prints_a_working_key(tmp_path: Path) -> None:
    from neuronlens.storage.db import make_engine
    from neuronlens.storage.repository import Repository

    result = run_cli(tmp_path, "accounts", "create", "acme")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("nl_") and len(key) > 40
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'neuronlens.db'}")
    account = Repository(engine).account_for_key(key)
    engine.dispose()
    assert account is not None and account.name == "acme"
    again = run_cli(tmp_path, "accounts", "create", "acme")
    assert again.returncode != 0 and "already exists" in again.stderr


def test_transcribe_rejects_an_unknown_language(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, "transcribe", str(DATA_DIR / "audio" / "clip_16k.flac"), "--language", "xx-XX"
    )
    assert result.returncode != 0
    assert "unsupported language" in result.stderr and "hi-IN" in result.stderr


@pytest.mark.slow
def test_transcribe_json_prints_the_job_body(tmp_path: Path) -> None:
    clip = DATA_DIR / "audio" / "common_voice_hi_23827785.mp3"
    result = run_cli(tmp_path, "transcribe", str(clip), "--language", "hi-IN", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "completed"
    assert body["language"] == "hi-IN"
    assert body["features"] == ["transcription"]
    assert body["transcript"] and body["transcript"][0]["words"]
    assert any("\u0900" <= c <= "\u097f" for c in body["transcript"][0]["text"])


@pytest.mark.slow
def test_transcribe_reports_a_bad_file_as_a_failed_job(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "transcribe",
        str(DATA_DIR / "audio" / "invoice.pdf"),
        "--language",
        "hi-IN",
        "--json",
    )
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["status"] == "failed"
    assert body["error"]["code"] == "unsupported_audio_format"


def test_analyze_runs_on_an_existing_transcript(tmp_path: Path) -> None:
    dialogue = json.loads((DATA_DIR / "dialogues" / "sample.jsonl").read_text().splitlines()[0])
    segments = [{"speaker": turn["speaker"], "text": turn["text"]} for turn in dialogue["turns"]]
    transcript_file = tmp_path / "transcript.json"
    transcript_file.write_text(json.dumps({"transcript": segments}, ensure_ascii=False))
    result = run_cli(tmp_path, "analyze", str(transcript_file), "--language", dialogue["language"])
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "completed"
    assert body["intent"] in {dialogue["intent"], *dialogue.get("intent_also_acceptable", [])}
    assert -1 <= body["sentiment"]["speakers"]["customer"] <= 1
    assert 2 <= body["summary"].count(". ") + 1 <= 5
    assert [segment["raw_text"] for segment in body["transcript"]] == [s["text"] for s in segments]
    assert "24,999" in body["transcript"][1]["text"]  # spoken amounts read as digits


def test_analyze_reports_a_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run_cli(tmp_path, "analyze", str(bad), "--language", "hi-IN")
    assert result.returncode != 0 and "bad.json" in result.stderr


@pytest.mark.parametrize(
    ("variable", "content", "reason"),
    [
        ("NEURONLENS_PORT", None, "valid integer"),
        ("NEURONLENS_ASR_HOTWORDS_PATH", '{"hi": "EMI"}', "'hi' must be a list of strings"),
        ("NEURONLENS_ASR_HOTWORDS_PATH", "", "cannot read"),
        ("NEURONLENS_INTENT_TAXONOMY_PATH", "{not json", "intent taxonomy is not valid JSON"),
        ("NEURONLENS_INTENT_TAXONOMY_PATH", '{"intents": []}', "intent taxonomy"),
    ],
)
def test_serve_refuses_bad_configuration_before_starting(
    tmp_path: Path, variable: str, content: str | None, reason: str
) -> None:
    """A malformed deployment file stops start-up with its reason, not the first job."""
    if content is None:
        value = "abc"
    elif content == "":
        value = str(tmp_path / "missing.json")
    else:
        value = str(tmp_path / "deployment.json")
        Path(value).write_text(content, encoding="utf-8")
    result = run_cli(tmp_path, "serve", "--port", "1", env_extra={variable: value})
    assert result.returncode == 1
    assert "invalid configuration" in result.stderr
    assert variable in result.stderr and reason in result.stderr
    assert "Traceback" not in result.stderr
