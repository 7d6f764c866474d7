"""Diarization building blocks on small exact inputs: clustering, Viterbi, re-splitting, stereo."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlens.domain import Audio, Segment, Word
from neuronlens.pipeline.diarize import _split, _viterbi
from neuronlens.pipeline.diarize_stereo import (
    drop_bleed,
    frame_levels,
    merge_channels,
    one_party_per_channel,
)
from neuronlens.pipeline.speaker_clusters import cluster_speakers
from neuronlens.pipeline.talk_metrics import talk_metrics
from neuronlens.serialize import job_to_body
from tests.pipeline.diarize_support import CALLS, decode


def _voices(rng: np.random.Generator, centres: list[np.ndarray], per: int) -> np.ndarray:
    rows = [c + rng.normal(0, 0.08, (per, c.size)) for c in centres]
    x = np.concatenate(rows)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = np.abs(rng.normal(size=64))
    return v / np.linalg.norm(v)


def test_clusters_to_exactly_the_requested_speakers() -> None:
    rng = np.random.default_rng(1)
    x = _voices(rng, [_unit(rng) for _ in range(3)], 20)
    labels = cluster_speakers(x, 3)
    assert sorted(np.bincount(labels).tolist()) == [20, 20, 20]
    assert labels[0] == 0  # numbered by first appearance


def test_long_calls_cluster_a_subset_and_assign_the_rest() -> None:
    from neuronlens.pipeline.speaker_clusters import ClusterOptions

    rng = np.random.default_rng(6)
    x = _voices(rng, [_unit(rng) for _ in range(2)], 150)
    labels = cluster_speakers(x, 2, ClusterOptions(max_cluster_windows=50))
    assert sorted(np.bincount(labels).tolist()) == [150, 150]
    assert len(set(labels[:150].tolist())) == 1


def test_one_voice_is_not_split_into_two() -> None:
    rng = np.random.default_rng(2)
    x = _voices(rng, [_unit(rng)], 40)
    assert set(cluster_speakers(x, 2).tolist()) == {0}


def test_num_speakers_one_and_tiny_inputs() -> None:
    rng = np.random.default_rng(3)
    x = _voices(rng, [_unit(rng), _unit(rng)], 5)
    assert set(cluster_speakers(x, 1).tolist()) == {0}
    assert cluster_speakers(np.zeros((0, 64)), 2).size == 0


def test_a_few_seconds_of_speech_are_one_speaker() -> None:
    rng = np.random.default_rng(5)
    x = _voices(rng, [_unit(rng), _unit(rng)], 6)  # 12 windows: about 3 s of speech
    assert set(cluster_speakers(x, 2).tolist()) == {0}


def test_viterbi_ignores_a_single_weak_flip() -> None:
    scores = np.array([[0.9, 0.5]] * 4 + [[0.70, 0.72]] + [[0.9, 0.5]] * 3 + [[0.4, 0.9]] * 4)
    assert _viterbi(scores, 0.05).tolist() == [0] * 8 + [1] * 4


def _word(text: str, start: float) -> Word:
    return Word(text, start, start + 0.3, 0.9)


def test_segment_is_resplit_where_the_speaker_changes() -> None:
    words = tuple(_word(w, i * 0.4) for i, w in enumerate(["a", "b", "c", "d", "e"]))
    segment = Segment("speaker_1", 0.0, 1.9, "a b c d e", 0.8, words)
    parts = _split(segment, [0, 0, 1, 1, 0])
    assert [(p.speaker, p.text) for p in parts] == [
        ("speaker_1", "a b"),
        ("speaker_2", "c d"),
        ("speaker_1", "e"),
    ]
    assert parts[1].start == pytest.approx(0.8) and parts[1].end == pytest.approx(1.5)


def test_talk_metrics_count_overlap_silence_and_interruptions() -> None:
    a = Segment("agent", 0.0, 4.0, "x y", 1.0, (Word("x", 0.0, 2.0, 1), Word("y", 2.0, 4.0, 1)))
    b = Segment("customer", 3.0, 6.0, "z", 1.0, (Word("z", 3.0, 6.0, 1),))
    c = Segment("agent", 9.0, 10.0, "w", 1.0, (Word("w", 9.0, 10.0, 1),))
    metrics = talk_metrics([a, b, c], duration=12.0)
    assert metrics.talk_time_by_speaker == {"agent": 5.0, "customer": 3.0}
    assert metrics.total_talk_time == 7.0
    assert metrics.non_talk_time == 5.0
    assert metrics.overlap_time == 1.0
    assert metrics.interruptions_by_speaker == {"agent": 0, "customer": 1}
    assert metrics.longest_silence == 3.0


def _audio(samples: np.ndarray) -> Audio:
    return Audio(samples.astype(np.float32), 16000, samples.shape[0], "mp3", "mp3")


def test_stereo_detection_one_party_per_channel_vs_same_signal_twice() -> None:
    stereo = _audio(decode_stereo("hi_two_speakers_stereo.mp3"))
    twice = _audio(decode_stereo("hi_two_speakers_dupmono.mp3"))
    mono = decode(CALLS / "hi_two_speakers.mp3")
    # Two room microphones: both channels carry both voices, only slightly different.
    rng = np.random.default_rng(4)
    room = _audio(np.stack([mono, 0.7 * mono + rng.normal(0, 0.01, mono.size)]))
    assert one_party_per_channel(stereo)
    assert not one_party_per_channel(twice)
    assert not one_party_per_channel(room)
    assert not one_party_per_channel(_audio(mono[None]))


def test_echo_of_the_other_party_is_dropped() -> None:
    samples = np.zeros((2, 32000), dtype=np.float32)
    samples[0, :16000] = 0.3 * np.sin(np.arange(16000) / 5)
    samples[1, :16000] = 0.003 * np.sin(np.arange(16000) / 5)  # 40 dB down: leaked echo
    samples[1, 16000:] = 0.3 * np.sin(np.arange(16000) / 7)
    levels = frame_levels(samples)
    heard = [
        Segment("s", 0.1, 1.9, "echo own", 0.9, (_word("echo", 0.2), _word("own", 1.2))),
    ]
    kept = drop_bleed(heard, 1, levels)
    assert [w.word for s in kept for w in s.words] == ["own"]
    merged = merge_channels([[Segment("s", 0.5, 1.0, "b", 1.0)], [Segment("s", 0.2, 2.0, "a", 1)]])
    assert [(s.speaker, s.text) for s in merged] == [("speaker_2", "a"), ("speaker_1", "b")]


def decode_stereo(name: str) -> np.ndarray:
    from neuronlens.pipeline.audio import decode_audio

    return decode_audio(CALLS / name, max_seconds=60).samples


def test_job_body_shows_the_speakers_block() -> None:
    from datetime import UTC, datetime

    from neuronlens.domain import Job, JobRequest, JobStatus

    stored = {
        "transcript": [],
        "speakers": [{"label": "agent", "role": "agent"}],
        "talk_metrics": {"interruptions": 2},
        "diarization": {"method": "clustering"},
    }
    now = datetime.now(UTC)
    request = JobRequest(audio_url="x", language="hi-IN")
    job = Job("j", "a", JobStatus.COMPLETED, request, now, now, result=stored)
    body = job_to_body(job)
    assert body["speakers"] == stored["speakers"]
    assert body["talk_metrics"] == {"interruptions": 2}
    assert body["diarization"] == {"method": "clustering"}
    pending = job_to_body(Job("j", "a", JobStatus.PENDING, request, now, now, result=stored))
    assert pending["speakers"] is None
