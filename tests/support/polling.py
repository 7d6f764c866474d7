"""Waiting for jobs over the real API."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

FINAL = {"completed", "failed"}


def wait_for(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = "condition"
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_job(client: httpx.Client, job_id: str, *, timeout: float = 400) -> dict[str, Any]:
    """The job body once it is completed or failed."""

    def final() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(f"/transcription/{job_id}").json()
        return body if body["status"] in FINAL else None

    result: dict[str, Any] = wait_for(final, timeout=timeout, what=f"job {job_id} to finish")
    return result
