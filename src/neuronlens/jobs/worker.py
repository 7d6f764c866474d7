"""The two worker steps: download a job's audio, then process it. Never imports FastAPI."""

from __future__ import annotations

import logging
import threading
import time

from neuronlens.domain import Job, JobError
from neuronlens.errors import JobFailure
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.metrics import StageTimer, observe_stage
from neuronlens.jobs.scoring import scorecard_for_job
from neuronlens.pipeline.fetch import FetchOptions, TransientFetchError, fetch_audio
from neuronlens.pipeline.run import run_pipeline
from neuronlens.storage.audio_store import StorageUnavailable

log = logging.getLogger(__name__)

FETCH_RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0)
"""Seconds before re-trying a download after a transient failure (5xx, timeout, reset)."""

FETCH_LEASE_SECONDS = 30.0
"""A download's lease, renewed while it runs: a killed downloader's job is retried quickly,
well within the 15 minutes a pre-signed URL stays valid."""


def fetch_job_audio(ctx: WorkerContext, job: Job, owner: str) -> bool:
    """Download a claimed job's audio; True when it is ready for processing."""
    settings = ctx.settings
    repository = ctx.repository
    if job.fetch_attempts > settings.fetch_attempts:
        message = f"the download was interrupted {job.fetch_attempts - 1} times; giving up"
        repository.fail_job(job.id, JobError("audio_fetch_failed", message), owner=owner)
        return False
    dest = ctx.audio_store.staging_path(job.id)
    started = time.monotonic()
    try:
        with LeaseHeartbeat(ctx, job.id, owner, FETCH_LEASE_SECONDS):
            result = fetch_audio(job.request.audio_url, dest, FetchOptions.from_settings(settings))
            try:  # to the shared store, so that a worker on another machine can read it
                location = ctx.audio_store.put(job.id, result.path)
            except StorageUnavailable as exc:
                raise TransientFetchError(exc.message) from exc
        observe_stage("fetch", time.monotonic() - started)
    except TransientFetchError as exc:
        error = JobError(code=exc.code, message=exc.message)
        # fetch_attempts already counts this attempt (incremented when it was claimed).
        if job.fetch_attempts < settings.fetch_attempts:
            delay = max(FETCH_RETRY_DELAYS[job.fetch_attempts - 1], exc.retry_after or 0.0)
            log.warning("job %s: transient fetch failure, retry in %.0f s: %s", job.id, delay, exc)
            repository.retry_fetch_later(job.id, owner, delay, error)
        else:
            log.warning(
                "job %s: fetch failed after %d attempts: %s", job.id, job.fetch_attempts, exc
            )
            repository.fail_job(job.id, error, owner=owner)
        return False
    except JobFailure as exc:
        log.info("job %s: fetch refused: %s", job.id, exc.message)
        repository.fail_job(job.id, JobError(exc.code, exc.message), owner=owner)
        return False
    except Exception as exc:  # a bug must fail the job, never leave it hanging
        log.exception("job %s: unexpected error while fetching", job.id)
        message = f"the download failed unexpectedly ({type(exc).__name__})"
        repository.fail_job(job.id, JobError("audio_fetch_failed", message), owner=owner)
        return False
    if not repository.finish_fetch(job.id, owner, location, result.size_bytes):
        ctx.remove_audio(job.id)  # deleted or failed meanwhile
        return False
    log.info("job %s: fetched %d bytes", job.id, result.size_bytes)
    return True


def process_job(ctx: WorkerContext, job: Job, owner: str) -> None:
    """Run the pipeline on a claimed job and record the outcome, holding the lease meanwhile."""
    settings = ctx.settings
    repository = ctx.repository
    if job.attempts > settings.max_attempts:
        message = (
            f"processing was interrupted {job.attempts - 1} times (a worker crashed or was "
            "killed while processing this recording); giving up"
        )
        repository.fail_job(job.id, JobError("processing_error", message), owner=owner)
        return
    timer = StageTimer()
    try:
        scorecard = scorecard_for_job(ctx, job)  # before transcribing: fail fast if it is gone
        with (
            LeaseHeartbeat(ctx, job.id, owner, settings.lease_seconds),
            ctx.audio_store.local_copy(job.audio_path or "") as audio_path,
        ):
            result = run_pipeline(
                audio_path,
                job.request,
                ctx.models,
                settings,
                on_progress=timer,
                on_decoded=lambda audio: repository.record_duration(job.id, audio.duration),
                scorecard=scorecard,
            )
    except StorageUnavailable as exc:
        # Not the recording's fault: leave the lease to run out so that the job is retried.
        log.warning("job %s: audio store unavailable, will retry: %s", job.id, exc.message)
        timer.close()
        return
    except JobFailure as exc:
        log.info("job %s failed: %s: %s", job.id, exc.code, exc.message)
        timer.failed(exc.code)
        repository.fail_job(job.id, JobError(exc.code, exc.message), owner=owner)
        return
    except Exception as exc:
        log.exception("job %s: unexpected error while processing", job.id)
        timer.failed("processing_error")
        message = f"internal error while processing the recording ({type(exc).__name__})"
        repository.fail_job(job.id, JobError("processing_error", message), owner=owner)
        return
    if repository.complete_job(job.id, owner, result.to_json()):
        timer.completed(result.duration)
        log.info("job %s completed (%.1f s of audio)", job.id, result.duration)
    else:
        log.info("job %s finished but was deleted or reassigned meanwhile", job.id)


class LeaseHeartbeat:
    """Renews a job's lease in the background for as long as the ``with`` block runs."""

    def __init__(self, ctx: WorkerContext, job_id: str, owner: str, lease_seconds: float) -> None:
        self._repository = ctx.repository
        self._job_id = job_id
        self._owner = owner
        self._lease = lease_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self._lease / 3):
            try:
                if not self._repository.renew_lease(self._job_id, self._owner, self._lease):
                    log.warning("job %s: lease lost (deleted or reassigned)", self._job_id)
                    return
            except Exception:  # the database may be briefly unavailable; keep trying
                log.exception("job %s: could not renew the lease", self._job_id)
