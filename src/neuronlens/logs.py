"""Logging set-up: human-readable text or one JSON object per line, with the current job id.

``NEURONLENS_LOG_FORMAT=json`` makes every record a JSON line (``ts``, ``level``, ``logger``,
``message``, ``job_id`` when a worker is handling a job, ``exc`` with the traceback), which log
shippers (Loki, CloudWatch, Elasticsearch) index without parsing rules.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from neuronlens.redact import install_log_redaction

_current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "neuronlens_job_id", default=None
)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def bind_job(job_id: str) -> Iterator[None]:
    """Log records emitted inside the block (in this thread) carry ``job_id``."""
    token = _current_job.set(job_id)
    try:
        yield
    finally:
        _current_job.reset(token)


class _JobIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "job_id"):
            record.job_id = _current_job.get()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        job_id = getattr(record, "job_id", None)
        if job_id:
            entry["job_id"] = job_id
        if record.exc_text:  # already scrubbed of credentials by the redaction factory
            entry["exc"] = record.exc_text
        elif record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    """Send records to stderr in ``fmt`` (``text`` or ``json``), replacing earlier handlers;
    no API key, secret or signed-URL query string reaches the output."""
    install_log_redaction()
    handler = logging.StreamHandler()
    handler.addFilter(_JobIdFilter())
    handler.setFormatter(JSONFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
