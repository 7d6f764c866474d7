"""The queue interface: the API hands job ids over; the database stays the source of truth."""

from __future__ import annotations

from typing import Protocol


class Queue(Protocol):
    """Something that gets accepted jobs downloaded and processed."""

    def start(self) -> None:
        """Start consuming (workers, connections)."""

    def enqueue(self, job_id: str) -> None:
        """Announce a newly accepted job. Losing this message must never lose the job."""

    def stop(self) -> None:
        """Stop consuming; jobs in flight are left to their leases."""

    def broker_error(self) -> str | None:
        """None when the queue's broker is reachable (or there is none); else the problem."""


class ExternalWorkers:
    """For an API process whose workers run elsewhere and claim jobs from the shared database."""

    def start(self) -> None:
        """Nothing to start here."""

    def enqueue(self, job_id: str) -> None:
        """Nothing to send: the job row is the message; workers poll the database."""

    def stop(self) -> None:
        """Nothing to stop here."""

    def broker_error(self) -> str | None:
        """No broker: the database is the queue."""
        return None
