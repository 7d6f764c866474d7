"""Send every kind of bad input to a live NeuronLens and record what each one gets.

    .venv/bin/python bench/bad_inputs.py [--postgres URL] [--out bench/results/bad_inputs.json]
                                         [--table docs/bad-inputs.md]

Three instances of the real app serve on loopback (uvicorn, real HTTP), each on its own fresh
database: **fetching** (embedded workers on, private URLs allowed so that it can download from
the bad-audio server below, one fetch attempt, a 5 s download deadline), **strict** (private
URLs disallowed, as in production; workers off) and **limited** (5 requests per minute, 2
unfinished jobs). A stdlib HTTP server on 127.0.0.1 serves the bad audio and the bad HTTP
behaviours (tests/support/http_server.py); hostile files are crafted at run time
(tests/support/hostile_audio.py). Every case records the HTTP status, the error code and
message, and for accepted jobs the job's final status and error. The run fails (exit 1) on any
5xx, any case that does not get the expected answer, or any sign of one account seeing another's
job. Nothing is sent beyond loopback: socket connects and DNS lookups elsewhere raise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from neuronlens.api.app import create_app  # noqa: E402
from neuronlens.config import Settings  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402
from tests.api.conftest import Api, running_api  # noqa: E402
from tests.support import hostile_audio as hostile  # noqa: E402
from tests.support.databases import POSTGRES_URL_ENV, database_url_for  # noqa: E402
from tests.support.http_server import LocalHTTPServer  # noqa: E402
from tests.support.network import loopback_only  # noqa: E402
from tests.support.polling import wait_for_job  # noqa: E402

AUDIO = ROOT / "tests" / "data" / "audio"
SIGNED = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0badc0de"
GOOD = {"audio_url": "https://calls.example.com/4492.mp3", "language": "hi-IN"}
JSON_TYPE = {"Content-Type": "application/json"}


@dataclass
class Result:
    """What one bad input got."""

    category: str
    kind: str
    expected: str
    status: int | None = None
    code: str | None = None
    message: str = ""
    job_status: str | None = None
    notes: str = ""
    ok: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    fetching: Api
    strict: Api
    limited: Api
    audio: LocalHTTPServer


Send = Callable[[World], httpx.Response]


def post_json(api_name: str, body: Any, **headers: str) -> Send:
    return lambda w: _client(w, api_name).post("/transcription", json=body, headers=headers)


def post_raw(api_name: str, content: Any, content_type: str = "application/json") -> Send:
    return lambda w: _client(w, api_name).post(
        "/transcription", content=content, headers={"Content-Type": content_type}
    )


def _client(world: World, name: str, key: str | None = None) -> httpx.Client:
    api: Api = getattr(world, name)
    return api.client(key)


def audio_job(path_or_file: str | Callable[[], bytes], content_type: str = "audio/mpeg") -> Send:
    """Submit a job (to the fetching instance) whose audio URL serves the given bad input."""

    def send(world: World) -> httpx.Response:
        if callable(path_or_file):
            name = f"/crafted/{id(path_or_file)}"
            url = world.audio.add_file(name, path_or_file(), content_type)
        elif path_or_file.startswith("/"):
            url = world.audio.url(path_or_file)
        else:
            url = world.audio.add_file(f"/files/{path_or_file}", AUDIO / path_or_file, content_type)
        return _client(world, "fetching").post(
            "/transcription", json={"audio_url": url, "language": "hi-IN"}
        )

    return send


def redirect_job(location: str) -> Send:
    def send(world: World) -> httpx.Response:
        url = world.audio.add_redirect(f"/redirect-to/{abs(hash(location))}", location)
        return _client(world, "fetching").post(
            "/transcription", json={"audio_url": url, "language": "hi-IN"}
        )

    return send


def gzip_bomb_job(world: World) -> httpx.Response:
    body = hostile.gzip_encoded_zeros(200)
    url = world.audio.add_file(
        "/gzip-bomb.wav", body, "audio/wav", headers={"Content-Encoding": "gzip"}
    )
    return _client(world, "fetching").post(
        "/transcription", json={"audio_url": url, "language": "hi-IN"}
    )


def strict_url(url: str) -> Send:
    return post_json("strict", {"audio_url": url, "language": "hi-IN"})


def with_key(key: Callable[[World], str | None], scheme: str = "Bearer") -> Send:
    def send(world: World) -> httpx.Response:
        headers = {} if key(world) is None else {"Authorization": f"{scheme} {key(world)}"}
        return httpx.get(f"{world.strict.base_url}/transcription", headers=headers)

    return send


def revoked_key(world: World) -> str:
    repo = world.strict.repository
    key = repo.create_account(f"revoked-{time.monotonic_ns()}")[1]
    account = repo.account_for_key(key)
    assert account is not None
    for info in repo.list_api_keys(account.id):
        repo.revoke_api_key(account.id, info.id)
    return key


def chunked_2mb() -> Iterator[bytes]:
    for _ in range(32):
        yield b" " * 65536


def deep_json() -> bytes:
    depth = 100_000
    return (
        b'{"audio_url": "https://a.example.com/a.wav", "language": "hi-IN", "metadata": '
        + b'{"a":' * depth
        + b"1"
        + b"}" * depth
        + b"}"
    )


def idempotency_reuse(world: World) -> httpx.Response:
    with world.strict.client() as client:
        client.post("/transcription", json=GOOD, headers={"Idempotency-Key": "bad-reuse-1"})
        return client.post(
            "/transcription",
            json={**GOOD, "language": "ta-IN"},
            headers={"Idempotency-Key": "bad-reuse-1"},
        )


def rate_limited(world: World) -> httpx.Response:
    with world.limited.client() as client:
        answers = [client.get("/transcription") for _ in range(6)]
    return answers[-1]


def too_many_unfinished(world: World) -> httpx.Response:
    key = world.limited.new_account_key(f"cap-{time.monotonic_ns()}")
    with world.limited.client(key) as client:
        answers = [client.post("/transcription", json=GOOD) for _ in range(3)]
    return answers[-1]


# (category, kind, send, expected: "HTTP 422 code" or "job failed code")
CASES: list[tuple[str, str, Send, str]] = [
    # --- the audio URL, fetched (job-level errors) ---
    ("URL", "HTML page instead of audio", audio_job("/html"), "job unsupported_audio_format"),
    ("URL", "Content-Length: 3 GB", audio_job("/huge"), "job audio_too_large"),
    (
        "URL",
        "expired pre-signed URL (403, S3 XML)",
        audio_job(f"/s3-expired?{SIGNED}"),
        "job audio_fetch_failed",
    ),
    ("URL", "404 Not Found", audio_job("/status/404"), "job audio_fetch_failed"),
    (
        "URL",
        "503 from storage (once retries run out)",
        audio_job("/status/503"),
        "job audio_fetch_failed",
    ),
    ("URL", "200 with an empty body", audio_job("/empty"), "job empty_audio"),
    (
        "URL",
        "10 s slow drip (5 s deadline)",
        audio_job("/slow?bytes=10&interval=1"),
        "job audio_fetch_failed",
    ),
    (
        "URL",
        "connection closed mid-body",
        audio_job("/truncated?size=5000"),
        "job audio_fetch_failed",
    ),
    ("URL", "redirect loop", audio_job("/redirect-loop"), "job audio_fetch_failed"),
    ("URL", "7 redirects (limit 5)", audio_job("/redirect-chain/7"), "job audio_fetch_failed"),
    (
        "URL",
        "redirect to 169.254.169.254 (metadata)",
        redirect_job("http://169.254.169.254/latest/meta-data/iam/"),
        "job audio_url_forbidden",
    ),
    (
        "URL",
        "redirect to [::ffff:169.254.169.254]",
        redirect_job("http://[::ffff:a9fe:a9fe]/latest/"),
        "job audio_url_forbidden",
    ),
    (
        "URL",
        "redirect to file:///etc/passwd",
        redirect_job("file:///etc/passwd"),
        "job audio_fetch_failed",
    ),
    ("URL", "gzip Content-Encoding bomb (200 MB of zeros)", gzip_bomb_job, "job audio_too_large"),
    # --- the audio itself ---
    ("audio", "truncated MP3", audio_job("truncated.mp3"), "job corrupt_audio"),
    ("audio", "truncated WAV", audio_job("truncated.wav"), "job corrupt_audio"),
    ("audio", "5 s of digital silence", audio_job("silence_5s.wav"), "job no_speech_detected"),
    ("audio", "a PDF", audio_job("invoice.pdf"), "job unsupported_audio_format"),
    ("audio", "a JSON API error", audio_job("api_error.json"), "job unsupported_audio_format"),
    ("audio", "video-only MP4", audio_job("video_only.mp4"), "job unsupported_audio_format"),
    (
        "audio",
        "random bytes named .mp3",
        audio_job("random_bytes.mp3"),
        "job unsupported_audio_format",
    ),
    (
        "audio",
        "4 KB WAV whose header claims 5 h",
        audio_job(lambda: hostile.wav(data=bytes(3200), declared=8000 * 2 * 5 * 3600)),
        "job audio_too_long",
    ),
    (
        "audio",
        "WAV whose data chunk claims 2 min but holds 1 s",
        audio_job(lambda: hostile.wav(data=hostile.speechless_pcm(1.0), declared=8000 * 2 * 120)),
        "job corrupt_audio",
    ),
    (
        "audio",
        "WAV with 4096 channels",
        audio_job(lambda: hostile.wav(channels=4096, data=bytes(65536))),
        "job unsupported_audio_format",
    ),
    (
        "audio",
        "WAV at 2,000,000,000 Hz",
        audio_job(lambda: hostile.wav(rate=2_000_000_000, data=bytes(8000))),
        "job unsupported_audio_format",
    ),
    (
        "audio",
        "FLAC bomb: 3 h of silence in ~10 KB",
        audio_job(lambda: hostile.flac_bomb(3 * 3600), "audio/flac"),
        "job corrupt_audio",
    ),
    (
        "audio",
        "FLAC bomb with no length in its header",
        audio_job(lambda: hostile.flac_bomb(3 * 3600, keep_length=False), "audio/flac"),
        "job corrupt_audio",
    ),
    (
        "audio",
        "ZIP bomb named call.wav",
        audio_job(hostile.zip_bomb),
        "job unsupported_audio_format",
    ),
    (
        "audio",
        "gzip file named call.mp3",
        audio_job(hostile.gzip_file),
        "job unsupported_audio_format",
    ),
    # --- the audio URL, refused at submission (private URLs disallowed) ---
    (
        "URL",
        "http://127.0.0.1/ (loopback)",
        strict_url("http://127.0.0.1:9/a.wav"),
        "HTTP 422 audio_url_forbidden",
    ),
    ("URL", "http://0x7f.1/", strict_url("http://0x7f.1/a.wav"), "HTTP 422 audio_url_forbidden"),
    (
        "URL",
        "http://2130706433/",
        strict_url("http://2130706433/a.wav"),
        "HTTP 422 audio_url_forbidden",
    ),
    (
        "URL",
        "http://017700000001/",
        strict_url("http://017700000001/a.wav"),
        "HTTP 422 audio_url_forbidden",
    ),
    (
        "URL",
        "http://[::ffff:127.0.0.1]/",
        strict_url("http://[::ffff:127.0.0.1]/a"),
        "HTTP 422 audio_url_forbidden",
    ),
    (
        "URL",
        "http://localhost/",
        strict_url("http://localhost/a.wav"),
        "HTTP 422 audio_url_forbidden",
    ),
    (
        "URL",
        "http://10.0.0.1/ (RFC 1918)",
        strict_url("http://10.0.0.1/a.wav"),
        "HTTP 422 audio_url_forbidden",
    ),
    (
        "URL",
        "http://100.64.0.1/ (CGNAT)",
        strict_url("http://100.64.0.1/a.wav"),
        "HTTP 422 audio_url_forbidden",
    ),
    (
        "URL",
        "http://169.254.169.254/ (metadata)",
        strict_url("http://169.254.169.254/latest/"),
        "HTTP 422 audio_url_forbidden",
    ),
    (
        "URL",
        "http://[fd00:ec2::254]/ (EC2 IPv6 metadata)",
        strict_url("http://[fd00:ec2::254]/"),
        "HTTP 422 audio_url_forbidden",
    ),
    ("URL", "file:///etc/passwd", strict_url("file:///etc/passwd"), "HTTP 422 validation_error"),
    ("URL", "ftp://", strict_url("ftp://example.com/a.wav"), "HTTP 422 validation_error"),
    ("URL", "gopher://", strict_url("gopher://example.com:70/_x"), "HTTP 422 validation_error"),
    ("URL", "no host (http:///a.wav)", strict_url("http:///a.wav"), "HTTP 422 validation_error"),
    (
        "URL",
        "user-info trick (public@127.0.0.1)",
        strict_url("http://calls.example.com@127.0.0.1/a"),
        "HTTP 422 validation_error",
    ),
    # --- the JSON body ---
    (
        "JSON",
        "num_speakers is a string",
        post_json("strict", {**GOOD, "num_speakers": "two"}),
        "HTTP 422 validation_error",
    ),
    (
        "JSON",
        "num_speakers = 11",
        post_json("strict", {**GOOD, "num_speakers": 11}),
        "HTTP 422 validation_error",
    ),
    (
        "JSON",
        "unknown field",
        post_json("strict", {**GOOD, "callback": "x"}),
        "HTTP 422 validation_error",
    ),
    (
        "JSON",
        "audio_url missing",
        post_json("strict", {"language": "hi-IN"}),
        "HTTP 422 validation_error",
    ),
    (
        "JSON",
        "unsupported language xx-XX",
        post_json("strict", {**GOOD, "language": "xx-XX"}),
        "HTTP 422 unsupported_language",
    ),
    (
        "JSON",
        "unknown feature",
        post_json("strict", {**GOOD, "features": ["mind_reading"]}),
        "HTTP 422 validation_error",
    ),
    (
        "JSON",
        "qa_scoring without a scorecard",
        post_json("strict", {**GOOD, "features": ["qa_scoring"]}),
        "HTTP 422 validation_error",
    ),
    (
        "JSON",
        "metadata of 20 KB",
        post_json("strict", {**GOOD, "metadata": {"blob": "x" * 20_000}}),
        "HTTP 422 metadata_too_large",
    ),
    ("JSON", "2 MB body", post_raw("strict", b" " * 2_000_000), "HTTP 413 request_too_large"),
    (
        "JSON",
        "2 MB body, chunked (no Content-Length)",
        lambda w: _client(w, "strict").post(
            "/transcription", content=chunked_2mb(), headers=JSON_TYPE
        ),
        "HTTP 413 request_too_large",
    ),
    ("JSON", "malformed JSON", post_raw("strict", b'{"audio_url": '), "HTTP 422 validation_error"),
    (
        "JSON",
        "invalid UTF-8",
        post_raw("strict", b'{"audio_url": "https://a.example.com/\xff.wav", "language": "hi-IN"}'),
        "HTTP 400 invalid_body",
    ),
    ("JSON", "nesting 100,000 deep", post_raw("strict", deep_json()), "HTTP 400 invalid_body"),
    (
        "JSON",
        "NaN in metadata",
        post_raw(
            "strict",
            b'{"audio_url": "https://a.example.com/a", "language": "hi-IN", "metadata": {"x": NaN}}',  # noqa: E501
        ),
        "HTTP 422 invalid_json",
    ),
    (
        "JSON",
        "lone surrogate \\ud800",
        post_raw("strict", b'{"audio_url": "https://a.example.com/a", "language": "\\ud800"}'),
        "HTTP 422 invalid_json",
    ),
    (
        "JSON",
        "a JSON array, not an object",
        post_json("strict", [GOOD]),
        "HTTP 422 validation_error",
    ),
    (
        "JSON",
        "text/plain body",
        post_raw("strict", b"audio_url=x", "text/plain"),
        "HTTP 422 validation_error",
    ),
    ("JSON", "empty body", post_raw("strict", b""), "HTTP 422 validation_error"),
    # --- headers and auth ---
    ("auth", "no Authorization header", with_key(lambda w: None), "HTTP 401 unauthorized"),
    ("auth", "garbage key", with_key(lambda w: "nl_garbage"), "HTTP 401 unauthorized"),
    (
        "auth",
        "right key, Basic scheme",
        with_key(lambda w: w.strict.key, "Basic"),
        "HTTP 401 unauthorized",
    ),
    ("auth", "revoked key", with_key(revoked_key), "HTTP 401 unauthorized"),
    (
        "headers",
        "Idempotency-Key reused with another body",
        idempotency_reuse,
        "HTTP 422 idempotency_key_reused",
    ),
    (
        "headers",
        "Idempotency-Key of 256 characters",
        post_json("strict", GOOD, **{"Idempotency-Key": "k" * 256}),
        "HTTP 422 validation_error",
    ),
    (
        "headers",
        "unknown route",
        lambda w: _client(w, "strict").get("/admin"),
        "HTTP 404 not_found",
    ),
    (
        "headers",
        "wrong method (PUT /transcription)",
        lambda w: _client(w, "strict").put("/transcription"),
        "HTTP 405 method_not_allowed",
    ),
    (
        "headers",
        "job id with path traversal",
        lambda w: _client(w, "strict").get("/transcription/..%2F..%2Fetc%2Fpasswd"),
        "HTTP 404 not_found",
    ),
    ("limits", "6th request within a minute (limit 5)", rate_limited, "HTTP 429 rate_limited"),
    (
        "limits",
        "3rd unfinished job (cap 2)",
        too_many_unfinished,
        "HTTP 429 too_many_unfinished_jobs",
    ),
]


def run_case(world: World, category: str, kind: str, send: Send, expected: str) -> Result:
    result = Result(category=category, kind=kind, expected=expected)
    response = send(world)
    result.status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if error:
        result.code, result.message = error.get("code"), error.get("message", "")
    if "retry-after" in response.headers:
        result.extra["retry_after"] = response.headers["retry-after"]
    if expected.startswith("job") and response.status_code == 201:
        with world.fetching.client() as client:
            job = wait_for_job(client, body["job_id"], timeout=120)
        result.job_status = job["status"]
        job_error = job.get("error") or {}
        result.code, result.message = job_error.get("code"), job_error.get("message", "")
        result.ok = job["status"] == "failed" and f"job {result.code}" == expected
    else:
        result.ok = f"HTTP {response.status_code} {result.code}" == expected
    return result


def cross_account_checks(world: World) -> list[Result]:
    """Another account's job must look exactly like a job that does not exist."""
    results = []
    with world.strict.client() as owner:
        job_id = owner.post("/transcription", json=GOOD).json()["job_id"]
    intruder_key = world.strict.new_account_key(f"intruder-{time.monotonic_ns()}")
    with world.strict.client(intruder_key) as intruder:
        for method in ("GET", "DELETE"):
            theirs = intruder.request(method, f"/transcription/{job_id}")
            missing = intruder.request(method, "/transcription/job_00000000000000000000000000")
            same = theirs.status_code == missing.status_code == 404 and theirs.json()["error"][
                "message"
            ].replace(job_id, "X") == missing.json()["error"]["message"].replace(
                "job_00000000000000000000000000", "X"
            )
            result = Result("auth", f"{method} another account's job", "HTTP 404 not_found")
            result.status, result.code = theirs.status_code, theirs.json()["error"]["code"]
            result.message = theirs.json()["error"]["message"]
            result.notes = "answer identical to a job that does not exist"
            result.ok = same
            results.append(result)
        listed = intruder.get("/transcription").json()["data"]
    with world.strict.client() as owner:
        still_there = owner.get(f"/transcription/{job_id}").status_code == 200
    leak = Result("auth", "list jobs as another account", "no foreign job listed")
    leak.status, leak.ok = 200, still_there and all(j["job_id"] != job_id for j in listed)
    leak.notes = "the owner's job is not listed, and the intruder's DELETE did not remove it"
    results.append(leak)
    return results


