"""What a worker needs, built once per process: settings, repository, models."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from neuronlens.config import Settings
from neuronlens.pipeline.audio_spool import remove_orphaned_spools
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.storage.audio_store import AudioStore, StorageUnavailable, audio_store_from_settings
from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    repository: Repository
    models: ModelRegistry
    audio_store: AudioStore = field(default=None)  # type: ignore[assignment]
    """Where fetched audio is kept; default: the store ``settings.storage_url`` names."""

    def __post_init__(self) -> None:
        if self.audio_store is None:
            object.__setattr__(self, "audio_store", audio_store_from_settings(self.settings))
        for folder in remove_orphaned_spools(self.settings.spool_dir):
            logging.getLogger(__name__).warning("removed %s, left by a worker that died", folder)

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
        """The local directory a job's audio is downloaded into."""
        return self.audio_store.staging_path(job_id).parent

    def remove_audio(self, job_id: str) -> None:
        """Delete a job's stored audio (on job deletion); a store outage is logged, not raised."""
        try:
            self.audio_store.delete(job_id)
        except StorageUnavailable:
            logging.getLogger(__name__).exception("job %s: could not delete its audio", job_id)
