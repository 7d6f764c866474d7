"""Where fetched audio lives between download and deletion: a local directory or S3.

``NEURONLENS_STORAGE_URL`` picks the store: ``file:///srv/neuronlens/audio`` (default
``<data_dir>/audio``, the single-machine layout) or ``s3://bucket/prefix`` (any S3-compatible
server with ``NEURONLENS_S3_ENDPOINT_URL``), so that a worker on another machine can read audio
that an I/O worker downloaded. The downloader always writes to a local staging file first; the
store takes it from there (a multipart upload streams it from disk, so memory stays bounded).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from neuronlens.errors import NeuronLensError

if TYPE_CHECKING:
    from neuronlens.config import Settings

_PART_BYTES = 8 * 1024 * 1024
"""Multipart chunk size: the most an upload or download holds in memory per thread."""


class StorageUnavailable(NeuronLensError):
    """The audio store could not be reached or refused an operation (retrying may help)."""

    code = "storage_unavailable"


class AudioStore(Protocol):
    """Keeps each job's audio under its job id."""

    def staging_path(self, job_id: str) -> Path:
        """A local path the downloader writes the job's audio to."""

    def put(self, job_id: str, staged: Path) -> str:
        """Store the staged file; returns the location to record in the job row."""

    def local_copy(self, location: str) -> Any:
        """A context manager yielding a local file with the audio at ``location``."""

    def delete(self, job_id: str) -> None:
        """Remove everything stored for a job (idempotent)."""


class FileStore:
    """Audio in a local (or network-mounted) directory: ``<root>/<job_id>/audio``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def staging_path(self, job_id: str) -> Path:
        return self.root / job_id / "audio"

    def put(self, job_id: str, staged: Path) -> str:
        final = self.staging_path(job_id)
        if staged != final:
            final.parent.mkdir(parents=True, exist_ok=True)
            staged.replace(final)
        return str(final)

    @contextmanager
    def local_copy(self, location: str) -> Iterator[Path]:
        yield Path(location)

    def delete(self, job_id: str) -> None:
        shutil.rmtree(self.root / job_id, ignore_errors=True)


class S3Store:
    """Audio as objects ``<prefix>/<job_id>/audio`` in an S3 bucket."""

    def __init__(
        self, bucket: str, prefix: str, staging_dir: Path, *, endpoint_url: str | None = None
    ) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.staging_dir = staging_dir
        # Bounded timeouts and retries: a stuck store must fail a step, never hang a worker.
        config = Config(
            connect_timeout=10, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"}
        )
        self._client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, config=config
        )
        self._transfer = TransferConfig(
            multipart_threshold=_PART_BYTES, multipart_chunksize=_PART_BYTES, max_concurrency=2
        )

    def key_for(self, job_id: str) -> str:
        """The object key of a job's audio."""
        return "/".join(part for part in (self.prefix, job_id, "audio") if part)

    def staging_path(self, job_id: str) -> Path:
        return self.staging_dir / job_id / "audio"

    def put(self, job_id: str, staged: Path) -> str:
        key = self.key_for(job_id)
        try:
            self._client.upload_file(str(staged), self.bucket, key, Config=self._transfer)
        except Exception as exc:  # botocore raises many unrelated types; all mean "not stored"
            raise StorageUnavailable(
                f"could not store the audio in s3://{self.bucket}: {exc}"
            ) from exc
        finally:
            shutil.rmtree(staged.parent, ignore_errors=True)
        return f"s3://{self.bucket}/{key}"

    @contextmanager
    def local_copy(self, location: str) -> Iterator[Path]:
        bucket, key = parse_s3_location(location)
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.staging_dir, prefix="get-") as tmp:
            path = Path(tmp) / "audio"
            try:
                self._client.download_file(bucket, key, str(path), Config=self._transfer)
            except Exception as exc:
                raise StorageUnavailable(
                    f"could not read the audio from s3://{bucket}: {exc}"
                ) from exc
            yield path

    def delete(self, job_id: str) -> None:
        shutil.rmtree(self.staging_dir / job_id, ignore_errors=True)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self.key_for(job_id))
        except Exception as exc:
            raise StorageUnavailable(
                f"could not delete the audio in s3://{self.bucket}: {exc}"
            ) from exc


def parse_s3_location(location: str) -> tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key)."""
    parts = urlsplit(location)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an s3:// location: {location!r}")
    return parts.netloc, parts.path.lstrip("/")


def audio_store_from_settings(settings: Settings) -> AudioStore:
    """The store named by ``NEURONLENS_STORAGE_URL`` (default: ``<data_dir>/audio``)."""
    url = settings.storage_url
    if not url:
        return FileStore(settings.audio_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileStore(Path(unquote(parts.path)).expanduser().resolve())
    if parts.scheme == "s3" and parts.netloc:
        return S3Store(
            parts.netloc,
            parts.path,
            settings.data_dir / "staging",
            endpoint_url=settings.s3_endpoint_url,
        )
    raise ValueError(f"NEURONLENS_STORAGE_URL must be file://... or s3://bucket/prefix: {url!r}")
