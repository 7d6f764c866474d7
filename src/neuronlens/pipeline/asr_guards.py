"""Guards against Whisper's typical failures: decoding loops and echoes of the steering prompt."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from neuronlens.domain import Segment, Word

MAX_PHRASE = 4
"""Longest phrase (in words) checked for looping."""

SENTENCE_END = (".", "?", "!", "।", "॥", "۔", "؟")
PAUSE_SECONDS = 1.0
"""A silence this long between words ends a segment."""
LISTED_HOTWORDS = 3
"""This many hot-words in a row, separated by commas, are the prompt's list echoed."""

# A unit of 1-8 characters repeated 4+ times inside one word ("वाँवाँवाँवाँ", "जजजजज"): a loop
# over byte-level tokens that no real word has.
_CHAR_LOOP = re.compile(r"(.{1,8}?)\1{3,}")


def ends_phrase(word: Word, following: Word) -> bool:
    """True if a segment should end after ``word`` (end of sentence, or a pause)."""
    return word.word.endswith(SENTENCE_END) or following.start - word.end >= PAUSE_SECONDS


def collapse_char_loops(text: str) -> str:
    """The text with any run of a repeated short unit reduced to one copy."""
    # Only units with letters: "1000000" is a number, not a loop.
    return _CHAR_LOOP.sub(lambda m: m[1] if any(ch.isalpha() for ch in m[1]) else m[0], text)


def _letters(text: str) -> str:
    """Lower-cased letters, marks and digits only: what two texts must share to be "the same"."""
    kept = (ch for ch in unicodedata.normalize("NFC", text).lower())
    return "".join(ch for ch in kept if unicodedata.category(ch)[0] in "LMN")


def _key(word: Word) -> str:
    return _letters(word.word) or word.word.strip()


def collapse_loops(words: tuple[Word, ...], max_repeats: int) -> tuple[Word, ...]:
    """Keep one copy of any 1–4 word phrase repeated back to back over ``max_repeats`` times."""
    keys = [_key(word) for word in words]
    kept: list[Word] = []
    i = 0
    while i < len(words):
        step = 0
        for size in range(1, MAX_PHRASE + 1):
            phrase = keys[i : i + size]
            if len(phrase) < size:
                break
            repeats = 1
            while keys[i + repeats * size : i + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats > max_repeats:
                # A real "haan haan haan" stops after a few; a decoding loop runs to the end of
                # the window. Keep the first copy, stretched over the time the loop took.
                copy = list(words[i : i + size])
                copy[-1] = dataclasses.replace(copy[-1], end=words[i + repeats * size - 1].end)
                kept.extend(copy)
                step = repeats * size
                break
        if not step:
            kept.append(words[i])
            step = 1
        i += step
    return tuple(kept)


def is_prompt_echo(text: str, prompt: str | None) -> bool:
    """True if the segment only repeats (part of) the steering prompt instead of the audio."""
    if not prompt:
        return False
    letters = _letters(text)
    return len(letters) >= 8 and letters in _letters(prompt)


def drop_listed_hotwords(
    words: tuple[Word, ...], hotwords: tuple[str, ...], least: int = LISTED_HOTWORDS
) -> tuple[Word, ...]:
    """The words without any comma-separated list of ``least`` or more hot-words in a row.

    Whisper sometimes continues real speech with the hot-word list it was shown, in any order
    ("Hello, ICICI, OTP, CIBIL."); people do not say three of them as a list.
    """
    listed = {_letters(word) for word in hotwords}
    if not listed:
        return words
    # Items: the words up to and including one that ends with a comma (or the last word).
    items: list[tuple[int, int]] = []
    start = 0
    for i, word in enumerate(words):
        if word.word.rstrip().endswith(",") or i == len(words) - 1:
            items.append((start, i + 1))
            start = i + 1
    dropped: set[int] = set()
    run: list[tuple[int, int]] = []
    for item in [*items, (len(words), len(words))]:  # the empty sentinel ends the last run
        begin, end = item
        if begin < end and "".join(_key(w) for w in words[begin:end]) in listed:
            run.append(item)
            continue
        if len(run) >= least:
            dropped.update(range(run[0][0], run[-1][1]))
        run = []
    return tuple(word for i, word in enumerate(words) if i not in dropped)


def clean(
    segment: Segment, prompt: str | None, max_repeats: int, hotwords: tuple[str, ...] = ()
) -> Segment | None:
    """The segment without loops or a listed run of ``hotwords``, or None if nothing real is
    left of it."""
    if not segment.text.strip() or is_prompt_echo(segment.text, prompt):
        return None
    if not segment.words:
        return dataclasses.replace(segment, text=collapse_char_loops(segment.text))
    words = tuple(
        dataclasses.replace(word, word=collapse_char_loops(word.word)) for word in segment.words
    )
    words = drop_listed_hotwords(collapse_loops(words, max_repeats), hotwords)
    if words == segment.words:
        return segment
    if not words:
        return None
    text = " ".join(word.word for word in words)
    if is_prompt_echo(text, prompt):
        return None
    # A list dropped from the front moves the start to the first word left.
    start = segment.start if words[0].start == segment.words[0].start else words[0].start
    return dataclasses.replace(segment, words=words, text=text, start=start, end=words[-1].end)
