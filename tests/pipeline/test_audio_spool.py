"""decode_to_spool: the same samples, measures and errors as decode_audio, in flat memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from neuronlens.domain import SAMPLE_RATE, Audio
from neuronlens.errors import JobFailure
from neuronlens.pipeline.audio import (
    channels_identical,
    decode_audio,
    decode_to_spool,
    loudest_window_dbfs,
)
from neuronlens.pipeline.audio_spool import InMemoryAudio
from neuronlens.pipeline.diarize_stereo import frame_levels
from tests.pipeline.test_audio import _write_wav

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(p for p in (DATA / "audio").iterdir() if p.name not in ("README.md",))
FILES += sorted((DATA / "calls").glob("*.mp3")) + sorted((DATA / "calls").glob("*.wav"))


def _same_as_in_memory(path: Path, folder: Path, max_seconds: float = 3600.0) -> None:
    audio = decode_audio(path, max_seconds=max_seconds)
    with decode_to_spool(path, max_seconds=max_seconds, folder=folder) as spool:
        assert (spool.channels, spool.frames) == audio.samples.shape
        assert spool.duration == audio.duration
        for channel in range(audio.channels):
            assert np.array_equal(spool.read(0, spool.frames, channel), audio.samples[channel])
        assert np.array_equal(spool.read(0, spool.frames), audio.mono())
        middle = spool.frames // 3
        assert np.array_equal(spool.read(middle, middle + 5000), audio.mono()[middle:][:5000])
        assert spool.loudest_window_dbfs() == loudest_window_dbfs(audio)
        assert spool.channels_identical() == channels_identical(audio)
        if audio.channels == 2:
            assert np.array_equal(spool.frame_levels(), frame_levels(audio.samples))
        source = spool.source
        assert (source.sample_rate, source.channels, source.codec, source.container) == (
            audio.source_sample_rate,
            audio.source_channels,
            audio.codec,
            audio.container,
        )
    assert not any(folder.iterdir())  # closing deletes the samples


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_spool_decodes_or_refuses_exactly_like_decode_audio(path: Path, tmp_path: Path) -> None:
    try:
        decode_audio(path, max_seconds=3600.0)
    except JobFailure as error:
        with pytest.raises(type(error)) as caught:
            decode_to_spool(path, max_seconds=3600.0, folder=tmp_path)
        assert caught.value.message == error.message
        assert not any(tmp_path.iterdir())  # a refused file leaves nothing behind
        return
    _same_as_in_memory(path, tmp_path)


def test_limit_while_decoding_leaves_nothing_behind(tmp_path: Path) -> None:
    path = DATA / "audio" / "header_understates_length.mp3"
    with pytest.raises(JobFailure, match="found while decoding"):
        decode_to_spool(path, max_seconds=17.0, folder=tmp_path)
    assert not any(tmp_path.iterdir())


def test_minutes_of_stereo_with_overs_and_nan_match_across_block_edges(tmp_path: Path) -> None:
    """150 s: two full one-minute blocks and a partial one, overs and NaN on both sides of an
    edge, a voice on one channel only in the middle."""
    rng = np.random.default_rng(3)
    samples = (rng.standard_normal((2, 150 * 8_000)) * 0.1).astype(np.float32)
    samples[1, 70 * 8_000 : 90 * 8_000] *= 0.01
    edge = 60 * 8_000
    samples[0, edge - 50 : edge + 50] = 4.0
    samples[1, edge - 3 : edge + 3] = np.nan
    path = _write_wav(tmp_path / "long.wav", samples, 8_000, float32=True)
    folder = tmp_path / "spool"
    folder.mkdir()
    _same_as_in_memory(path, folder)


def test_decoding_ten_minutes_holds_a_few_seconds_in_memory(tmp_path: Path) -> None:
    minutes = 10
    rng = np.random.default_rng(5)
    second = (rng.standard_normal(SAMPLE_RATE) * 0.1).astype(np.float32)
    path = _write_wav(tmp_path / "ten.wav", np.tile(second, minutes * 60)[None], SAMPLE_RATE)
    decoded_bytes = minutes * 60 * SAMPLE_RATE * 4  # 38 MB as one float32 array
    tracemalloc.start()
    try:
        with decode_to_spool(path, max_seconds=3600.0, folder=tmp_path) as spool:
            peak = tracemalloc.get_traced_memory()[1]
            window = spool.read(5 * 60 * SAMPLE_RATE, 6 * 60 * SAMPLE_RATE)
    finally:
        tracemalloc.stop()
    assert spool.frames == minutes * 60 * SAMPLE_RATE
    assert np.array_equal(
        window[:SAMPLE_RATE], decode_audio(path, max_seconds=3600).samples[0, :SAMPLE_RATE]
    )
    assert peak < decoded_bytes / 4  # one minute's block and its measures, not the recording


def test_in_memory_reader_reads_like_the_spool(tmp_path: Path) -> None:
    path = DATA / "calls" / "hi_two_speakers_stereo.mp3"
    audio: Audio = decode_audio(path, max_seconds=120)
    reader = InMemoryAudio(audio)
    with decode_to_spool(path, max_seconds=120, folder=tmp_path) as spool:
        for channel in (None, 0, 1):
            assert np.array_equal(
                reader.read(1000, 90_000, channel), spool.read(1000, 90_000, channel)
            )
        assert np.array_equal(reader.frame_levels(), spool.frame_levels())
        assert reader.channels_identical() == spool.channels_identical() is False


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def test_orphaned_spools_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    import os

    from neuronlens.pipeline.audio_spool import SpooledAudio, remove_orphaned_spools

    live = SpooledAudio(1, tmp_path)  # this process's own, in use
    orphan = tmp_path / f"neuronlens-audio-{_dead_pid()}-abc123"
    orphan.mkdir()
    (orphan / "channel0.f32").write_bytes(b"\0" * 64)
    unrelated = tmp_path / "notes"
    unrelated.mkdir()
    assert live.folder.name.startswith(f"neuronlens-audio-{os.getpid()}-")

    assert remove_orphaned_spools(tmp_path) == [orphan]
    assert not orphan.exists()
    assert live.folder.exists() and unrelated.exists()
    live.close()
    assert not live.folder.exists()
    assert remove_orphaned_spools(tmp_path / "missing") == []


def test_a_worker_starting_up_clears_what_a_killed_worker_left(tmp_path: Path) -> None:
    from neuronlens.config import Settings
    from neuronlens.jobs.context import WorkerContext

    settings = Settings(data_dir=tmp_path)
    orphan = settings.spool_dir / f"neuronlens-audio-{_dead_pid()}-xyz"
    orphan.mkdir(parents=True)
    WorkerContext.from_settings(settings)
    assert not orphan.exists()
