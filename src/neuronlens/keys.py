"""The server's own secret: signs dashboard sessions and encrypts stored webhook secrets."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from neuronlens.config import Settings

SECRET_FILE = "secret.key"


def server_secret(settings: Settings) -> bytes:
    """``NEURONLENS_SECRET_KEY`` if set, else a random key kept in ``<data_dir>/secret.key``.

    Every API node and worker of one deployment must share it (set the variable there)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        _create_secret_file(path)
    return path.read_text().strip().encode()


def _create_secret_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first; use theirs
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
