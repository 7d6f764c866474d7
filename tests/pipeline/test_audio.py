"""decode_audio on real clips in every supported format, and on every kind of bad file."""

from __future__ import annotations

import contextlib
import struct
import time
import tracemalloc
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from neuronlens.domain import SAMPLE_RATE, Audio
from neuronlens.errors import (
    AudioTooLong,
    CorruptAudio,
    EmptyAudio,
    JobFailure,
    UnsupportedAudioFormat,
)
from neuronlens.pipeline import audio as audio_module
from neuronlens.pipeline.audio import (
    channels_identical,
    decode_audio,
    is_silent,
    loudest_window_dbfs,
)

AUDIO = Path(__file__).resolve().parents[1] / "data" / "audio"
CLIP_SECONDS = 3.576  # common_voice_hi_23827785.mp3, per the Common Voice manifest
LIMIT = 3600.0

GOOD = [
    # file, source sample rate, channels, codec
    ("common_voice_hi_23827785.mp3", 48_000, 1, "mp3"),
    ("clip_16k_s16.wav", 16_000, 1, "pcm_s16le"),
    ("clip_8k_mulaw.wav", 8_000, 1, "pcm_mulaw"),
    ("clip_8k_alaw.wav", 8_000, 1, "pcm_alaw"),
    ("clip_8k_u8.wav", 8_000, 1, "pcm_u8"),
    ("clip_8k_s24.wav", 8_000, 1, "pcm_s24le"),
    ("clip_8k_s32.wav", 8_000, 1, "pcm_s32le"),
    ("clip_8k_f32.wav", 8_000, 1, "pcm_f32le"),
    ("clip_22k.ogg", 22_050, 1, "vorbis"),
    ("clip.opus", 48_000, 1, "opus"),
    ("clip_16k.flac", 16_000, 1, "flac"),
    ("clip_44k.m4a", 44_100, 1, "aac"),
    ("stereo_two_speakers.wav", 16_000, 2, "pcm_s16le"),
    ("stereo_identical_8k.wav", 8_000, 2, "pcm_s16le"),
]

BAD = [
    # file, error class, words the message must contain
    ("empty.wav", EmptyAudio, "empty"),
    ("error_page.html", UnsupportedAudioFormat, "HTML"),
    ("s3_expired.xml", UnsupportedAudioFormat, "Request has expired"),
    ("api_error.json", UnsupportedAudioFormat, "JSON"),
    ("invoice.pdf", UnsupportedAudioFormat, "PDF"),
    ("random_bytes.mp3", UnsupportedAudioFormat, "not in a recognised audio format"),
    ("video_only.mp4", UnsupportedAudioFormat, "no audio track"),
    ("truncated.mp3", CorruptAudio, "truncated"),
    ("truncated.wav", CorruptAudio, "truncated"),
    ("truncated.flac", CorruptAudio, "truncated"),
    ("truncated_faststart.m4a", CorruptAudio, "truncated"),
    ("truncated_moov_at_end.m4a", CorruptAudio, "MP4/M4A"),
    ("garbage_after_header.flac", CorruptAudio, "No audio could be decoded"),
]


def _decode(name: str, max_seconds: float = LIMIT) -> Audio:
    return decode_audio(AUDIO / name, max_seconds=max_seconds)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.shape[0], b.shape[0])
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def _write_wav(path: Path, samples: np.ndarray, rate: int, *, float32: bool = False) -> Path:
    """Write (channels, frames) samples as 16-bit PCM, or as IEEE float WAV (which wave can't)."""
    channels = samples.shape[0]
    if not float32:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes((samples.T * 32767).astype("<i2").tobytes())
        return path
    data = samples.T.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * channels * 4, channels * 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


# --- good files ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "rate", "channels", "codec"), GOOD)
def test_every_format_decodes_to_16k_float32(name: str, rate: int, channels: int, codec: str):
    audio = _decode(name)
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 2 and audio.channels == channels
    assert audio.samples.flags["C_CONTIGUOUS"]
    assert abs(audio.duration - CLIP_SECONDS) < 0.1
    assert (audio.source_sample_rate, audio.source_channels, audio.codec) == (rate, channels, codec)
    assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= 1.0
    assert not is_silent(audio)


