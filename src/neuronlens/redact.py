"""Keep credentials out of logs and messages: API keys, bearer tokens, signing secrets, and the
query strings and user-info of URLs (a pre-signed S3/GCS/Azure URL's query *is* a credential).

``install_log_redaction()`` wraps the logging record factory, so every record from every logger
(ours, uvicorn's, httpx's, Celery's) is scrubbed once, when it is created, whatever handler or
formatter later prints it; exception tracebacks are pre-formatted and scrubbed too.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

REDACTED = "[REDACTED]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # URL user-info (https://user:password@host) and query strings (signatures, tokens).
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#'\"<>]+@"), rf"\1{REDACTED}@"),
    (re.compile(r"(?i)\b(https?://[^\s?#'\"<>]*)\?[^\s#'\"<>]*"), rf"\1?{REDACTED}"),
    # Authorization header values and the service's own secrets wherever they appear.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    (re.compile(r"\bnl_[A-Za-z0-9_-]{16,}"), f"nl_{REDACTED}"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]{8,}"), f"whsec_{REDACTED}"),
    (
        re.compile(
            r"(?i)\b(authorization|x-api-key)(['\"]?\s*[:=]\s*['\"]?)(?!(?:bearer|basic)\s)"
            r"[^\s'\",}]+"
        ),
        rf"\1\2{REDACTED}",
    ),
)


def redact(text: str) -> str:
    """``text`` with every credential-looking part replaced by ``[REDACTED]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_url(url: str) -> str:
    """A URL fit for logs and error messages: no user-info, no query string."""
    return redact(url)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, BaseException):
        return redact(str(value))
    return value


_lock = threading.Lock()
_installed = False


def install_log_redaction() -> None:
    """Scrub every log record created from now on (idempotent, process-wide)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if isinstance(record.msg, str):
                record.msg = redact(record.msg)
            if isinstance(record.args, tuple):
                # Argument by argument, so formatters that read record.args (uvicorn's access
                # log unpacks them) keep working.
                record.args = tuple(_scrub(arg) for arg in record.args)
            elif isinstance(record.args, dict):
                record.args = {key: _scrub(value) for key, value in record.args.items()}
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
