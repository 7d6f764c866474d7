"""Fixtures for analysis tests: the copied dialogues and a fake OpenAI-compatible server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from neuronlens.analysis import transcript_from_json
from neuronlens.domain import Transcript

DIALOGUES = Path(__file__).resolve().parents[1] / "data" / "dialogues" / "sample.jsonl"


def load_dialogues() -> dict[str, dict[str, Any]]:
    """The copied dialogues by id."""
    rows = [json.loads(line) for line in DIALOGUES.read_text("utf-8").splitlines() if line]
    return {row["id"]: row for row in rows}


@pytest.fixture(scope="session")
def dialogues() -> dict[str, dict[str, Any]]:
    return load_dialogues()


@pytest.fixture(scope="session")
def calls(dialogues: dict[str, dict[str, Any]]) -> dict[str, Transcript]:
    return {key: transcript_from_json(value) for key, value in dialogues.items()}


class FakeChatServer:
    """A real HTTP server on 127.0.0.1 speaking the chat-completions protocol.

    ``script`` holds one entry per expected request: a dict (answered as the message content,
    JSON-encoded), a str (sent as raw content), an int (that HTTP status), or
    ("slow", seconds, content). When the script runs out the last entry repeats."""

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                index = min(len(server.requests), len(server.script)) - 1
                entry = server.script[index] if server.script else 500
                if isinstance(entry, tuple) and entry[0] == "slow":
                    server.stopping.wait(entry[1])
                    entry = entry[2]
                if isinstance(entry, int):
                    self._send(entry, b'{"error": {"message": "boom"}}')
                    return
                content = entry if isinstance(entry, str) else json.dumps(entry)
                answer = {
                    "id": "x",
                    "object": "chat.completion",
                    "model": body.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],
                }
                self._send(200, json.dumps(answer).encode())

            def _send(self, status: int, payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeChatServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
        time.sleep(0)


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server
