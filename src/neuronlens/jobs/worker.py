"""The two worker steps: download a job's audio, then process it. Never imports FastAPI."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from neuronlens.domain import Job, JobError
from neuronlens.errors import JobFailure
from neuronlens.jobs.context import WorkerContext
from neuronlens.pipeline.fetch import FetchOptions, TransientFetchError, fetch_audio
from neuronlens.pipeline.run import run_pipeline

log = logging.getLogger(__name__)

FETCH_RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0)
"""Seconds before re-trying a download after a transient failure (5xx, timeout, reset)."""


def fetch_job_audio(ctx: WorkerContext, job: Job) -> bool:
    """Download a claimed job's audio; True when it is ready for processing."""
    settings = ctx.settings
    dest = ctx.audio_dir_for(job.id) / "audio"
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = fetch_audio(job.request.audio_url, dest, FetchOptions.from_settings(settings))
    except TransientFetchError as exc:
        error = JobError(code=exc.code, message=exc.message)
        # fetch_attempts already counts this attempt (incremented when it was claimed).
        if job.fetch_attempts < settings.fetch_attempts:
            delay = FETCH_RETRY_DELAYS[min(job.fetch_attempts, len(FETCH_RETRY_DELAYS)) - 1]
            log.warning("job %s: transient fetch failure, retrying in %.0f s: %s", job.id, delay, exc)
            ctx.repository.retry_fetch_later(job.id, delay, error)
            return False
        log.warning("job %s: fetch failed after %d attempts: %s", job.id, settings.fetch_attempts, exc)
        ctx.repository.fail_job(job.id, error)
        return False
    except JobFailure as exc:
        log.info("job %s: fetch refused: %s", job.id, exc.message)
        ctx.repository.fail_job(job.id, JobError(code=exc.code, message=exc.message))
        return False
    except Exception as exc:  # a bug must fail the job, never leave it hanging
        log.exception("job %s: unexpected error while fetching", job.id)
        ctx.repository.fail_job(job.id, JobError("audio_fetch_failed", f"download failed: {exc}"))
        return False
    if not ctx.repository.finish_fetch(job.id, str(result.path), result.size_bytes):
        ctx.remove_audio(job.id)  # deleted or failed meanwhile
        return False
    log.info("job %s: fetched %d bytes", job.id, result.size_bytes)
    return True


def process_job(ctx: WorkerContext, job: Job, owner: str) -> None:
    """Run the pipeline on a claimed job and record the outcome, holding the lease meanwhile."""
    settings = ctx.settings
    if job.attempts > settings.max_attempts:
        message = (
            f"processing was interrupted {job.attempts - 1} times (a worker crashed or was "
            "killed while processing this recording); giving up"
        )
        ctx.repository.fail_job(job.id, JobError("processing_error", message), owner=owner)
        return
    heartbeat = _LeaseHeartbeat(ctx, job.id, owner)
    heartbeat.start()
    try:
        result = run_pipeline(
            _audio_path(job),
            job.request,
            ctx.models,
            settings,
            on_decoded=lambda audio: ctx.repository.record_duration(job.id, audio.duration),
        )
    except JobFailure as exc:
        log.info("job %s failed: %s: %s", job.id, exc.code, exc.message)
        ctx.repository.fail_job(job.id, JobError(exc.code, exc.message), owner=owner)
        return
    except Exception as exc:
        log.exception("job %s: unexpected error while processing", job.id)
        message = f"internal error while processing the recording ({type(exc).__name__})"
        ctx.repository.fail_job(job.id, JobError("processing_error", message), owner=owner)
        return
    finally:
        heartbeat.stop()
    if ctx.repository.complete_job(job.id, owner, result.to_json()):
        log.info("job %s completed (%.1f s of audio)", job.id, result.duration)
    else:
        log.info("job %s finished but was deleted or reassigned meanwhile", job.id)


def _audio_path(job: Job) -> Path:
    if not job.audio_path:
        raise JobFailure("the job has no downloaded audio", code="processing_error")
    return Path(job.audio_path)


class _LeaseHeartbeat:
    """Renews a job's lease in the background while the pipeline runs."""

    def __init__(self, ctx: WorkerContext, job_id: str, owner: str) -> None:
        self._ctx = ctx
        self._job_id = job_id
        self._owner = owner
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        lease = self._ctx.settings.lease_seconds
        while not self._stopped.wait(lease / 3):
            try:
                if not self._ctx.repository.renew_lease(self._job_id, self._owner, lease):
                    log.warning("job %s: lease lost (deleted or reassigned)", self._job_id)
                    return
            except Exception:  # the database may be briefly unavailable; keep trying
                log.exception("job %s: could not renew lease", self._job_id)
