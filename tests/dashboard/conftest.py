"""Dashboard fixtures: the app in-process (TestClient) with an account, sign-in helpers, and
jobs put straight into the database in any state."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.domain import Job, JobRequest
from neuronlens.storage.clock import utcnow
from neuronlens.storage.repository import Repository
from neuronlens.storage.tables import jobs
from tests.conftest import MODELS_DIR

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def add_job(
    repository: Repository,
    account_id: str,
    *,
    language: str = "hi-IN",
    result: dict[str, Any] | None = None,
    audio: tuple[Path, Path] | None = None,
    failed: bool = False,
) -> Job:
    """A job as the workers would leave it: pending, completed with ``result``, or failed.

    ``audio`` is (recording, audio directory): the recording is stored there as a download."""
    request = JobRequest(audio_url="https://example.com/a.mp3", language=language)
    job = repository.create_job(account_id, request, "hash", None).job
    if result is None and not failed:
        return job
    values: dict[str, Any] = {"fetch_state": "done", "completed_at": utcnow(), "duration": 37.0}
    if failed:
        values.update(status="failed", error_code="audio_fetch_failed", error_message="HTTP 404")
    else:
        values.update(status="completed", result=result)
    if audio is not None:
        source, audio_dir = audio
        stored = audio_dir / job.id / "audio"
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, stored)
        values["audio_path"] = str(stored)
    # Written straight to the row, as a worker would leave it (no claim: other jobs may wait).
    with repository.engine.begin() as conn:
        conn.execute(jobs.update().where(jobs.c.id == job.id).values(**values))
    return repository.get_job(account_id, job.id)


@dataclass
class Dashboard:
    client: TestClient
    repository: Repository
    settings: Settings
    key: str
    account_id: str

    def sign_in(self, key: str | None = None) -> TestClient:
        """Sign in through the login form (with its CSRF token)."""
        form = self.client.get("/login")
        response = self.client.post(
            "/login",
            data={"api_key": key or self.key, "csrf_token": csrf_from(form.text), "next": "/calls"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return self.client

    def token(self, path: str = "/settings/keys") -> str:
        """The session's CSRF token, read from a signed-in page."""
        return csrf_from(self.client.get(path).text)


@pytest.fixture
def dashboard_settings(tmp_path: Path) -> Settings:
    """Page tests run on SQLite; the queries behind them are tested on both databases."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'neuronlens.db'}",
        model_cache_dir=MODELS_DIR,
        allow_private_urls=True,
    )


@pytest.fixture
def dashboard(dashboard_settings: Settings) -> Iterator[Dashboard]:
    """The service without workers (jobs stay pending), an account, a client not signed in."""
    app = create_app(dashboard_settings, workers=False)
    with TestClient(app) as client:
        repository: Repository = app.state.services.repository
        account, key = repository.create_account("acme")
        yield Dashboard(client, repository, dashboard_settings, key, account.id)
