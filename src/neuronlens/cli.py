"""The ``neuronlens`` command: serve, accounts, transcribe, models, migrate."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from neuronlens.config import Settings


def _settings() -> Settings:
    """The settings, or exit with each invalid ``NEURONLENS_*`` variable and why (no traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "\n".join(
            f"  NEURONLENS_{'_'.join(map(str, error['loc'])).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise click.ClickException(f"invalid configuration:\n{problems}") from exc


def _configure_logging(level: str) -> None:
    from neuronlens.logs import configure_logging

    configure_logging(level, _settings().log_format)  # NEURONLENS_LOG_FORMAT=text|json


@click.group()
@click.version_option(package_name="neuronlens")
def main() -> None:
    """NeuronLens: call analytics for Indian contact centres."""


@main.command()
@click.option(
    "--host", default=None, help="Interface to bind (default NEURONLENS_HOST or 127.0.0.1)."
)
@click.option("--port", default=None, type=int, help="Port (default NEURONLENS_PORT or 8000).")
@click.option("--no-workers", is_flag=True, help="API only; workers run in other processes.")
@click.option("--log-level", default="info", show_default=True)
def serve(host: str | None, port: int | None, no_workers: bool, log_level: str) -> None:
    """Run the API, the dashboard and the embedded workers."""
    import uvicorn

    from neuronlens.api.app import create_app

    _configure_logging(log_level)
    settings = _settings()
    host = host or settings.host
    port = port or settings.port
    base = f"http://{host}:{port}"
    click.echo(f"NeuronLens {base}  (API docs: {base}/docs)")
    click.echo(f"Data directory: {settings.data_dir}")
    click.echo("Create an API key with: .venv/bin/neuronlens accounts create <name>")
    app = create_app(settings, workers=not no_workers)
    uvicorn.run(app, host=host, port=port, log_level=log_level, log_config=None)


@main.command()
@click.option(
    "--queues",
    default="io,speech",
    show_default=True,
    help="Celery mode: which queues to consume (io = downloads, speech = processing).",
)
@click.option(
    "--concurrency",
    default=None,
    type=click.IntRange(1, 256),
    help="Worker processes (Celery) or processing threads (embedded); default NEURONLENS_WORKERS.",
)
@click.option("--metrics-port", default=None, type=int, help="Celery mode: Prometheus port.")
@click.option("--log-level", default="info", show_default=True)
def worker(queues: str, concurrency: int | None, metrics_port: int | None, log_level: str) -> None:
    """Process jobs in this process: Celery worker (NEURONLENS_QUEUE=celery) or embedded pools."""
    _configure_logging(log_level)
    settings = _settings()
    concurrency = concurrency or settings.workers
    if settings.queue == "celery":
        from neuronlens.jobs.celery_worker import WorkerOptions, run_worker

        names = tuple(name.strip() for name in queues.split(",") if name.strip())
        try:
            run_worker(settings, WorkerOptions(names, concurrency, metrics_port, log_level))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    else:
        from neuronlens.jobs.standalone import run_embedded_workers

        run_embedded_workers(settings.model_copy(update={"workers": concurrency}))


@main.group()
def accounts() -> None:
    """Manage accounts and API keys."""


@accounts.command("create")
@click.argument("name")
def accounts_create(name: str) -> None:
    """Create an account and print its first API key (shown once)."""
    from neuronlens.errors import ValidationFailed
    from neuronlens.storage.db import make_engine, migrate
    from neuronlens.storage.repository import Repository

    engine = make_engine(_settings().resolved_database_url)
    migrate(engine)
    try:
        account, key = Repository(engine).create_account(name)
    except ValidationFailed as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Account {account.name} ({account.id}) created. API key (shown once):", err=True)
    click.echo(key)


@accounts.command("new-key")
@click.argument("name")
def accounts_new_key(name: str) -> None:
    """Issue another API key for an existing account."""
    from neuronlens.storage.db import make_engine, migrate
    from neuronlens.storage.repository import Repository

    engine = make_engine(_settings().resolved_database_url)
    migrate(engine)
    repository = Repository(engine)
    account = repository.account_by_name(name)
    if account is None:
        raise click.ClickException(f"no account named {name!r}")
    click.echo(repository.create_api_key(account.id))


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from neuronlens.storage.db import make_engine
    from neuronlens.storage.db import migrate as run_migrations

    settings = _settings()
    run_migrations(make_engine(settings.resolved_database_url))
    click.echo(f"database at {settings.resolved_database_url.split('@')[-1]} is up to date")


@main.group()
def models() -> None:
    """Manage speech models."""


@models.command("prepare")
def models_prepare() -> None:
    """Assemble and verify the embedded Whisper model (done once; setup runs this)."""
    from neuronlens.pipeline.models import prepare

    path = prepare(_settings())
    click.echo(f"embedded Whisper base model ready at {path}")
    from neuronlens.pipeline.models import prepare_speaker_encoder

    encoder = prepare_speaker_encoder(_settings())
    click.echo(f"speaker encoder (GE2E, ONNX) ready at {encoder}")


@main.command()
@click.argument("source")
@click.option("--language", required=True, help="BCP-47 code, e.g. hi-IN.")
@click.option(
    "--speakers", "num_speakers", default=2, show_default=True, type=click.IntRange(1, 10)
)
@click.option(
    "--features",
    default="transcription",
    show_default=True,
    help="Comma-separated: transcription,summary,sentiment,intent,qa_scoring.",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly the GET /transcription body.")
@click.option(
    "--scorecard",
    "scorecard_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A QA scorecard JSON file (SPEC §5); implies the qa_scoring feature.",
)
def transcribe(
    source: str,
    language: str,
    num_speakers: int,
    features: str,
    as_json: bool,
    scorecard_file: Path | None,
) -> None:
    """Run the whole pipeline locally on a FILE or URL and print the result."""
    from neuronlens.local_run import load_scorecard_file, run_local

    _configure_logging("warning")
    with tempfile.TemporaryDirectory(prefix="neuronlens-") as workdir:
        try:
            scorecard = load_scorecard_file(scorecard_file) if scorecard_file else None
            body = run_local(
                _settings(),
                source,
                language=language,
                num_speakers=num_speakers,
                features=[name.strip() for name in features.split(",") if name.strip()],
                workdir=Path(workdir),
                progress=not as_json and sys.stderr.isatty(),
                scorecard=scorecard,
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(body))
    if body["status"] != "completed":
        sys.exit(1)


@main.command()
@click.argument("transcript_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", required=True, help="BCP-47 code, e.g. hi-IN.")
@click.option(
    "--features",
    default="summary,sentiment,intent",
    show_default=True,
    help="Comma-separated: summary,sentiment,intent,qa_scoring.",
)
@click.option(
    "--scorecard",
    "scorecard_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A QA scorecard JSON file (SPEC §5); implies the qa_scoring feature.",
)
def analyze(
    transcript_file: Path, language: str, features: str, scorecard_file: Path | None
) -> None:
    """Run summary/sentiment/intent/QA on an existing transcript JSON and print the job body."""
    from neuronlens.local_run import analyze_local, load_scorecard_file

    try:
        scorecard = load_scorecard_file(scorecard_file) if scorecard_file else None
        transcript_json = json.loads(transcript_file.read_text(encoding="utf-8"))
        body = analyze_local(
            _settings(),
            transcript_json,
            language=language,
            features=[name.strip() for name in features.split(",") if name.strip()],
            scorecard=scorecard,
        )
    except ValueError as exc:  # also JSONDecodeError
        raise click.ClickException(f"{transcript_file}: {exc}") from exc
    click.echo(json.dumps(body, ensure_ascii=False, indent=2))


def render_text(body: dict[str, Any]) -> str:
    """A human-readable transcript for the terminal."""
    if body["status"] != "completed":
        error = body["error"] or {}
        return f"failed: {error.get('code')}: {error.get('message')}"
    lines = [f"{body['language']}  {body['duration']:.1f} s"]
    for segment in body["transcript"]:
        span = f"[{segment['start']:7.2f} – {segment['end']:7.2f}]"
        lines.append(f"{span} {segment['speaker']}: {segment['text']}")
    return "\n".join(lines)