@contextmanager
def world(tmp: Path, backend: str) -> Iterator[World]:
    with ExitStack() as stack:

        def settings(name: str, **overrides: Any) -> Settings:
            data = tmp / name
            data.mkdir(parents=True)
            url = stack.enter_context(database_url_for(backend, data))
            models = ROOT / "data" / "models"
            return Settings(data_dir=data, database_url=url, model_cache_dir=models, **overrides)

        fetching = settings(
            "fetching",
            allow_private_urls=True,
            fetch_attempts=1,
            fetch_total_timeout=5.0,
            fetch_read_timeout=3.0,
            rate_limit_requests=0,
            max_unfinished_jobs=0,
            poll_interval=0.1,
        )
        strict = settings("strict", allow_private_urls=False)
        limited = settings("limited", rate_limit_requests=5, max_unfinished_jobs=2)
        models = ModelRegistry(fetching)
        apps = [
            stack.enter_context(running_api(create_app(s, workers=w, models=models), s))
            for s, w in ((fetching, True), (strict, False), (limited, False))
        ]
        audio = stack.enter_context(LocalHTTPServer())
        yield World(apps[0], apps[1], apps[2], audio)


def write_table(results: list[Result], path: Path, summary: dict[str, Any]) -> None:
    lines = [
        "# Bad inputs and what they get",
        "",
        f"Generated by `bench/bad_inputs.py` on {summary['date']} against a live server on "
        f"loopback ({summary['database']}): {summary['cases']} kinds of bad input, "
        f"{summary['five_xx']} answered 5xx, {summary['unexpected']} unexpected answers, "
        "no job visible across accounts. HTTP = the submission's answer; job = the final "
        "`error.code` of an accepted job (the submission itself got 201).",
        "",
        "| # | category | bad input | HTTP | job error code | message (abridged) |",
        "|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(results, 1):
        job = f"`{r.code}`" if r.job_status else ""
        http = f"{r.status}" + ("" if r.job_status else f" `{r.code}`" if r.code else "")
        if "retry_after" in r.extra:
            http += f" (Retry-After: {r.extra['retry_after']})"
        message = (r.message or r.notes).replace("|", "\\|").replace("\n", " ")
        if len(message) > 160:
            message = message[:157] + "..."
        lines.append(f"| {n} | {r.category} | {r.kind} | {http} | {job} | {message} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default=None, help="a PostgreSQL server URL (fresh databases are made)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bad_inputs.json")
    parser.add_argument("--table", type=Path, default=ROOT / "docs" / "bad-inputs.md")
    args = parser.parse_args()
    guard = pytest.MonkeyPatch()
    loopback_only(guard)  # a mistake here raises instead of sending a packet off the machine
    if args.postgres:
        os.environ[POSTGRES_URL_ENV] = args.postgres
    started = time.monotonic()
    try:
        backend = "postgres" if args.postgres else "sqlite"
        with tempfile.TemporaryDirectory() as tmp, world(Path(tmp), backend) as w:
            results = [run_case(w, *case) for case in CASES]
            results += cross_account_checks(w)
    finally:
        guard.undo()
    five_xx = [r.kind for r in results if r.status is not None and r.status >= 500]
    unexpected = [r.kind for r in results if not r.ok]
    summary = {
        "date": datetime.date.today().isoformat(),
        "database": "PostgreSQL" if args.postgres else "SQLite",
        "cases": len(results),
        "five_xx": len(five_xx),
        "unexpected": len(unexpected),
        "seconds": round(time.monotonic() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({**summary, "results": [asdict(r) for r in results]}, indent=2) + "\n"
    )
    write_table(results, args.table, summary)
    for r in results:
        mark = "ok " if r.ok else "BAD"
        print(f"{mark} {r.category:8} {r.kind[:48]:48} {r.status} {r.job_status or ''} {r.code}")
    print(json.dumps(summary))
    return 1 if five_xx or unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
