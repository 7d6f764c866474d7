"""Which Whisper tokens could only spell text outside a language's own script (to suppress them)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from neuronlens.languages import ARABIC, LATIN, Script

if TYPE_CHECKING:
    import tokenizers
    from faster_whisper import WhisperModel

# Characters every script may use: ASCII digits, punctuation and space, and the General
# Punctuation block (ZWJ/ZWNJ, which Indic spelling needs, curly quotes, dashes, ellipsis).
NEUTRAL_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x0040),
    (0x005B, 0x0060),
    (0x007B, 0x007E),
    (0x2000, 0x206F),
)
DANDA = (0x0964, 0x0965)
"""Devanagari danda and double danda: the full stop of Bengali, Gurmukhi, Odia and others too."""


def allowed_ranges(script: Script, *, allow_latin: bool) -> tuple[tuple[int, int], ...]:
    """The code points a transcript in ``script`` may contain."""
    ranges = [*script.ranges, *NEUTRAL_RANGES]
    if script not in (LATIN, ARABIC):
        ranges.append(DANDA)
    if allow_latin:
        ranges.extend(LATIN.ranges)
    return tuple(sorted(set(ranges)))


def _is_continuation(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF


def _sequence_length(lead: int) -> int:
    """UTF-8 length announced by a lead byte (0 for bytes that cannot start a character)."""
    if lead < 0x80:
        return 1
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


class _Fragments:
    """UTF-8 encodings of the allowed characters, and the pieces a BPE token may hold of them."""

    def __init__(self, ranges: Sequence[tuple[int, int]]) -> None:
        self.ranges = ranges
        encodings = [
            chr(cp).encode("utf-8")
            for lo, hi in ranges
            for cp in range(lo, hi + 1)
            if not 0xD800 <= cp <= 0xDFFF
        ]
        # A token may end with the first bytes of a character and start with its last ones
        # (or, for 4-byte characters, hold only middle bytes): byte-level BPE splits anywhere.
        self.heads = {enc[:k] for enc in encodings for k in range(1, len(enc))}
        self.tails = {enc[k:] for enc in encodings for k in range(1, len(enc))}
        self.inner = {
            enc[i:j]
            for enc in encodings
            for i in range(1, len(enc))
            for j in range(i + 1, len(enc) + 1)
        }

    def char_allowed(self, char: str) -> bool:
        cp = ord(char)
        return any(lo <= cp <= hi for lo, hi in self.ranges)

    def token_allowed(self, data: bytes) -> bool:
        """True if these bytes can be part of text made only of allowed characters."""
        start = 0
        while start < len(data) and _is_continuation(data[start]):
            start += 1
        # Leading continuation bytes end a character begun in the previous token; if nothing
        # follows them they may also be the middle of a 4-byte character.
        if start and data[:start] not in (self.tails if start < len(data) else self.inner):
            return False
        end = len(data)
        # An unfinished character at the end: find its lead byte and check it as a prefix.
        for back in range(1, min(4, len(data) - start) + 1):
            lead = data[len(data) - back]
            if not _is_continuation(lead):
                if 1 < _sequence_length(lead) > back:
                    if data[len(data) - back :] not in self.heads:
                        return False
                    end = len(data) - back
                break
        try:
            text = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return False
        return all(self.char_allowed(char) for char in text)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level BPE alphabet (printable stand-ins for the 256 byte values), inverted."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    stand_ins = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            stand_ins.append(256 + extra)
            extra += 1
    return {chr(char): byte for byte, char in zip(printable, stand_ins, strict=True)}


def token_bytes(tokenizer: tokenizers.Tokenizer, count: int) -> list[bytes]:
    """The raw UTF-8 bytes of token ids ``0..count-1`` (text tokens, before special ones)."""
    decoder = _byte_decoder()
    vocab = {index: piece for piece, index in tokenizer.get_vocab().items() if index < count}
    return [bytes(decoder[char] for char in vocab[index]) for index in range(count)]


def foreign_tokens(
    pieces: Iterable[bytes], script: Script, *, allow_latin: bool
) -> tuple[int, ...]:
    """Ids of the tokens that cannot occur in text written only in ``script``."""
    fragments = _Fragments(allowed_ranges(script, allow_latin=allow_latin))
    return tuple(i for i, data in enumerate(pieces) if not fragments.token_allowed(data))


_cache: weakref.WeakKeyDictionary[WhisperModel, dict[tuple[str, bool], tuple[int, ...]]]
_cache = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def suppressed_for(model: WhisperModel, script: Script, *, allow_latin: bool) -> tuple[int, ...]:
    """Foreign-script token ids for this model and script, computed once and cached."""
    key = (script.name, allow_latin)
    with _cache_lock:
        cached = _cache.get(model, {}).get(key)
    if cached is not None:
        return cached
    eot = model.hf_tokenizer.token_to_id("<|endoftext|>")
    ids = foreign_tokens(token_bytes(model.hf_tokenizer, eot), script, allow_latin=allow_latin)
    with _cache_lock:
        _cache.setdefault(model, {})[key] = ids
    return ids
