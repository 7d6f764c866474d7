"""Hostile audio is refused early, with a clear error code and bounded memory.

Every file is crafted here at run time (a few KB each): WAV headers that lie about length,
sample rate and channel count, archives dressed up as audio, a FLAC "decompression bomb"
(hours of digital silence at 1 kHz in 65535-sample blocks: 3 h in about 10 KB, which would
decode to 690 MB of 16 kHz float32), and a gzip Content-Encoding bomb served over loopback.
Peak memory is measured in a fresh child process (its VmHWM: the pytest process's own peak
would say nothing about the file).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from neuronlens.errors import AudioTooLarge, AudioTooLong, CorruptAudio, UnsupportedAudioFormat
from neuronlens.pipeline.audio import MIN_BYTES_PER_SECOND, decode_audio
from neuronlens.pipeline.fetch import FetchOptions, fetch_audio
from tests.support.hostile_audio import (
    flac_bomb,
    gzip_encoded_zeros,
    gzip_file,
    speechless_pcm,
    wav,
    zip_bomb,
)
from tests.support.http_server import LocalHTTPServer

LIMIT = 4 * 3600.0  # the default NEURONLENS_MAX_AUDIO_SECONDS
MEMORY_BOUND_MB = 250
"""Peak RSS of a child that imports the pipeline and refuses a bomb (the imports alone: ~50 MB)."""


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def decode_in_child(path: Path) -> dict[str, object]:
    """Decode ``path`` in a fresh interpreter; its error code, message, peak RSS and time."""
    script = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from neuronlens.errors import JobFailure\n"
        "from neuronlens.pipeline.audio import decode_audio\n"
        "start = time.monotonic(); out = {'code': None}\n"
        "try:\n"
        f"    decode_audio(Path(sys.argv[1]), max_seconds={LIMIT})\n"
        "except JobFailure as exc:\n"
        "    out = {'code': exc.code, 'message': exc.message}\n"
        "out['seconds'] = time.monotonic() - start\n"
        # VmHWM, not ru_maxrss: the latter survives fork+exec and reports the parent's peak.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "out['peak_rss_mb'] = int(hwm.split()[1]) / 1024\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- headers that lie --------------------------------------------------------------------------


def test_a_tiny_wav_claiming_hours_is_refused_from_its_header(tmp_path: Path) -> None:
    path = write(tmp_path, "claims.wav", wav(data=bytes(3200), declared=8000 * 2 * 5 * 3600))
    with pytest.raises(AudioTooLong, match=r"5 h 0 min long according to its header") as caught:
        decode_audio(path, max_seconds=LIMIT)
    assert "holds only 0.2 s" in caught.value.message
    result = decode_in_child(path)
    assert result["code"] == "audio_too_long"
    assert float(str(result["peak_rss_mb"])) < MEMORY_BOUND_MB


def test_a_wav_whose_data_size_lies_is_truncated_not_padded(tmp_path: Path) -> None:
    path = write(tmp_path, "liar.wav", wav(data=speechless_pcm(1.0), declared=8000 * 2 * 120))
    with pytest.raises(CorruptAudio, match="truncated"):
        decode_audio(path, max_seconds=LIMIT)


@pytest.mark.parametrize("rate", [2_000_000_000, 1_073_741_823, 768_000, 0])
def test_an_absurd_sample_rate_is_refused(tmp_path: Path, rate: int) -> None:
    path = write(tmp_path, "rate.wav", wav(rate=rate, data=bytes(8000)))
    with pytest.raises(UnsupportedAudioFormat, match="sample rate") as caught:
        decode_audio(path, max_seconds=LIMIT)
    assert caught.value.code == "unsupported_audio_format"


@pytest.mark.parametrize("channels", [0, 33, 4096, 65535])
def test_thousands_of_channels_are_refused(tmp_path: Path, channels: int) -> None:
    path = write(tmp_path, "ch.wav", wav(channels=channels, data=bytes(4 * 65536)))
    with pytest.raises(UnsupportedAudioFormat, match=f"declares {channels} channels"):
        decode_audio(path, max_seconds=LIMIT)


# --- archives and bombs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "what"),
    [
        ("call.wav", zip_bomb, "ZIP archive"),
        ("call.mp3", gzip_file, "gzip-compressed"),
    ],
)
def test_archives_dressed_as_audio_are_refused_without_unpacking(
    tmp_path: Path, name: str, make: Callable[[], bytes], what: str
) -> None:
    data = make()
    assert len(data) < 200_000
    with pytest.raises(UnsupportedAudioFormat, match=what):
        decode_audio(write(tmp_path, name, data), max_seconds=LIMIT)


def test_a_flac_bomb_that_declares_its_length_is_refused_before_decoding(tmp_path: Path) -> None:
    data = flac_bomb(3 * 3600)  # under the 4 h limit, so only the density check can catch it
    assert len(data) < 3 * 3600 * MIN_BYTES_PER_SECOND / 10
    path = write(tmp_path, "bomb.flac", data)
    with pytest.raises(CorruptAudio, match="decompression bomb") as caught:
        decode_audio(path, max_seconds=LIMIT)
    assert "claims 3 h 0 min" in caught.value.message


def test_a_flac_bomb_over_the_limit_is_too_long(tmp_path: Path) -> None:
    path = write(tmp_path, "long.flac", flac_bomb(5 * 3600))
    with pytest.raises(AudioTooLong):
        decode_audio(path, max_seconds=LIMIT)


def test_a_flac_bomb_of_unknown_length_stops_early_with_bounded_memory(tmp_path: Path) -> None:
    path = write(tmp_path, "stream.flac", flac_bomb(3 * 3600, keep_length=False))
    result = decode_in_child(path)
    assert result["code"] == "corrupt_audio", result
    assert "decompression bomb" in str(result["message"])
    # Decoding all of it would need 3 h x 16 kHz x 4 B = 691 MB for the samples alone.
    assert float(str(result["peak_rss_mb"])) < MEMORY_BOUND_MB, result
    assert float(str(result["seconds"])) < 30


def test_short_silence_in_flac_is_still_a_normal_file(tmp_path: Path) -> None:
    # The density rule spares short files: a minute of silence decodes (and later gets the
    # no-speech error from the pipeline, not a bomb error).
    audio = decode_audio(write(tmp_path, "quiet.flac", flac_bomb(60)), max_seconds=LIMIT)
    assert audio.samples.shape[-1] == 60 * 16000


def test_a_gzip_content_encoding_bomb_is_stopped_while_downloading(tmp_path: Path) -> None:
    body = gzip_encoded_zeros(200)
    assert len(body) < 400_000  # 200 MB of zeros
    options = FetchOptions(allow_private=True, connect_timeout=2, read_timeout=5, total_timeout=30)
    with LocalHTTPServer() as server:
        url = server.add_file("/call.wav", body, "audio/wav", headers={"Content-Encoding": "gzip"})
        with pytest.raises(AudioTooLarge, match="decompression bomb") as caught:
            fetch_audio(url, tmp_path / "call.wav", options)
    assert caught.value.code == "audio_too_large"
    assert list(tmp_path.iterdir()) == []  # the partial file is gone
