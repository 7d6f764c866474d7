"""Shared fixtures: fresh databases on SQLite and PostgreSQL, settings, a live API server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from neuronlens.config import Settings
from neuronlens.pipeline.models import ModelRegistry, prepare_speaker_encoder
from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository
from tests.support.databases import BACKENDS, database_url_for
from tests.support.network import loopback_only

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(__file__).resolve().parent / "data"
MODELS_DIR = Path(os.environ.get("NEURONLENS_TEST_MODELS_DIR", REPO_ROOT / "data" / "models"))
"""Assembled models are shared with the setup script's cache, not rebuilt per test."""


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may send a packet beyond loopback: connects and DNS lookups elsewhere fail."""
    loopback_only(monkeypatch)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own NEURONLENS_* settings."""
    for name in list(os.environ):
        if name.startswith("NEURONLENS_") and not name.startswith("NEURONLENS_TEST"):
            monkeypatch.delenv(name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: each test using it runs on SQLite and on PostgreSQL."""
    with database_url_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def repository(database_url: str) -> Iterator[Repository]:
    engine = make_engine(database_url)
    migrate(engine)
    yield Repository(engine)
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a test service: its own data dir and database, fast polling."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        model_cache_dir=MODELS_DIR,
        allow_private_urls=True,
        poll_interval=0.1,
        lease_seconds=10,
        fetch_workers=2,
        workers=1,
    )


@pytest.fixture(scope="session")
def model_registry() -> ModelRegistry:
    """One model registry per test process, so the speech model loads once per session."""
    # Under pytest-xdist every worker process has its own model: one thread each, so two
    # workers on two cores do not fight over them.
    threads = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 0
    settings = Settings(model_cache_dir=MODELS_DIR, cpu_threads=threads)
    prepare_speaker_encoder(settings)  # the GE2E ONNX graph, built once into the shared cache
    return ModelRegistry(settings)
