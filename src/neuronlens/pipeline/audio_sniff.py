"""Look at a file's first bytes and headers: what it is, and what length it claims to hold."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

_NOT_AUDIO_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program (ELF executable)"),
)
_AUDIO_MAGIC = (
    (0, b"ID3", "an MP3 file"),
    (0, b"OggS", "an Ogg file"),
    (0, b"fLaC", "a FLAC file"),
    (4, b"ftyp", "an MP4/M4A file"),
    (0, b"\x1aE\xdf\xa3", "a Matroska/WebM file"),
    (0, b"0&\xb2u\x8ef\xcf\x11", "a WMA/ASF file"),
    (0, b"FORM", "an AIFF file"),
    (0, b"caff", "a CAF file"),
    (0, b".snd", "an AU file"),
    (0, b"#!AMR", "an AMR file"),
    (0, b"wvpk", "a WavPack file"),
    (0, b"MAC ", "an APE file"),
    (0, b"NIST_1A", "a NIST SPHERE file"),
    (0, b"riff.\x91\xcf\x11", "a Wave64 file"),
)
_MP4_BOXES = (b"moov", b"mdat", b"free", b"wide", b"skip")

# MPEG audio bitrates (kbit/s) by (MPEG-1?, layer); MPEG-2/2.5 layers II and III share a table.
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Sizes writers use for "length unknown" (streaming writers, recorders that never finished).
_UNKNOWN_WAV_SIZE = 0x7FFFF000
_OGG_MAX_PAGE = 27 + 255 + 255 * 255


@dataclass(frozen=True)
class WavHeader:
    declared_seconds: float | None  # None: the writer left the size unknown
    available_seconds: float  # what the bytes present after the data chunk start can hold


def describe_not_audio(head: bytes) -> str | None:
    """A user-facing sentence when ``head`` is clearly not audio (web page, PDF, ...), else None."""
    for magic, what in _NOT_AUDIO_MAGIC:
        if head.startswith(magic):
            return f"The file is {what}, not audio."
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "The file is a WebP image, not audio."
    if describe_audio_magic(head, strong_only=True) is not None:
        return None
    text = _as_text(head)
    return None if text is None else _describe_text(text.lstrip("\ufeff \t\r\n"))


def describe_audio_magic(head: bytes, *, strong_only: bool = False) -> str | None:
    """The audio format ``head`` starts like ("a FLAC file"), or None."""
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "a WAV file"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "an AVI file"
    for offset, magic, what in _AUDIO_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return what
    if head[4:8] in _MP4_BOXES:
        return "an MP4/M4A file"
    # A bare frame sync is only 11 bits: weak evidence, used to word errors, never to refuse.
    if not strong_only and len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "an MP3/AAC file"
    return None


def mpeg_frame_length(header: bytes) -> int | None:
    """Bytes in the MPEG audio frame whose 4-byte header is given, or None if not a valid one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    layer = 4 - ((header[1] >> 1) & 3)  # 4 means reserved
    index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer == 4 or index in (0, 15) or rate_index == 3:
        return None  # reserved values, or free format (no fixed size)
    mpeg1 = version == 3
    rate = (44100, 48000, 32000)[rate_index] >> (0 if mpeg1 else 1 if version == 2 else 2)
    bitrate = _BITRATES[(True, layer) if mpeg1 else (False, min(layer, 2))][index] * 1000
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 72 if layer == 3 and not mpeg1 else 144
    return per_frame * bitrate // rate + padding


