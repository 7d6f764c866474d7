"""API fixtures: a live server (real HTTP) with an account and an authorised client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.storage.db import make_engine
from neuronlens.storage.repository import Repository
from tests.support.live_server import serve_app


@dataclass
class Api:
    base_url: str
    key: str
    repository: Repository

    def client(self, key: str | None = None) -> httpx.Client:
        """An HTTP client authorised with ``key`` (default: the test account's key)."""
        headers = {"Authorization": f"Bearer {key or self.key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def new_account_key(self, name: str) -> str:
        return self.repository.create_account(name)[1]


@contextmanager
def running_api(app: FastAPI, settings: Settings) -> Iterator[Api]:
    """Serve ``app`` over real HTTP with a fresh account; yields the handle."""
    with serve_app(app) as base_url:
        engine = make_engine(settings.resolved_database_url)
        try:
            key = Repository(engine).create_account("test-account")[1]
            yield Api(base_url=base_url, key=key, repository=Repository(engine))
        finally:
            engine.dispose()


@pytest.fixture
def api_only(settings: Settings) -> Iterator[Api]:
    """The API without workers: jobs stay pending (as on an API node of a scaled deployment)."""
    with running_api(create_app(settings, workers=False), settings) as api:
        yield api
