"""A job's stored recording, for the call page's player (local directory or S3 store)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from neuronlens.domain import Job
from neuronlens.errors import NotFound
from neuronlens.storage.audio_store import AudioStore, FileStore

_MAGIC = (
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"RIFF", "audio/wav"),
    (4, b"ftyp", "audio/mp4"),
    (0, b"\x1aE\xdf\xa3", "audio/webm"),
)
HEADERS = {"Cache-Control": "private, no-store"}


def media_type(path: Path) -> str:
    """The MIME type of an audio file from its first bytes (stored files have no extension)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    for offset, magic, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"  # an MP3 frame sync without an ID3 tag
    return "application/octet-stream"


def audio_response(job: Job, store: AudioStore) -> FileResponse:
    """The job's audio as a file response (Range requests answered with 206)."""
    if not job.audio_path:
        raise NotFound("this call's audio is not stored")
    if isinstance(store, FileStore):
        path = Path(job.audio_path).resolve()
        # The path comes from our own database, but only ever serve files inside the store.
        if not path.is_relative_to(store.root.resolve()) or not path.is_file():
            raise NotFound("this call's audio is not stored")
        return FileResponse(path, media_type=media_type(path), headers=HEADERS)
    # A remote store (S3): a temporary local copy, removed once the response is sent.
    stack = ExitStack()
    try:
        path = stack.enter_context(store.local_copy(job.audio_path))
    except Exception:
        stack.close()
        raise
    return FileResponse(
        path, media_type=media_type(path), headers=HEADERS, background=BackgroundTask(stack.close)
    )