def test_every_format_carries_the_same_speech():
    reference = _decode("clip_16k_s16.wav").samples[0]
    for name, *_ in GOOD:
        if not name.startswith("stereo"):
            # Lossy codecs and the 4 kHz telephone band still keep the waveform's shape.
            assert _corr(_decode(name).samples[0], reference) > 0.9, name


def test_telephone_8k_mulaw_matches_the_wideband_clip():
    narrow = _decode("clip_8k_mulaw.wav")
    assert narrow.source_sample_rate == 8_000 and narrow.samples.shape[1] == 57_216
    assert _corr(narrow.samples[0], _decode("clip_16k_s16.wav").samples[0]) > 0.99


def test_stereo_keeps_one_speaker_per_channel():
    stereo = _decode("stereo_two_speakers.wav")
    clip = _decode("clip_16k_s16.wav").samples[0]
    assert stereo.channels == 2
    assert _corr(stereo.samples[0], clip) > 0.99  # left: the clip's speaker
    assert abs(_corr(stereo.samples[1], clip)) < 0.2  # right: another speaker
    assert not channels_identical(stereo)


def test_identical_stereo_is_detected_but_kept():
    audio = _decode("stereo_identical_8k.wav")
    assert audio.channels == 2
    assert channels_identical(audio)
    assert channels_identical(_decode("clip_16k.flac"))  # mono: nothing to tell apart


def test_channels_identical_tolerates_gain_and_rejects_one_silent_side():
    clip = _decode("clip_16k_s16.wav").samples[0]
    scaled = Audio(np.stack([clip, -0.5 * clip]), 16_000, 2, "pcm_s16le", "wav")
    one_sided = Audio(np.stack([clip, np.zeros_like(clip)]), 16_000, 2, "pcm_s16le", "wav")
    both_silent = Audio(np.zeros((2, 16_000), np.float32), 16_000, 2, "pcm_s16le", "wav")
    assert channels_identical(scaled)
    assert not channels_identical(one_sided)
    assert channels_identical(both_silent)


def test_any_source_rate_is_resampled(tmp_path: Path):
    for rate in (11_025, 32_000, 96_000):
        t = np.arange(rate // 2) / rate
        tone = (0.5 * np.sin(2 * np.pi * 1000 * t))[np.newaxis]
        audio = decode_audio(_write_wav(tmp_path / f"{rate}.wav", tone, rate), max_seconds=LIMIT)
        assert abs(audio.duration - 0.5) < 0.01
        spectrum = np.abs(np.fft.rfft(audio.samples[0]))
        peak_hz = np.argmax(spectrum) * SAMPLE_RATE / audio.samples.shape[1]
        assert abs(peak_hz - 1000) < 5, rate


def test_more_than_two_channels_are_averaged_to_mono(tmp_path: Path):
    t = np.arange(8_000) / 8_000
    channels = np.stack([0.3 * np.sin(2 * np.pi * f * t) for f in (300, 500, 700)])
    audio = decode_audio(_write_wav(tmp_path / "three.wav", channels, 8_000), max_seconds=LIMIT)
    assert (audio.channels, audio.source_channels) == (1, 3)
    assert abs(audio.duration - 1.0) < 0.01


def test_absurd_channel_counts_are_refused(tmp_path: Path):
    path = _write_wav(tmp_path / "many.wav", np.zeros((64, 800)), 8_000)
    with pytest.raises(UnsupportedAudioFormat, match="64 channels"):
        decode_audio(path, max_seconds=LIMIT)


def test_float_overs_and_nan_become_finite_samples_in_range(tmp_path: Path):
    samples = np.full((1, 8_000), 0.25, np.float32)
    samples[0, 100:200] = 3.0
    samples[0, 300] = np.nan
    samples[0, 400] = np.inf
    path = _write_wav(tmp_path / "f.wav", samples, 8_000, float32=True)
    audio = decode_audio(path, max_seconds=10.0)
    assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= 1.0


def test_mp3_whose_header_understates_its_length_decodes_fully():
    # No Xing header: FFmpeg estimates about 15 s; the real length must not look like damage.
    assert abs(_decode("header_understates_length.mp3").duration - 20.16) < 0.1


# --- bad files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "error", "words"), BAD)
def test_bad_files_raise_their_specific_error(name: str, error: type[JobFailure], words: str):
    with pytest.raises(error) as caught:
        _decode(name)
    assert caught.value.code == error.code
    assert words in caught.value.message


def test_messages_say_what_to_do():
    with pytest.raises(UnsupportedAudioFormat) as html:
        _decode("error_page.html")
    assert "signed URL may have expired" in html.value.message
    with pytest.raises(UnsupportedAudioFormat) as s3:
        _decode("s3_expired.xml")
    assert "AccessDenied" in s3.value.message and "fresh URL" in s3.value.message
    with pytest.raises(CorruptAudio) as cut:
        _decode("truncated.wav")
    assert "3.6 s" in cut.value.message and "1.4 s" in cut.value.message


def test_playlists_and_scripts_never_reach_other_files(tmp_path: Path, monkeypatch):
    # An ffconcat script would make FFmpeg read another file; the sniffer refuses it, and so
    # does FFmpeg's demuxer whitelist when the sniffer is bypassed.
    (tmp_path / "inner.wav").write_bytes((AUDIO / "clip_16k_s16.wav").read_bytes())
    script = tmp_path / "call.mp3"
    script.write_text("ffconcat version 1.0\nfile inner.wav\n")
    with pytest.raises(UnsupportedAudioFormat, match="plain text"):
        decode_audio(script, max_seconds=LIMIT)
    monkeypatch.setattr(audio_module, "describe_not_audio", lambda head: None)
    with pytest.raises(UnsupportedAudioFormat, match="not in a recognised audio format"):
        decode_audio(script, max_seconds=LIMIT)


def test_ffmpeg_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]):
    av.logging.restore_default_callback()  # FFmpeg's own logger prints to stderr
    for name in [n for n, *_ in BAD] + ["common_voice_hi_23827785.mp3", "clip_44k.m4a"]:
        with contextlib.suppress(JobFailure):
            _decode(name)
    assert capfd.readouterr() == ("", "")


