"""Per-account request rate limit and unfinished-jobs cap, both answered with 429 + Retry-After.

- Request rate: a token bucket per account (``rate_limit_requests`` per ``rate_limit_window``
  seconds, bursts up to the full allowance). It lives in this process: exact for the embedded
  deployment (one API process); with N API nodes behind a load balancer each node allows the
  full rate, so the effective limit is up to N times higher. A multi-node deployment that needs
  an exact global rate must keep the buckets in a shared store (Redis ``INCR``/``EXPIRE`` or a
  GCRA script) or at the load balancer.
- Unfinished jobs: counted in the database, which every node shares, so the cap holds across
  nodes. The count and the insert are separate statements: requests racing at the cap can
  overshoot it by at most the number of submissions in flight at that instant.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from neuronlens.config import Settings
from neuronlens.errors import APIError

MAX_TRACKED_ACCOUNTS = 100_000
"""Buckets kept in memory; the least recently seen are dropped first (they are full anyway)."""
UNFINISHED_RETRY_AFTER = 30
"""Seconds to suggest when the unfinished-jobs cap is hit: a job takes about that long."""


class RateLimited(APIError):
    """Too many requests or too many unfinished jobs: the client should wait and retry."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}
        self.extra = {"retry_after": retry_after}


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A thread-safe token bucket per key (account id)."""

    def __init__(
        self, requests: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = float(requests)
        self.rate = requests / window if requests > 0 and window > 0 else 0.0
        self._now = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str) -> float:
        """Take one token for ``key``; returns 0 when allowed, else the seconds until allowed."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._now()
            bucket = self._buckets.pop(key, None) or _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets[key] = bucket  # most recently used last
            while len(self._buckets) > MAX_TRACKED_ACCOUNTS:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def remaining(self, key: str) -> int:
        """Whole requests ``key`` may still make right now (for a RateLimit-Remaining header)."""
        with self._lock:
            bucket = self._buckets.get(key)
            return int(self.capacity if bucket is None else bucket.tokens)


_CREATE_LOCK = threading.Lock()


def limiter_for(request: Request, settings: Settings) -> RateLimiter:
    """The app's limiter, made on first use from its settings (one per app, not per worker)."""
    state = request.app.state
    limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
    if limiter is None:
        with _CREATE_LOCK:
            limiter = getattr(state, "rate_limiter", None)
            if limiter is None:
                limiter = RateLimiter(settings.rate_limit_requests, settings.rate_limit_window)
                state.rate_limiter = limiter
    return limiter


def enforce_request_rate(request: Request, settings: Settings, account_id: str) -> None:
    """Raise RateLimited when ``account_id`` has used up its request allowance."""
    wait = limiter_for(request, settings).acquire(account_id)
    if wait > 0:
        raise RateLimited(
            f"too many requests: the limit is {settings.rate_limit_requests} per "
            f"{settings.rate_limit_window:g} s per account; retry after {math.ceil(wait)} s",
            retry_after=max(1, math.ceil(wait)),
        )


def enforce_unfinished_cap(unfinished: int, settings: Settings) -> None:
    """Raise RateLimited when an account already has the maximum number of unfinished jobs."""
    cap = settings.max_unfinished_jobs
    if cap > 0 and unfinished >= cap:
        raise RateLimited(
            f"this account already has {unfinished} unfinished jobs (the limit is {cap}); "
            "submit more once some have completed",
            retry_after=UNFINISHED_RETRY_AFTER,
            code="too_many_unfinished_jobs",
        )
