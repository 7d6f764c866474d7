"""Transcribe with speakers: stereo channels or mono clustering, then roles and talk metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Audio, Segment, SpeakerReport, SpeakerSummary
from neuronlens.errors import NoSpeechDetected
from neuronlens.pipeline.audio_spool import AudioReader, InMemoryAudio
from neuronlens.pipeline.diarize import (
    DiarizeOptions,
    attribute_speakers,
    embed_window,
    join_evidence,
)
from neuronlens.pipeline.diarize_stereo import (
    drop_bleed,
    levels_show_one_party_per_channel,
    merge_channels,
)
from neuronlens.pipeline.roles import apply_labels, decide_roles, role_labels
from neuronlens.pipeline.speaker_windows import Encoder
from neuronlens.pipeline.talk_metrics import talk_intervals, talk_metrics
from neuronlens.pipeline.windows import (
    WINDOW_SECONDS,
    plan_windows,
    release_freed_memory,
    shift_segments,
    window_progress,
)

Transcriber = Callable[[np.ndarray, Callable[[float], None] | None], list[Segment]]
"""Mono 16 kHz samples and a progress callback -> segments (``asr.transcribe`` bound)."""


@dataclass(frozen=True)
class Attributed:
    segments: tuple[Segment, ...]
    report: SpeakerReport


def transcribe_with_speakers(
    audio: Audio | AudioReader,
    num_speakers: int,
    transcribe: Transcriber,
    encoder: Callable[[], Encoder],
    progress: Callable[[str, float], None],
    options: DiarizeOptions | None = None,
    window_seconds: float = WINDOW_SECONDS,
) -> Attributed:
    """Speaker-attributed, role-labelled segments of ``audio`` with the speakers report.

    Long recordings go window by window (``windows.plan_windows``): only one window's samples
    are in memory at a time, and only the segments and speaker embeddings are kept."""
    source = InMemoryAudio(audio) if isinstance(audio, Audio) else audio
    windows = plan_windows(source.frames, lambda a, b: source.read(a, b), window_seconds)
    channels: dict[str, int] = {}
    levels = _party_per_channel_levels(source) if num_speakers >= 2 else None
    if levels is not None:
        method = "stereo_channels"
        per_channel: list[list[Segment]] = []
        for channel in range(2):
            try:
                heard = _transcribe(
                    source, windows, channel, transcribe, _halves(progress, channel)
                )
            except NoSpeechDetected:
                heard = []
            per_channel.append(drop_bleed(heard, channel, levels))
            channels[f"speaker_{channel + 1}"] = channel
        segments = merge_channels(per_channel)
        if not segments:
            raise NoSpeechDetected("no speech found in either channel")
    else:
        segments = _transcribe(
            source, windows, None, transcribe, lambda f: progress("transcribe", f)
        )
        progress("diarize", 0.0)
        if num_speakers >= 2:
            method = "clustering"
            speaker_encoder = encoder()
            evidence = []
            for done, (start, end) in enumerate(windows, 1):
                samples = source.read(start, end)
                evidence.append(embed_window(samples, speaker_encoder, options, offset=start))
                if len(windows) > 1:
                    release_freed_memory()
                if done < len(windows):
                    progress("diarize", 0.9 * done / len(windows))
            del samples
            joined = join_evidence(evidence)
            evidence.clear()  # the joined copy is all that is needed now
            segments = list(attribute_speakers(segments, joined, num_speakers, options).segments)
        else:
            method = "single_speaker"
            segments = [replace(s, speaker="speaker_1") for s in segments]
        progress("diarize", 1.0)
    return label_roles(segments, source.duration, num_speakers, method, channels)


def _party_per_channel_levels(source: AudioReader) -> np.ndarray | None:
    """The channels' 20 ms levels when each channel carries one party, else None."""
    if source.channels != 2 or source.channels_identical():
        return None
    levels = source.frame_levels()
    return levels if levels_show_one_party_per_channel(levels) else None


def _transcribe(
    source: AudioReader,
    windows: list[tuple[int, int]],
    channel: int | None,
    transcribe: Transcriber,
    progress: Callable[[float], None],
) -> list[Segment]:
    """Segments of ``channel`` (None: the channels mixed), one window at a time, in call time;
    raises NoSpeechDetected when no window holds speech."""
    segments: list[Segment] = []
    silent: NoSpeechDetected | None = None
    heard = False
    for window in windows:
        samples = source.read(*window, channel)
        try:
            found = transcribe(samples, window_progress(progress, window, source.frames))
        except NoSpeechDetected as error:
            silent = error
            continue
        heard = True
        segments += shift_segments(found, window[0] / SAMPLE_RATE)
        release_freed_memory()  # also between jobs: a worker's peak would creep up job by job
    if not heard and silent is not None:
        raise silent
    return sorted(segments, key=lambda segment: (segment.start, segment.end))


def _halves(progress: Callable[[str, float], None], half: int) -> Callable[[float], None]:
    """Transcription progress of one of two channels, as a share of the whole stage."""
    return lambda fraction: progress("transcribe", (half + fraction) / 2)


def label_roles(
    segments: Sequence[Segment],
    duration: float,
    num_speakers: int,
    method: str,
    channels: dict[str, int] | None = None,
) -> Attributed:
    """Rename speakers to agent/customer (or neutral labels) and measure their talk."""
    talk = {s: sum(e - b for b, e in v) for s, v in talk_intervals(segments).items()}
    decision = decide_roles(segments, talk)
    mapping = role_labels(segments, decision)
    renamed = apply_labels(segments, mapping)
    metrics = talk_metrics(renamed, duration)
    total = metrics.total_talk_time or 1.0
    summaries = []
    for old, new in mapping.items():
        own = [s for s in renamed if s.speaker == new]
        role = new if new in ("agent", "customer") else None
        speaking = metrics.talk_time_by_speaker.get(new, 0.0)
        summaries.append(
            SpeakerSummary(
                label=new,
                role=role,
                role_confidence=decision.confidence if role else None,
                talk_time=speaking,
                talk_share=round(speaking / total, 3),
                turns=_turn_count(renamed, new),
                words=sum(len(s.words) or len(s.text.split()) for s in own),
                channel=(channels or {}).get(old),
            )
        )
    summaries.sort(key=lambda s: (s.label not in ("agent", "customer"), s.label))
    report = SpeakerReport(
        method=method,
        speakers_requested=num_speakers,
        speakers_found=len(mapping),
        roles_assigned=decision.assigned,
        roles_note=decision.note,
        speakers=tuple(summaries),
        metrics=metrics,
    )
    return Attributed(tuple(sorted(renamed, key=lambda s: (s.start, s.end))), report)


def _turn_count(segments: Sequence[Segment], label: str) -> int:
    ordered = [s.speaker for s in sorted(segments, key=lambda s: s.start)]
    return sum(1 for i, s in enumerate(ordered) if s == label and (i == 0 or ordered[i - 1] != s))
