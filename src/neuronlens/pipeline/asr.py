"""Speech recognition: VAD, then Whisper steered to write the language in its own script."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronlens.domain import SAMPLE_RATE, Segment, Word
from neuronlens.languages import LATIN, Language
from neuronlens.pipeline import asr_guards, asr_hotwords, script_tokens
from neuronlens.pipeline.asr_prompts import prompt_for
from neuronlens.pipeline.vad import (
    SpeechSpan,
    VadSettings,
    group_spans,
    require_speech,
    speech_after,
    speech_within,
)

__all__ = ["AsrOptions", "require_speech", "transcribe"]

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment as WhisperSegment

SPEAKER = "speaker_1"
"""Every segment's speaker until diarization assigns real ones."""

MAX_TOKENS = 448
"""Whisper's decoder context: steering prompt plus the text of one chunk must fit in it."""
CHUNKS_PER_CALL = 32
"""Chunks handed to Whisper at once (about 10-15 min of speech): bounds feature memory."""


@dataclass(frozen=True)
class AsrOptions:
    """Decoding settings; the defaults are the ones bench/asr.py measured best."""

    beam_size: int = 5
    """Beam 3 and greedy decoding cost CER on Hindi (docs/speed.md): the decoder is most of the
    time, but the beam is what makes Whisper base usable on Indic speech."""
    batch_size: int = 4
    """Chunks decoded together. Output does not depend on it; on 2 cores 4 is as fast as 8, and
    each chunk in a batch adds about 90 MB of peak memory, mostly encoder attention
    (docs/speed.md)."""
    repetition_penalty: float = 1.1
    """Mild: stops Whisper base's loops on Indic text; 1.2 and up garble real words."""
    steer_script: bool = True
    """Show a native-script prompt with every chunk and suppress tokens of other scripts."""
    allow_latin: bool = False
    """Whether Indic transcripts may contain Latin letters (code-mixed English)."""
    prompt: str | None = None
    """Steering text; None means the built-in sentence for the language, "" means none."""
    hotwords_path: Path | None = None
    """A deployment's hotwords.json (call-centre words per language, ``asr_hotwords``), shown
    after the steering text; None means the built-in file."""
    hotword_tokens: int = 48
    """Most tokens the hot-words may take (0: none): each token shortens every chunk (one
    448-token window holds prompt and text), so only the leading words that fit are shown."""
    max_chunk_seconds: float = 30.0
    speech_chars_per_second: float = 15.0
    """Fast conversational speech; sizes chunks so their text fits the token budget."""
    max_gap_seconds: float = 2.0
    """A longer pause starts a new chunk (Whisper invents text in long silences)."""
    max_repeats: int = 3
    """Collapse a word or phrase repeated more often than this in a row (a decoding loop)."""
    resume_rounds: int = 2
    """Times a chunk whose transcript stopped early is decoded again from where it stopped."""
    resume_min_speech: float = 1.0
    """Seconds of speech left after the last word that count as "stopped early"."""
    vad: VadSettings = field(default_factory=VadSettings)


def _sentence(language: Language, options: AsrOptions) -> str | None:
    """The native-script steering sentence, if the language needs one."""
    if not options.steer_script or language.script is LATIN:
        return None
    return (prompt_for(language.whisper) if options.prompt is None else options.prompt) or None


def _token_counter(model: WhisperModel) -> Callable[[str], int]:
    tokenizer = model.hf_tokenizer
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


def steering_prompt(
    language: Language, options: AsrOptions, model: WhisperModel | None = None
) -> str | None:
    """The text shown to Whisper before every chunk, if any: steering sentence and hot-words.

    With ``model``, the hot-words that fit in ``options.hotword_tokens`` of its tokenizer (what
    Whisper is shown); without, all of them (enough to recognise an echo of the prompt).
    """
    words = asr_hotwords.for_language(language.whisper, options.hotwords_path)
    if model is not None:
        words = asr_hotwords.fit(words, _token_counter(model), options.hotword_tokens)
    return asr_hotwords.with_hotwords(_sentence(language, options), words)


def chunk_seconds(language: Language, model: WhisperModel, options: AsrOptions) -> float:
    """Longest chunk whose text still fits beside the prompt in Whisper's 448-token window."""
    prompt = steering_prompt(language, options, model)
    if not prompt:
        return options.max_chunk_seconds
    count = _token_counter(model)
    prompt_tokens = count(" " + prompt)
    # Indic scripts cost 1-2.5 byte-level tokens per character; the steering sentence, written
    # as transcripts are, shows the rate (hot-words are abbreviations and cost more).
    sample = _sentence(language, options) or prompt
    per_second = options.speech_chars_per_second * count(" " + sample) / len(sample)
    budget = MAX_TOKENS - prompt_tokens - 8  # start-of-transcript sequence and end token
    return max(5.0, min(options.max_chunk_seconds, budget / per_second))


