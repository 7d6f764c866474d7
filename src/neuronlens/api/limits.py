"""Request bodies at the edge: a size limit, and JSON that Python accepts but nothing else should.

The body is read here, in full, before the app sees it (at most ``max_bytes``: every route takes
small JSON or form bodies; audio arrives by URL). Reading it first means a streamed oversized
body gets a clean 413 rather than a parse error, and the JSON checks below see all of it.

Python's ``json`` module accepts two things that break later stages, so they are refused with 422:
- ``NaN``/``Infinity`` (not JSON per RFC 8259): they would be stored as null, so ``metadata``
  would not come back unchanged, and PostgreSQL's JSONB refuses them;
- lone UTF-16 surrogates (``"\\ud800"``): valid JSON syntax, but no valid Unicode, so encoding
  them (for the database, or for an error message echoing them) raises.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SUSPECT = re.compile(rb"\\u[dD][89a-fA-F]|NaN|Infinity")
_JSON_TYPES = re.compile(rb"^\s*application/(?:[\w.+-]*\+)?json\b", re.IGNORECASE)


class BodySizeLimit:
    """Answers 413 when a request body (declared or streamed) exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _reject(send, 413, "request_too_large", self._too_large())
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away; there is no one to answer
            body = message.get("body", b"")
            received += len(body)
            if received > self.max_bytes:
                await _reject(send, 413, "request_too_large", self._too_large())
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        data = b"".join(chunks)
        if _JSON_TYPES.match(headers.get(b"content-type", b"")) and _SUSPECT.search(data):
            problem = json_problem(data)
            if problem is not None:
                await _reject(send, 422, "invalid_json", problem)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as usual

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"request bodies are limited to {self.max_bytes} bytes"


def json_problem(data: bytes) -> str | None:
    """Why ``data`` is JSON this API refuses (NaN, Infinity, lone surrogates), or None."""

    def no_constants(name: str) -> Any:
        raise _NotJSON(f"{name} is not a JSON number; send a number or null")

    try:
        value = json.loads(data, parse_constant=no_constants)
    except _NotJSON as exc:
        return str(exc)
    except (ValueError, RecursionError):
        return None  # plainly invalid or absurdly deep: the app's parser answers that
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return (
                    "the body contains a lone UTF-16 surrogate escape (such as \\ud800), which "
                    "is not valid Unicode; send the character itself or a complete pair"
                )
    return None


class _NotJSON(ValueError):
    pass


async def _reject(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
