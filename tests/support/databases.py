"""Test databases: a fresh SQLite file, or a fresh schema in a per-process PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL_ENV = "NEURONLENS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "NEURONLENS_REQUIRE_POSTGRES"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_admin_url() -> str:
    """The configured PostgreSQL URL; skips (or fails, when required) if there is none."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{POSTGRES_URL_ENV} is not set but {REQUIRE_POSTGRES_ENV}=1")
    pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_ENV}")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped afterwards."""
    admin = sa.engine.make_url(postgres_admin_url())
    name = f"neuronlens_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


@contextmanager
def database_url_for(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of the given backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'neuronlens.db'}"
        return
    with postgres_database() as url:
        yield url
