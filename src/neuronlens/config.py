"""Settings from ``NEURONLENS_*`` environment variables, read at start-up (never at import)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_MODEL = "embedded:whisper-base"
"""The model name that means the Whisper base model assembled from the registry packages."""


class Settings(BaseSettings):
    """Every tunable of the service. See README → Configuration."""

    model_config = SettingsConfigDict(env_prefix="NEURONLENS_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = None
    """SQLAlchemy URL; default: SQLite at ``<data_dir>/neuronlens.db``."""

    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: SecretStr | None = None
    """Signs sessions and encrypts stored webhook secrets; default: ``<data_dir>/secret.key``."""

    # Ingestion
    allow_private_urls: bool = False
    max_audio_bytes: int = 1024 * 1024 * 1024
    max_audio_seconds: float = 4 * 3600.0
    fetch_connect_timeout: float = 10.0
    fetch_read_timeout: float = 30.0
    fetch_total_timeout: float = 900.0
    fetch_max_redirects: int = 5
    fetch_attempts: int = 3
    metadata_max_bytes: int = 16 * 1024

    # Abuse limits, per account (see docs/security.md); 0 turns a limit off
    rate_limit_requests: int = 600
    """Authenticated API requests per account per ``rate_limit_window`` (a token bucket)."""
    rate_limit_window: float = 60.0
    max_unfinished_jobs: int = 100
    """Jobs an account may have pending or processing at once; more submissions get 429."""

    # Workers
    queue: Literal["embedded", "celery"] = "embedded"
    workers: int = 1
    fetch_workers: int = 4
    lease_seconds: float = 60.0
    max_attempts: int = 3
    poll_interval: float = 1.0

    # Scale-out (queue=celery): see docs/scale-out.md
    broker_url: str | None = None
    """Celery broker for ``queue=celery``: ``redis://host:6379/0`` or ``amqp://user:pw@host//``."""
    celery_queue_prefix: str = ""
    """Prefix for the ``io`` and ``speech`` queue names (several deployments on one broker)."""
    broker_visibility_timeout: float = 3600.0
    """Redis: seconds before an unacknowledged message is delivered again (the lease decides)."""
    sweep_interval: float = 15.0
    """Seconds between sweeps that re-enqueue jobs whose lease expired or message was lost."""
    requeue_after: float = 300.0
    """A ready job nobody claimed for this long is announced again (a lost message)."""
    storage_url: str | None = None
    """Where fetched audio is kept: ``file:///path`` (default ``<data_dir>/audio``) or
    ``s3://bucket/prefix``."""
    s3_endpoint_url: str | None = None
    """An S3-compatible server (MinIO, Ceph, ...); default: AWS."""
    log_format: Literal["text", "json"] = "text"

    # Webhooks (see docs/webhooks.md)
    webhook_retry_delays: list[float] = Field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]
    )
    """Seconds before each retry (±10 % jitter); one attempt plus one per entry, ≈ 27.6 h."""
    webhook_timeout: float = 15.0
    """Seconds a receiver has to answer one attempt (connect, send, response)."""
    webhook_workers: int = 2
    """Delivery threads of the embedded queue (separate from downloads and processing)."""
    webhook_secret_grace_seconds: float = 86400.0
    """After a secret rotation, the previous secret also signs deliveries for this long."""

    # Speech recognition
    asr_models: dict[str, str] = Field(default_factory=dict)
    """Per-language model routing, e.g. ``{"hi-IN": "/models/whisper-hi-ct2"}``; ``*`` = any."""
    asr_default_model: str = EMBEDDED_MODEL
    asr_device: str = "cpu"
    asr_compute_type: str = "int8"
    cpu_threads: int = 0
    """CPU threads for CTranslate2/onnxruntime; 0 means every core."""
    asr_hotwords_path: Path | None = None
    """A deployment's own hotwords.json (call-centre words per language); default: built in."""
    model_cache_dir: Path | None = None
    """Where assembled embedded models live; default ``<data_dir>/models``."""

    # Call analysis (summary, sentiment, intent)
    intent_taxonomy_path: Path | None = None
    """A deployment's own intents.json (ids, descriptions, cue phrases); default: built in."""
    llm_url: str | None = None
    """An OpenAI-compatible chat-completions endpoint; with key and model, analysis uses it."""
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout: float = 20.0
    llm_retries: int = 2

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    # A deployment's data files are read at start-up, so a mistake in one stops the service
    # with its reason instead of failing every job later.
    @field_validator("asr_hotwords_path", mode="after")
    @classmethod
    def _readable_hotwords(cls, value: Path | None) -> Path | None:
        if value is not None:
            from neuronlens.pipeline import asr_hotwords

            _read_data_file(value, asr_hotwords.load)
        return value

    @field_validator("intent_taxonomy_path", mode="after")
    @classmethod
    def _readable_taxonomy(cls, value: Path | None) -> Path | None:
        if value is not None:
            from neuronlens.analysis.intent import load_taxonomy

            _read_data_file(value, load_taxonomy)
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'neuronlens.db'}"

    @property
    def spool_dir(self) -> Path:
        """Where recordings being processed are decoded to, one folder per job."""
        return self.data_dir / "spool"

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @property
    def models_dir(self) -> Path:
        return (self.model_cache_dir or self.data_dir / "models").expanduser().resolve()

    @property
    def threads(self) -> int:
        return self.cpu_threads or os.cpu_count() or 1

    def model_for(self, language_code: str) -> str:
        """The ASR model configured for a BCP-47 code (exact, then base language, then ``*``)."""
        table = {key.lower(): value for key, value in self.asr_models.items()}
        code = language_code.lower()
        for key in (code, code.split("-")[0], "*"):
            if key in table:
                return table[key]
        return self.asr_default_model


def _read_data_file(path: Path, load: Callable[[Path], object]) -> None:
    """Load ``path`` with ``load``, which raises ValueError for a malformed file; a file that
    cannot be read becomes a ValueError too (pydantic reports those as validation errors)."""
    try:
        load(path)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc
