"""Hostile audio, crafted at run time (a few KB each): lying WAV headers, FLAC bombs, archives.

Shared by tests/pipeline/test_audio_safety.py and bench/bad_inputs.py.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib

import av
import numpy as np


def wav(
    *, channels: int = 1, rate: int = 8000, bits: int = 16, data: bytes = b"", declared: int = -1
) -> bytes:
    """A PCM WAV; ``declared`` is the data size the header claims (default: the truth)."""
    block = (channels * bits // 8) & 0xFFFF
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
    size = len(data) if declared < 0 else declared
    chunks = b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def speechless_pcm(seconds: float, rate: int = 8000) -> bytes:
    noise = np.random.default_rng(7).normal(0, 2000, int(seconds * rate))
    return noise.astype("<i2").tobytes()


def flac_bomb(seconds: float, *, rate: int = 1000, keep_length: bool = True) -> bytes:
    """Digital silence in the largest FLAC blocks: about 1 byte per second of audio."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="flac") as out:
        stream = out.add_stream("flac", rate=rate, layout="mono", options={"frame_size": "65535"})
        zeros = np.zeros((1, 65535), np.int16)
        done, total = 0, int(seconds * rate)
        while done < total:
            n = min(65535, total - done)
            frame = av.AudioFrame.from_ndarray(zeros[:, :n], format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, done
            for packet in stream.encode(frame):
                out.mux(packet)
            done += n
        for packet in stream.encode(None):
            out.mux(packet)
    data = bytearray(buffer.getvalue())
    if not keep_length:  # as a streaming writer leaves it: STREAMINFO total samples = 0
        data[8 + 13] &= 0xF0
        data[8 + 14 : 8 + 18] = bytes(4)
    return bytes(data)


def zip_bomb() -> bytes:
    """A ZIP holding 50 MB of zeros as ``call.wav`` (about 50 KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("call.wav", bytes(50_000_000))
    return buffer.getvalue()


def gzip_file() -> bytes:
    """50 MB of zeros, gzip-compressed (a file, not a Content-Encoding)."""
    return gzip.compress(bytes(50_000_000))


def gzip_encoded_zeros(megabytes: int = 200) -> bytes:
    """A body to serve with ``Content-Encoding: gzip`` that inflates to ``megabytes`` of zeros."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    chunk = bytes(1 << 20)
    return b"".join(squeezer.compress(chunk) for _ in range(megabytes)) + squeezer.flush()