# --- length limit --------------------------------------------------------------------------


def test_too_long_is_refused_from_the_header_before_decoding(monkeypatch):
    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoding started")

    monkeypatch.setattr(av, "AudioResampler", no_decoding)
    for name in ("clip_16k_s16.wav", "clip_16k.flac", "clip_44k.m4a", "clip.opus"):
        with pytest.raises(AudioTooLong, match="according to its header"):
            _decode(name, max_seconds=2.0)


def test_header_claiming_hours_is_refused_early_with_bounded_memory():
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(AudioTooLong) as caught:
            _decode("header_claims_3h.wav", max_seconds=3600.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 5_000_000
    assert "3 h 0 min" in caught.value.message and "holds only 1.0 s" in caught.value.message


def test_limit_holds_while_decoding_when_the_header_understates():
    with pytest.raises(AudioTooLong, match="found while decoding"):
        _decode("header_understates_length.mp3", max_seconds=17.0)


def test_audio_just_within_the_limit_is_accepted():
    assert _decode("clip_44k.m4a", max_seconds=CLIP_SECONDS).channels == 1


# --- silence -------------------------------------------------------------------------------


def test_digital_silence_is_detected():
    silence = _decode("silence_5s.wav")
    assert abs(silence.duration - 5.0) < 0.01
    assert is_silent(silence)
    assert loudest_window_dbfs(silence) == float("-inf")


def test_near_silence_and_dc_offset_count_as_silent_but_quiet_speech_does_not():
    clip = _decode("clip_16k_s16.wav").samples

    def audio(samples: np.ndarray) -> Audio:
        return Audio(samples.astype(np.float32), 16_000, 1, "pcm_s16le", "wav")

    assert is_silent(audio(clip * 10**-4))  # speech 80 dB down: below any line noise
    assert not is_silent(audio(clip * 10**-1.5))  # 30 dB down: quiet, but speech
    assert is_silent(audio(np.full_like(clip, 0.2)))  # a DC offset carries no sound
    assert not is_silent(audio(np.concatenate([np.zeros((1, 600_000)), clip], axis=1)))
