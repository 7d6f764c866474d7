"""deploy/docker-compose.yml: every NEURONLENS_* variable it sets is a real, valid setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from neuronlens.config import Settings

COMPOSE = Path(__file__).resolve().parents[1] / "deploy" / "docker-compose.yml"
PREFIX = "NEURONLENS_"


def services() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return loaded


def settings_of(service: dict[str, Any]) -> Settings:
    env = {
        name[len(PREFIX) :].lower(): str(value).replace("${NEURONLENS_SECRET_KEY:?", "x")
        for name, value in (service.get("environment") or {}).items()
        if name.startswith(PREFIX)
    }
    unknown = set(env) - set(Settings.model_fields)
    assert not unknown, f"not settings: {sorted(unknown)}"
    return Settings(**env)


@pytest.mark.parametrize("name", ["api1", "api2", "worker-io", "worker-speech", "worker-gpu"])
def test_every_node_runs_in_celery_mode_on_shared_services(name: str) -> None:
    settings = settings_of(services()[name])
    assert settings.queue == "celery"
    assert settings.broker_url == "redis://redis:6379/0"
    assert (settings.database_url or "").startswith("postgresql+psycopg://")
    assert settings.storage_url == "s3://neuronlens-audio/audio"
    assert settings.log_format == "json"


def test_the_gpu_worker_uses_cuda_float16_on_the_speech_queue() -> None:
    gpu = services()["worker-gpu"]
    settings = settings_of(gpu)
    assert (settings.asr_device, settings.asr_compute_type) == ("cuda", "float16")
    assert gpu["command"][:4] == ["neuronlens", "worker", "--queues", "speech"]
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["driver"] == "nvidia"


def test_workers_split_io_from_speech() -> None:
    assert "--queues" in services()["worker-io"]["command"]
    assert services()["worker-io"]["command"][3] == "io"
    assert services()["worker-speech"]["command"][3] == "speech"