def decoding_arguments(
    language: Language, model: WhisperModel, options: AsrOptions
) -> dict[str, Any]:
    """Keyword arguments for ``BatchedInferencePipeline.transcribe`` (reported by the bench)."""
    arguments: dict[str, Any] = {
        "language": language.whisper,
        "task": "transcribe",
        "beam_size": options.beam_size,
        "batch_size": options.batch_size,
        "repetition_penalty": options.repetition_penalty,
        "word_timestamps": True,
        "without_timestamps": True,  # timestamp tokens made base loop more; words give times
    }
    prompt = steering_prompt(language, options, model)
    if prompt:
        arguments["hotwords"] = prompt
    if options.steer_script and language.script is not LATIN:
        foreign = script_tokens.suppressed_for(
            model, language.script, allow_latin=options.allow_latin
        )
        arguments["suppress_tokens"] = [-1, *foreign]
    return arguments


def _words(raw: WhisperSegment) -> list[Word]:
    words = [
        Word(
            word=word.word.strip(),
            start=round(float(word.start), 3),
            end=round(float(word.end), 3),
            confidence=round(float(word.probability), 4),
        )
        for word in raw.words or []
    ]
    return [word for word in words if word.word]


def _convert(raw: WhisperSegment) -> list[Segment]:
    """Whisper's chunk-long segment, split into phrases at sentence ends and pauses."""
    confidence = round(min(1.0, max(0.0, math.exp(raw.avg_logprob))), 4)
    words = _words(raw)
    if not words:
        text = raw.text.strip()
        start, end = float(raw.start), float(raw.end)
        return [Segment(SPEAKER, start, end, text, confidence)] if text else []
    phrases: list[list[Word]] = [[]]
    for word, following in zip(words, [*words[1:], None], strict=True):
        phrases[-1].append(word)
        if following is not None and asr_guards.ends_phrase(word, following):
            phrases.append([])
    return [
        Segment(
            speaker=SPEAKER,
            start=phrase[0].start,
            end=max(phrase[-1].end, phrase[0].start),
            text=" ".join(word.word for word in phrase),
            confidence=confidence,
            words=tuple(phrase),
        )
        for phrase in phrases
    ]


def _decode(
    model: WhisperModel, samples: np.ndarray, chunks: list[SpeechSpan], arguments: dict[str, Any]
) -> Iterator[tuple[int, WhisperSegment]]:
    """Whisper's segments for ``chunks``, each with the index of the chunk it came from."""
    from faster_whisper import BatchedInferencePipeline

    starts = [chunk.start / SAMPLE_RATE for chunk in chunks]
    for first in range(0, len(chunks), CHUNKS_PER_CALL):
        clips = [
            {"start": c.start / SAMPLE_RATE, "end": c.end / SAMPLE_RATE}
            for c in chunks[first : first + CHUNKS_PER_CALL]
        ]
        # A fresh pipeline per call: it keeps per-call state; the model itself is thread-safe.
        raw_segments, _info = BatchedInferencePipeline(model).transcribe(
            samples, clip_timestamps=clips, **arguments
        )
        for raw in raw_segments:
            # Segments start at their chunk's start (rounded to the millisecond).
            yield max(0, bisect.bisect_right(starts, raw.start + 0.01) - 1), raw


def transcribe(
    samples: np.ndarray,
    language: Language,
    model: WhisperModel,
    options: AsrOptions | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[Segment]:
    """Transcribe mono 16 kHz float32 speech into segments with word timings, ordered by start."""
    opts = options or AsrOptions()
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"expected mono samples, got an array of shape {samples.shape}")
    longest = chunk_seconds(language, model, opts)
    spans = require_speech(samples, opts.vad, max_seconds=longest)
    chunks = group_spans(spans, longest, opts.max_gap_seconds)
    duration = samples.size / SAMPLE_RATE
    arguments = decoding_arguments(language, model, opts)
    prompt = steering_prompt(language, opts)
    hotwords = asr_hotwords.for_language(language.whisper, opts.hotwords_path)
    segments: list[Segment] = []
    for round_ in range(opts.resume_rounds + 1):
        heard: dict[int, float] = {}  # chunk index -> end of its last transcribed word
        for index, raw in _decode(model, samples, chunks, arguments):
            if progress is not None and round_ == 0:
                progress(min(1.0, raw.end / duration))
            if raw.words:
                heard[index] = max(heard.get(index, 0.0), float(raw.words[-1].end))
            for segment in _convert(raw):
                cleaned = asr_guards.clean(segment, prompt, opts.max_repeats, hotwords)
                if cleaned is not None:
                    segments.append(cleaned)
        # Whisper often ends a multi-sentence chunk after its first sentence: decode what it
        # skipped as a chunk of its own, as sequential Whisper would seek to the last word.
        tails = [speech_after(spans, chunks[i], int(end * SAMPLE_RATE)) for i, end in heard.items()]
        chunks = [
            tail
            for tail in tails
            if tail is not None and speech_within(spans, tail) >= opts.resume_min_speech
        ]
        if not chunks:
            break
    if progress is not None:
        progress(1.0)
    return sorted(segments, key=lambda segment: (segment.start, segment.end))
