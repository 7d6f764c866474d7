"""Structured logs: one JSON object per line, carrying the job id a worker is handling."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from neuronlens.logs import bind_job, configure_logging


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_carry_the_job_id(
    capsys: pytest.CaptureFixture[str], restore_root_logger: None
) -> None:
    configure_logging("info", "json")
    log = logging.getLogger("neuronlens.test")
    with bind_job("job_123"):
        log.info("fetched %d bytes", 42)
    log.warning("outside a job")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["message"] == "fetched 42 bytes"
    assert lines[0]["job_id"] == "job_123"
    assert lines[0]["level"] == "info" and lines[0]["logger"] == "neuronlens.test"
    assert "job_id" not in lines[1]
    assert "ValueError: boom" in lines[2]["exc"]


def test_text_format_stays_human(
    capsys: pytest.CaptureFixture[str], restore_root_logger: None
) -> None:
    configure_logging("info", "text")
    logging.getLogger("neuronlens.test").info("hello")
    assert capsys.readouterr().err.rstrip().endswith("INFO neuronlens.test: hello")


def test_json_lines_never_carry_credentials(
    capsys: pytest.CaptureFixture[str], restore_root_logger: None
) -> None:
    configure_logging("info", "json")
    log = logging.getLogger("neuronlens.test")
    signed = "https://bucket.example/call.mp3?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA1"
    log.info("fetching %s with key %s", signed, "nl_" + "a" * 40)
    try:
        raise RuntimeError(f"download of {signed} failed: Authorization: Bearer nl_{'b' * 40}")
    except RuntimeError:
        log.exception("worker failed")
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines()]
    assert len(lines) == 2
    assert "deadbeef" not in output and "AKIA1" not in output
    assert "a" * 40 not in output and "b" * 40 not in output
    assert "https://bucket.example/call.mp3" in lines[0]["message"]
    assert "RuntimeError" in lines[1]["exc"]
