"""Supported languages: BCP-47 code → Whisper language code and the script it is written in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Script:
    """A writing system as a set of Unicode code-point ranges (inclusive)."""

    name: str
    ranges: tuple[tuple[int, int], ...]

    def contains(self, char: str) -> bool:
        cp = ord(char)
        return any(lo <= cp <= hi for lo, hi in self.ranges)


DEVANAGARI = Script("Devanagari", ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x1CD0, 0x1CFF)))
BENGALI = Script("Bengali", ((0x0980, 0x09FF),))
GURMUKHI = Script("Gurmukhi", ((0x0A00, 0x0A7F),))
GUJARATI = Script("Gujarati", ((0x0A80, 0x0AFF),))
TAMIL = Script("Tamil", ((0x0B80, 0x0BFF), (0x11FC0, 0x11FFF)))
TELUGU = Script("Telugu", ((0x0C00, 0x0C7F),))
KANNADA = Script("Kannada", ((0x0C80, 0x0CFF),))
MALAYALAM = Script("Malayalam", ((0x0D00, 0x0D7F),))
ARABIC = Script(
    "Arabic",
    ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
)
LATIN = Script("Latin", ((0x0041, 0x005A), (0x0061, 0x007A), (0x00C0, 0x024F)))


@dataclass(frozen=True)
class Language:
    code: str
    """BCP-47 code as clients send it, e.g. ``hi-IN``."""
    whisper: str
    """Whisper's language token, e.g. ``hi``."""
    name: str
    script: Script


LANGUAGES: dict[str, Language] = {
    lang.code.lower(): lang
    for lang in (
        Language("hi-IN", "hi", "Hindi", DEVANAGARI),
        Language("mr-IN", "mr", "Marathi", DEVANAGARI),
        Language("ta-IN", "ta", "Tamil", TAMIL),
        Language("te-IN", "te", "Telugu", TELUGU),
        Language("bn-IN", "bn", "Bengali", BENGALI),
        Language("as-IN", "as", "Assamese", BENGALI),
        Language("gu-IN", "gu", "Gujarati", GUJARATI),
        Language("kn-IN", "kn", "Kannada", KANNADA),
        Language("ml-IN", "ml", "Malayalam", MALAYALAM),
        Language("pa-IN", "pa", "Punjabi", GURMUKHI),
        Language("ur-IN", "ur", "Urdu", ARABIC),
        Language("ne-NP", "ne", "Nepali", DEVANAGARI),
        Language("en-IN", "en", "English (India)", LATIN),
        Language("en-US", "en", "English (US)", LATIN),
        Language("en-GB", "en", "English (UK)", LATIN),
    )
}


def supported_codes() -> list[str]:
    """The BCP-47 codes clients may send, in a stable order."""
    return [lang.code for lang in LANGUAGES.values()]


def lookup(code: str) -> Language | None:
    """The language for a BCP-47 code (case-insensitive; ``_`` accepted for ``-``), or None."""
    return LANGUAGES.get(code.strip().replace("_", "-").lower())