def read_wav_header(path: Path) -> WavHeader | None:
    """The data length a RIFF/RF64 WAV header declares, or None if the header is unreadable."""
    size = path.stat().st_size
    with path.open("rb") as f:
        riff = f.read(12)
        if riff[:4] not in (b"RIFF", b"RF64", b"BW64") or riff[8:12] != b"WAVE":
            return None
        byte_rate, big_data_size = 0, None
        for _ in range(64):  # a real header has a handful of chunks before the data
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            cid, csize = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            start = f.tell()
            if cid == b"fmt " and csize >= 16:
                byte_rate = struct.unpack("<I", f.read(16)[8:12])[0]
            elif cid == b"ds64" and csize >= 16:
                big_data_size = struct.unpack("<Q", f.read(16)[8:16])[0]
            elif cid == b"data":
                if byte_rate <= 0:
                    return None
                if riff[:4] != b"RIFF" and big_data_size is not None:
                    csize = big_data_size
                known = 0 < csize < _UNKNOWN_WAV_SIZE or riff[:4] != b"RIFF"
                return WavHeader(
                    declared_seconds=csize / byte_rate if known and csize else None,
                    available_seconds=max(size - start, 0) / byte_rate,
                )
            f.seek(start + csize + (csize & 1))
    return None


@dataclass(frozen=True)
class WavFormat:
    channels: int
    sample_rate: int
    bits_per_sample: int


def wav_format(head: bytes) -> WavFormat | None:
    """The ``fmt `` chunk of a RIFF/RF64 WAV found in its first bytes, or None.

    Read by hand so that absurd values (thousands of channels, a sample rate in GHz) are
    refused with a clear message before FFmpeg sees them.
    """
    if head[:4] not in (b"RIFF", b"RF64", b"BW64") or head[8:12] != b"WAVE":
        return None
    at = 12
    while at + 8 <= len(head):
        cid, size = head[at : at + 4], struct.unpack("<I", head[at + 4 : at + 8])[0]
        if cid == b"fmt ":
            if size < 16 or at + 24 > len(head):
                return None
            _tag, channels, rate = struct.unpack("<HHI", head[at + 8 : at + 16])
            bits = struct.unpack("<H", head[at + 22 : at + 24])[0]
            return WavFormat(channels, rate, bits)
        at += 8 + size + (size & 1)
    return None


def ogg_last_page_cut(path: Path) -> bool:
    """True when the file ends inside an Ogg page (header or body): it was cut short."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(size - _OGG_MAX_PAGE, 0))
        tail = f.read()
    at = tail.rfind(b"OggS")
    if at < 0:
        return False
    header = tail[at : at + 27]
    if len(header) < 27:
        return True
    segments = tail[at + 27 : at + 27 + header[26]]
    if len(segments) < header[26]:
        return True
    return at + 27 + len(segments) + sum(segments) > len(tail)


def _as_text(head: bytes) -> str | None:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").rstrip("\ufffd")
    elif b"\x00" in head:
        return None
    else:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 3:  # not just a character cut at the end of the sample
                return None
            text = head[: e.start].decode("utf-8")
    if "\ufffd" in text or any(c < " " and c not in "\t\r\n\f" for c in text):
        return None
    return text


def _describe_text(text: str) -> str:
    lower = text[:2048].lower()
    if (
        lower.startswith("<!doctype html")
        or "<html" in lower
        or (lower.startswith("<") and ("<head" in lower or "<body" in lower))
    ):
        return (
            "The file is an HTML web page, not audio: the audio URL returned a page (often an "
            "error or login page) instead of the recording — a signed URL may have expired."
        )
    if lower.startswith("<"):
        code = re.search(r"<Code>([^<]{1,64})</Code>", text)
        message = re.search(r"<Message>([^<]{1,200})</Message>", text)
        if code or message:
            detail = ": ".join(m.group(1).strip() for m in (code, message) if m)
            return (
                f"The file is an XML error response from the storage service ({detail}), not "
                "audio: the signed audio URL has probably expired or lacks permission — submit "
                "a fresh URL."
            )
        return "The file is an XML document, not audio."
    snippet = " ".join(text.split())[:80]
    if lower.startswith(("{", "[")):
        return (
            "The file is a JSON document, not audio: the audio URL probably returned an API "
            f"error ({snippet!r})."
        )
    if lower.startswith("#extm3u"):
        return "The file is a playlist (M3U/HLS), not a recording: submit the audio file's URL."
    return f"The file is plain text, not audio (it begins {snippet!r})."
