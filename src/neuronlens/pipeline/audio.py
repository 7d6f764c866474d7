"""Decode a recording to 16 kHz float32 (channels kept) and refuse bad files with a clear error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import av.logging
import numpy as np

from neuronlens.domain import SAMPLE_RATE, Audio
from neuronlens.errors import AudioTooLong, CorruptAudio, EmptyAudio, UnsupportedAudioFormat
from neuronlens.pipeline.audio_buffer import MemorySink, Sink, SinkFactory
from neuronlens.pipeline.audio_signal import channels_identical, is_silent, loudest_window_dbfs
from neuronlens.pipeline.audio_sniff import (
    WavFormat,
    describe_audio_magic,
    describe_not_audio,
    mpeg_frame_length,
    ogg_last_page_cut,
    read_wav_header,
    wav_format,
)
from neuronlens.pipeline.audio_spool import Source, SpooledAudio

MAX_CHANNELS = 32
"""More channels than this is a damaged header, not a recorded conversation."""
MAX_SAMPLE_RATE = 384_000
"""The highest rate any recorder uses; more is a damaged or crafted header."""
MIN_BYTES_PER_SECOND = 256
"""The leanest supported speech codecs need more (AMR-NB 4.75 kbit/s is 594 B/s, Opus 6 kbit/s
750 B/s, Speex 2.15 kbit/s 269 B/s). A file that would decode to more audio than its size allows
at this rate is a compression bomb (e.g. hours of digital silence in a small FLAC) or a header
that lies: refused, so that decoded memory stays proportional to the bytes received."""
DENSITY_CHECK_AFTER_S = 300.0
"""Short files are exempt: a minute of FLAC silence is a normal (no-speech) upload."""
GRACE_S = 0.5
"""Encoders pad (AAC priming, whole MP3 frames): audio may run this far past the limit."""
LOSSLESS_TOLERANCE_S = 0.02
LOSSY_TOLERANCE_S = 0.2
LOSSY_TOLERANCE_FRACTION = 0.002
"""Decoding this much less than the header declares is codec delay or a concealed glitch, not a
cut. Lossless formats count samples exactly; lossy ones trim priming and may drop a damaged page."""
BAD_PACKETS_ALLOWED = 3
BAD_PACKET_FRACTION = 0.02
"""A few undecodable packets are skipped (as ffmpeg does); more means the file is damaged."""
ESTIMATE_SLACK = 1.5
"""A length estimated from the bitrate (MP3 without a Xing header) can be this far off."""
UNKNOWN_LENGTH_GUESS_S = 600.0

# Demuxers whose header stores the real length rather than an estimate from the file size.
_EXACT = frozenset({"wav", "flac", "w64", "aiff", "wv", "tta"})
_AUTHORITATIVE = _EXACT | {"mov", "ogg", "matroska", "asf", "caf"}
# Demuxers that read PCM in fixed-size blocks: a short last block is normal, not a cut frame.
_BLOCK_READERS = frozenset({"wav", "w64", "aiff", "au", "caf", "voc", "sox", "ircam", "nistsphere"})
# Audio demuxers only: playlists (hls, concat, dash) would open other files or URLs, and image
# or text demuxers have no business here.
_DEMUXERS = (
    "wav,w64,mp3,ogg,flac,mov,aac,matroska,asf,aiff,caf,au,amr,amrnb,amrwb,wv,ape,tta,voc,gsm,"
    "g722,g723_1,g726,g726le,g729,ilbc,mpc,mpc8,ac3,eac3,dts,dtshd,mlp,truehd,loas,latm,"
    "nistsphere,sox,dsf,xwma,ircam,shn,tak,qcp,dss,avi,mpeg,mpegts,flv,rm"
)
_OPEN_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": _DEMUXERS}
__all__ = [
    "SpooledAudio",
    "channels_identical",
    "decode_audio",
    "decode_to_spool",
    "is_silent",
    "loudest_window_dbfs",
]

_SUPPORTED = "WAV, MP3, OGG (Vorbis, Opus), FLAC and M4A (AAC)"


@dataclass(frozen=True)
class _Declared:
    """The length the header declares, and how far to trust it."""

    seconds: float | None
    authoritative: bool
    tolerance: float = 0.0  # how much shorter the decoded audio may be without being a cut
    available: float | None = None  # WAV: what the bytes actually present can hold


def decode_audio(path: Path, *, max_seconds: float) -> Audio:
    """Decode ``path`` to 16 kHz float32 keeping 1-2 channels (more are averaged to mono)."""
    sink: MemorySink | None = None

    def in_memory(channels: int, capacity: int) -> MemorySink:
        nonlocal sink
        sink = MemorySink(channels, capacity)
        return sink

    source = _open_and_decode(Path(path), max_seconds, in_memory)
    assert sink is not None
    return Audio(
        samples=sink.to_array(),
        source_sample_rate=source.sample_rate,
        source_channels=source.channels,
        codec=source.codec,
        container=source.container,
    )


def decode_to_spool(path: Path, *, max_seconds: float, folder: Path | None = None) -> SpooledAudio:
    """Decode ``path`` like :func:`decode_audio`, but stream the samples to a temporary file
    in ``folder`` (memory stays flat however long the recording); close it when done."""
    spool: SpooledAudio | None = None

    def on_disk(channels: int, _capacity: int) -> SpooledAudio:
        nonlocal spool
        spool = SpooledAudio(channels, folder)
        return spool

    try:
        source = _open_and_decode(Path(path), max_seconds, on_disk)
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    assert spool is not None
    spool.finish(source)
    return spool


def _open_and_decode(path: Path, max_seconds: float, make_sink: SinkFactory) -> Source:
    _keep_ffmpeg_quiet()
    if path.stat().st_size == 0:
        raise EmptyAudio("The audio file is empty (0 bytes): the upload or download had no data.")
    with path.open("rb") as f:
        head = f.read(4096)
    not_audio = describe_not_audio(head)
    if not_audio is not None:
        raise UnsupportedAudioFormat(not_audio)
    _refuse_absurd_wav_format(wav_format(head))
    try:
        container = av.open(str(path), options=dict(_OPEN_OPTIONS))
    except av.FFmpegError as e:
        kind = describe_audio_magic(head)
        if kind is None:
            raise UnsupportedAudioFormat(
                f"The file is not in a recognised audio format (supported: {_SUPPORTED})."
            ) from e
        raise CorruptAudio(
            f"The file looks like {kind} but cannot be opened: it is probably truncated "
            "(an incomplete upload or download) or damaged."
        ) from e
    with container:
        return _decode(container, path, max_seconds, make_sink)


# --- decoding ------------------------------------------------------------------------------


def _decode(
    container: av.container.InputContainer, path: Path, max_seconds: float, make_sink: SinkFactory
) -> Source:
    fmt = container.format.name.split(",")[0]
    if not container.streams.audio:
        kinds = ", ".join(sorted({s.type for s in container.streams})) or "none"
        raise UnsupportedAudioFormat(
            f"The file ({container.format.long_name}) has no audio track (streams: {kinds})."
        )
    stream = container.streams.best("audio")
    if not isinstance(stream, av.AudioStream):
        stream = container.streams.audio[0]
    ctx = stream.codec_context
    if ctx.channels > MAX_CHANNELS:
        raise UnsupportedAudioFormat(
            f"The audio declares {ctx.channels} channels; at most {MAX_CHANNELS} are accepted."
        )
    if (ctx.sample_rate or 0) > MAX_SAMPLE_RATE:
        raise UnsupportedAudioFormat(
            f"The audio declares a sample rate of {ctx.sample_rate:,} Hz; at most "
            f"{MAX_SAMPLE_RATE:,} Hz is accepted (the header is damaged or crafted)."
        )
    declared = _declared_length(container, stream, path, fmt)
    _refuse_if_declared_too_long(declared, max_seconds)
    file_bytes = path.stat().st_size
    if fmt not in _BLOCK_READERS:  # PCM cannot be a bomb; its declared size is checked apart
        _refuse_if_implausibly_dense(file_bytes, declared.seconds, decoded=False)
    budget = int((max_seconds + GRACE_S) * SAMPLE_RATE)
    # One buffer sized from the header (np.empty commits no memory until written), so the
    # result needs no final copy; a header that says too little only costs a regrowth.
    expected = min(
        declared.seconds or UNKNOWN_LENGTH_GUESS_S,
        declared.available if declared.available is not None else float("inf"),
    )
    expected = expected * 1.02 + 2.0
    if fmt not in _BLOCK_READERS:
        density_cap = file_bytes / MIN_BYTES_PER_SECOND
        budget = min(budget, int(max(density_cap, DENSITY_CHECK_AFTER_S) * SAMPLE_RATE))
    channels = 1 if ctx.channels > 2 else max(ctx.channels, 1)
    decoder = _Decoder(
        make_sink(channels, min(budget, int(expected * SAMPLE_RATE))),
        budget=budget,
        check_mpeg_frames=fmt == "mp3" and ctx.codec.canonical_name in ("mp1", "mp2", "mp3"),
        trust_short_reads=fmt not in _BLOCK_READERS,
    )
    try:
        for packet in container.demux(stream):  # the last, empty packet flushes the decoder
            decoder.packet(packet)
        decoder.flush()
    except _TooLong:
        _refuse_if_implausibly_dense(file_bytes, decoder.frames / SAMPLE_RATE, decoded=True)
        raise AudioTooLong(
            f"The recording is longer than the {_human(max_seconds)} limit (found while "
            f"decoding; its header declared {_human(declared.seconds)})."
        ) from None
    except av.FFmpegError:
        decoder.tail_damaged = True  # the container could not be read past this point
    if fmt == "ogg":
        # Ogg's length comes from its last page, so a cut file declares its cut length: look
        # for a last page that the end of the file cuts through instead.
        decoder.tail_damaged |= ogg_last_page_cut(path)
    _check_complete(decoder, declared)
    return Source(
        sample_rate=decoder.source_rate or int(ctx.sample_rate or 0),
        channels=int(ctx.channels),
        codec=ctx.codec.canonical_name,
        container=fmt,
    )


class _TooLong(Exception):
    pass


class _Decoder:
    """Packets in, 16 kHz fltp samples out to a sink; notes the damage it sees."""

    def __init__(
        self,
        sink: Sink,
        *,
        budget: int,
        check_mpeg_frames: bool,
        trust_short_reads: bool,
    ) -> None:
        self.sink, self.budget = sink, budget
        self.check_mpeg_frames, self.trust_short_reads = check_mpeg_frames, trust_short_reads
        self.frames = self.packets = self.bad = self.source_rate = 0
        self.tail_damaged = False
        self.first_header = b""
        self.resampler: av.AudioResampler | None = None
        self.key: tuple[str, str, int] | None = None
        self.layout: av.AudioLayout | None = None

    def packet(self, packet: av.Packet) -> None:
        if packet.size:
            self.packets += 1
            # Only the last packet's state matters: was it cut short by the end of the file?
            self.tail_damaged = self.trust_short_reads and packet.is_corrupt
            if self.check_mpeg_frames:
                self.tail_damaged |= self._partial_mpeg_frame(bytes(packet))
        try:
            frames = packet.decode()
        except av.FFmpegError:
            self.bad += 1
            return
        for frame in frames:
            if not isinstance(frame, av.AudioFrame):
                continue
            key = (frame.format.name, frame.layout.name, frame.sample_rate)
            if key != self.key:  # rate or layout changed mid-stream: drain, start afresh
                self.flush()
                self.layout = self.layout or frame.layout
                self.source_rate = self.source_rate or frame.sample_rate
                self.resampler = av.AudioResampler("fltp", self.layout, SAMPLE_RATE)
                self.key = key
            assert self.resampler is not None
            self._store(self.resampler.resample(frame))

    def flush(self) -> None:
        if self.resampler is not None:
            self._store(self.resampler.resample(None))
            self.resampler = None

    def _partial_mpeg_frame(self, data: bytes) -> bool:
        # An MPEG frame header states the frame's size, and the demuxer hands over a cut last
        # frame as it is. Junk after the audio may hold a sync word by chance: a cut frame
        # matches the stream's first header (version, layer, sample rate).
        self.first_header = self.first_header or data[:4]
        first = self.first_header
        if len(data) < 4:  # cut inside the header itself
            return len(first) == 4 and data == first[: len(data)]
        if data[1] != first[1] or data[2] & 0x0C != first[2] & 0x0C:
            return False
        expected = mpeg_frame_length(data[:4])
        return expected is not None and len(data) < expected

    def _store(self, frames: list[av.AudioFrame]) -> None:
        for out in frames:
            block = out.to_ndarray()
            if block.shape[0] != self.sink.channels:  # >2 channels: keep every voice, in mono
                block = block.mean(axis=0, keepdims=True, dtype=np.float32)
            self.sink.write(block)
            self.frames += block.shape[1]
            if self.frames > self.budget:
                raise _TooLong


def _check_complete(decoder: _Decoder, declared: _Declared) -> None:
    decoded = decoder.frames / SAMPLE_RATE
    if decoder.frames == 0:
        raise CorruptAudio("No audio could be decoded: the file is damaged or holds no audio.")
    expected = declared.seconds if declared.authoritative else None
    if expected is not None and expected - decoded > declared.tolerance:
        raise CorruptAudio(
            f"The file is truncated or damaged: its header declares "
            f"{_human(expected)} of audio but only {_human(decoded)} could be "
            "decoded (an incomplete upload or download?)."
        )
    if decoder.tail_damaged:
        raise CorruptAudio(
            f"The file is truncated: it ends in the middle of an audio frame after "
            f"{_human(decoded)} (an incomplete upload or download?)."
        )
    if decoder.bad > max(BAD_PACKETS_ALLOWED, BAD_PACKET_FRACTION * decoder.packets):
        raise CorruptAudio(
            f"The audio is damaged: {decoder.bad} of {decoder.packets} packets could not be "
            "decoded."
        )


def _declared_length(
    container: av.container.InputContainer, stream: av.AudioStream, path: Path, fmt: str
) -> _Declared:
    if fmt == "wav":
        # FFmpeg clamps a WAV's data size to the file size, hiding a cut: read the header.
        wav = read_wav_header(path)
        if wav is not None and wav.declared_seconds is not None:
            return _Declared(
                wav.declared_seconds, True, LOSSLESS_TOLERANCE_S, wav.available_seconds
            )
    seconds = None
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = container.duration / av.time_base
    if fmt in _EXACT:
        return _Declared(seconds, True, LOSSLESS_TOLERANCE_S)
    lossy = LOSSY_TOLERANCE_S + LOSSY_TOLERANCE_FRACTION * (seconds or 0.0)
    return _Declared(seconds, fmt in _AUTHORITATIVE, lossy)


def _refuse_absurd_wav_format(wav: WavFormat | None) -> None:
    if wav is None:
        return
    if not 0 < wav.channels <= MAX_CHANNELS:
        raise UnsupportedAudioFormat(
            f"The WAV header declares {wav.channels} channels; 1 to {MAX_CHANNELS} are accepted "
            "(the header is damaged or crafted)."
        )
    if not 0 < wav.sample_rate <= MAX_SAMPLE_RATE:
        raise UnsupportedAudioFormat(
            f"The WAV header declares a sample rate of {wav.sample_rate:,} Hz; at most "
            f"{MAX_SAMPLE_RATE:,} Hz is accepted (the header is damaged or crafted)."
        )


def _refuse_if_implausibly_dense(file_bytes: int, seconds: float | None, *, decoded: bool) -> None:
    if seconds is None or seconds <= DENSITY_CHECK_AFTER_S:
        return
    if file_bytes >= seconds * MIN_BYTES_PER_SECOND:
        return
    how = "decodes to more than" if decoded else "claims"
    raise CorruptAudio(
        f"The file is {file_bytes:,} bytes but {how} {_human(seconds)} of audio (real "
        f"recordings need at least {MIN_BYTES_PER_SECOND} bytes per second): it is damaged, or "
        "crafted to expand enormously when decoded (a decompression bomb), and is refused."
    )


def _refuse_if_declared_too_long(declared: _Declared, max_seconds: float) -> None:
    limit = max_seconds + GRACE_S if declared.authoritative else max_seconds * ESTIMATE_SLACK
    if declared.seconds is None or declared.seconds <= limit:
        return
    note = ""
    if declared.available is not None and declared.available + 1.0 < declared.seconds:
        note = (
            f" (the file itself holds only {_human(declared.available)}, so it is also "
            "truncated or its header is damaged)"
        )
    about = "" if declared.authoritative else "about "
    raise AudioTooLong(
        f"The recording is {about}{_human(declared.seconds)} long according to its header, "
        f"above the {_human(max_seconds)} limit{note}."
    )


# --- small helpers -------------------------------------------------------------------------


def _keep_ffmpeg_quiet() -> None:
    # FFmpeg would log every damaged frame to stderr; we report damage through our errors.
    # Re-install PyAV's silent callback unless someone chose a level (to debug, say).
    if av.logging.get_level() is None:
        av.logging.set_level(None)


def _human(seconds: float | None) -> str:
    if seconds is None:
        return "an unknown length"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min {int(seconds % 60)} s"
    return f"{minutes // 60} h {minutes % 60} min"
