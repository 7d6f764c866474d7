"""What a worker needs, built once per process: settings, repository, models."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from neuronlens.config import Settings
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    repository: Repository
    models: ModelRegistry

    @classmethod
    def from_settings(
        cls, settings: Settings, *, models: ModelRegistry | None = None
    ) -> WorkerContext:
        """Connect to the database (migrating it); ``models`` lets tests share loaded models."""
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        return cls(
            settings=settings,
            repository=Repository(engine),
            models=models or ModelRegistry(settings),
        )

    def audio_dir_for(self, job_id: str) -> Path:
        """Where a job's downloaded audio is kept until the job is deleted."""
        return self.settings.audio_dir / job_id

    def remove_audio(self, job_id: str) -> None:
        """Delete a job's stored audio (on job deletion)."""
        shutil.rmtree(self.audio_dir_for(job_id), ignore_errors=True)
