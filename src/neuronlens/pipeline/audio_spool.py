"""Decoded audio kept on disk: written block by block, read back a window at a time.

A long call decoded into memory costs 64 kB per second per channel (230 MB an hour, mono).
The spool writes each channel to its own float32 file as it is decoded and measures, on the
way, what later stages need about the whole recording (loudest window, channel correlation,
20 ms levels), so no stage has to hold all the samples.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Audio
from neuronlens.pipeline.audio_signal import (
    SILENCE_DBFS,
    Moments,
    channels_identical,
    loudest_window_power,
    power_to_dbfs,
)
from neuronlens.pipeline.diarize_stereo import frame_levels

PREFIX = "neuronlens-audio-"
"""Spool folders are named ``neuronlens-audio-<pid of their process>-<random>``."""

BLOCK = SAMPLE_RATE * 60
"""Samples per channel written and measured at once: a minute, a whole number of the in-memory
measures' pieces (``audio_signal.PIECE``, so both agree exactly) and of 20 ms frames."""


@dataclass(frozen=True)
class Source:
    """What the file held before decoding."""

    sample_rate: int
    channels: int
    codec: str
    container: str


def sanitize(part: np.ndarray) -> None:
    """In place: NaN to 0 and overs clipped, since later stages assume finite samples in [-1, 1]."""
    np.nan_to_num(part, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    np.clip(part, -1.0, 1.0, out=part)


class SpooledAudio:
    """16 kHz float32 samples of 1-2 channels in a temporary folder; delete it with close()."""

    def __init__(self, channels: int, folder: Path | None = None) -> None:
        self.channels = channels
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=folder))
        self.paths = [self.folder / f"channel{c}.f32" for c in range(channels)]
        self._files = [path.open("wb") for path in self.paths]
        self._pending = np.empty((channels, BLOCK), np.float32)
        self._filled = 0
        self.frames = 0
        self.source = Source(0, channels, "", "")
        self._loudest = 0.0
        self._moments = Moments()
        self._levels: list[np.ndarray] = []

    # --- writing (the decoder's sink) -----------------------------------------------------

    def write(self, block: np.ndarray) -> None:
        """Append (channels, n) samples."""
        done = 0
        while done < block.shape[1]:
            take = min(BLOCK - self._filled, block.shape[1] - done)
            self._pending[:, self._filled : self._filled + take] = block[:, done : done + take]
            self._filled += take
            done += take
            if self._filled == BLOCK:
                self._flush()

    def _flush(self) -> None:
        part = self._pending[:, : self._filled]
        self._filled = 0
        if not part.shape[1]:
            return
        sanitize(part)
        for channel, file in zip(part, self._files, strict=True):
            self._loudest = max(self._loudest, loudest_window_power(channel))
            file.write(channel.tobytes())
        if self.channels == 2:
            self._moments.add(part[0], part[1])
            self._levels.append(frame_levels(part))
        self.frames += part.shape[1]

    def finish(self, source: Source) -> None:
        """Write what is pending and note the source; the samples are readable from now on."""
        self._flush()
        for file in self._files:
            file.close()
        self._pending = np.empty((self.channels, 0), np.float32)
        self.source = source

    # --- reading ------------------------------------------------------------------------------

    @property
    def duration(self) -> float:
        return self.frames / SAMPLE_RATE

    def read(self, start: int, end: int, channel: int | None = None) -> np.ndarray:
        """Samples [start, end) of ``channel``, or of all channels averaged (None), float32."""
        start, end = max(0, start), min(end, self.frames)
        count = max(0, end - start)
        if channel is not None or self.channels == 1:
            path = self.paths[channel or 0]
            return np.fromfile(path, dtype=np.float32, count=count, offset=start * 4)
        mixed = np.fromfile(self.paths[0], dtype=np.float32, count=count, offset=start * 4)
        for path in self.paths[1:]:
            mixed += np.fromfile(path, dtype=np.float32, count=count, offset=start * 4)
        mixed /= np.float32(self.channels)  # as Audio.mono(): float32 sum, then divide
        return mixed

    # --- measured while writing ---------------------------------------------------------

    def loudest_window_dbfs(self) -> float:
        """As :func:`audio_signal.loudest_window_dbfs` over the whole recording."""
        return power_to_dbfs(self._loudest)

    def is_silent(self, *, threshold_dbfs: float = SILENCE_DBFS) -> bool:
        return self.loudest_window_dbfs() < threshold_dbfs

    def channels_identical(self, *, min_correlation: float = 0.99) -> bool:
        """As :func:`audio_signal.channels_identical` (always True for one channel)."""
        return self.channels < 2 or self._moments.identical(min_correlation)

    def frame_levels(self) -> np.ndarray:
        """(2, frames) dBFS per 20 ms, as ``diarize_stereo.frame_levels`` (stereo only)."""
        if not self._levels:
            return np.zeros((self.channels, 0))
        return np.concatenate(self._levels, axis=1)

    # --- clean-up -----------------------------------------------------------------------------

    def close(self) -> None:
        for file in self._files:
            file.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> SpooledAudio:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_orphaned_spools(folder: Path) -> list[Path]:
    """Delete the spool folders in ``folder`` whose process is gone (a worker killed mid-job
    cannot clean up after itself); returns what was deleted. Folders of live processes stay."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(f"{PREFIX}*-*"):
        pid = path.name[len(PREFIX) :].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _process_exists(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class AudioReader(Protocol):
    """Read access to decoded audio, on disk (:class:`SpooledAudio`) or in memory."""

    channels: int
    frames: int

    @property
    def duration(self) -> float: ...

    def read(self, start: int, end: int, channel: int | None = None) -> np.ndarray: ...

    def channels_identical(self, *, min_correlation: float = 0.99) -> bool: ...

    def frame_levels(self) -> np.ndarray: ...


class InMemoryAudio:
    """:class:`AudioReader` over an already decoded :class:`Audio` (tests, benchmarks)."""

    def __init__(self, audio: Audio) -> None:
        self.audio = audio
        self.channels = audio.channels
        self.frames = int(audio.samples.shape[1])

    @property
    def duration(self) -> float:
        return self.audio.duration

    def read(self, start: int, end: int, channel: int | None = None) -> np.ndarray:
        samples = self.audio.samples[:, max(0, start) : end]
        if channel is not None or self.channels == 1:
            return samples[channel or 0]
        return samples.mean(axis=0, dtype=np.float32)

    def channels_identical(self, *, min_correlation: float = 0.99) -> bool:
        return channels_identical(self.audio, min_correlation=min_correlation)

    def frame_levels(self) -> np.ndarray:
        return frame_levels(self.audio.samples)
