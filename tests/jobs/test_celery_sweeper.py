"""The sweeper's rules on SQLite and PostgreSQL: announce stranded jobs, once per occasion."""

from __future__ import annotations

import time

import pytest

from neuronlens.config import Settings
from neuronlens.domain import JobError, JobRequest
from neuronlens.errors import ModelUnavailable
from neuronlens.jobs.celery_worker import threads_per_process
from neuronlens.jobs.sweeper import Sweeper
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.storage.ops import OpsQueries
from neuronlens.storage.repository import Repository
from tests.conftest import MODELS_DIR


def new_job(repository: Repository, account_id: str, n: int) -> str:
    request = JobRequest(audio_url=f"https://example.invalid/{n}.mp3", language="hi-IN")
    return repository.create_job(account_id, request, f"hash-{n}", None).job.id


class Recorder:
    def __init__(self) -> None:
        self.fetch: list[str] = []
        self.process: list[str] = []

    def sweeper(self, repository: Repository, requeue_after: float) -> Sweeper:
        return Sweeper(
            OpsQueries(repository.engine),
            self.fetch.append,
            self.process.append,
            interval=60,
            requeue_after=requeue_after,
        )


def test_claim_by_id_takes_only_that_job(repository: Repository) -> None:
    account, _ = repository.create_account("a")
    first, second = new_job(repository, account.id, 1), new_job(repository, account.id, 2)
    claimed = repository.claim_fetch("w1", 30, second)
    assert claimed is not None and claimed.id == second
    assert repository.claim_fetch("w2", 30, second) is None  # a duplicate message: no-op
    assert repository.finish_fetch(second, "w1", "/a", 10)
    job = repository.claim_job("w1", 30, second)
    assert job is not None and job.attempts == 1
    assert repository.claim_job("w2", 30, second) is None
    assert repository.claim_job("w2", 30, first) is None  # not downloaded yet


def test_fresh_jobs_are_left_to_their_messages(repository: Repository) -> None:
    account, _ = repository.create_account("a")
    new_job(repository, account.id, 1)
    recorder = Recorder()
    result = recorder.sweeper(repository, requeue_after=300).sweep_once()
    assert (result.fetch, result.process) == (0, 0)


def test_a_lost_message_is_announced_again_after_requeue_after(repository: Repository) -> None:
    account, _ = repository.create_account("a")
    job_id = new_job(repository, account.id, 1)
    recorder = Recorder()
    sweeper = recorder.sweeper(repository, requeue_after=0.2)
    time.sleep(0.3)
    sweeper.sweep_once()
    assert recorder.fetch == [job_id]
    sweeper.sweep_once()  # just announced: not again at once
    assert recorder.fetch == [job_id]
    time.sleep(0.3)
    sweeper.sweep_once()  # still nobody took it: announce again
    assert recorder.fetch == [job_id, job_id]


def test_a_long_broker_queue_is_not_mistaken_for_lost_messages(repository: Repository) -> None:
    account, _ = repository.create_account("a")
    job_id = new_job(repository, account.id, 1)
    time.sleep(0.3)
    recorder = Recorder()
    backlog = {"io": 1}
    sweeper = Sweeper(
        OpsQueries(repository.engine),
        recorder.fetch.append,
        recorder.process.append,
        interval=60,
        requeue_after=0.2,
        broker_backlog=lambda: (backlog["io"], 0),
    )
    sweeper.sweep_once()
    assert recorder.fetch == []  # its message is still in the queue
    backlog["io"] = 0
    sweeper.sweep_once()
    assert recorder.fetch == [job_id]  # the queue is empty yet the job waits: lost


def test_a_dead_workers_job_is_announced_once_when_its_lease_runs_out(
    repository: Repository,
) -> None:
    account, _ = repository.create_account("a")
    job_id = new_job(repository, account.id, 1)
    assert repository.claim_fetch("w1", 30, job_id)
    assert repository.finish_fetch(job_id, "w1", "/a", 10)
    assert repository.claim_job("dead-worker", 0.3, job_id)
    recorder = Recorder()
    sweeper = recorder.sweeper(repository, requeue_after=300)
    sweeper.sweep_once()
    assert recorder.process == []  # the lease still holds
    time.sleep(0.5)
    sweeper.sweep_once()
    sweeper.sweep_once()
    assert recorder.process == [job_id]
    retried = repository.claim_job("w2", 30, job_id)
    assert retried is not None and retried.attempts == 2


def test_a_download_is_announced_when_its_retry_delay_has_passed(repository: Repository) -> None:
    account, _ = repository.create_account("a")
    job_id = new_job(repository, account.id, 1)
    assert repository.claim_fetch("w1", 30, job_id)
    repository.retry_fetch_later(job_id, "w1", 0.3, JobError("audio_fetch_failed", "503"))
    recorder = Recorder()
    sweeper = recorder.sweeper(repository, requeue_after=300)
    sweeper.sweep_once()
    assert recorder.fetch == []
    time.sleep(0.5)
    sweeper.sweep_once()
    sweeper.sweep_once()
    assert recorder.fetch == [job_id]


def test_a_failed_announcement_is_retried_next_sweep(repository: Repository) -> None:
    account, _ = repository.create_account("a")
    job_id = new_job(repository, account.id, 1)

    def broker_down(_job_id: str) -> None:
        raise ConnectionError("broker down")

    sweeper = Sweeper(
        OpsQueries(repository.engine), broker_down, broker_down, interval=60, requeue_after=0
    )
    with pytest.raises(ConnectionError):
        sweeper.sweep_once()
    recorder = Recorder()
    recorder.sweeper(repository, requeue_after=0).sweep_once()
    assert recorder.fetch == [job_id]


def test_worker_processes_split_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert threads_per_process(Settings(), 4).threads == 2
    assert threads_per_process(Settings(), 1).threads == 8
    assert threads_per_process(Settings(cpu_threads=3), 4).threads == 3  # explicit wins


def test_a_gpu_worker_asks_ctranslate2_for_cuda_float16(monkeypatch: pytest.MonkeyPatch) -> None:
    """GPU settings reach CTranslate2: here (no GPU) it refuses CUDA; with a GPU it loads."""
    import ctranslate2

    monkeypatch.setenv("NEURONLENS_ASR_DEVICE", "cuda")
    monkeypatch.setenv("NEURONLENS_ASR_COMPUTE_TYPE", "float16")
    settings = Settings(model_cache_dir=MODELS_DIR)
    registry = ModelRegistry(settings)
    if ctranslate2.get_cuda_device_count() > 0:
        assert registry.whisper(settings.asr_default_model).model.device == "cuda"
        return
    with pytest.raises(ModelUnavailable, match="CUDA"):
        registry.whisper(settings.asr_default_model)
