"""Single spoken number words as number parts, per language: the tables of
``data/numbers.json`` and the segmentation of Tamil and Telugu words that fuse numbers with
each other and with case endings (பதினைஞ்சாயிரம் = 15 x 1000, పదిహేనో = 15th)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from neuronlens.analysis.text import normalize

_VIRAMAS = ("\u0bcd", "\u0c4d", "\u094d")
_TAMIL_U = "\u0bc1"
_TAMIL_HALF = "ரை"  # அரை (half) fused to a number stem: ரெண்டரை, பத்தரை
_THOUSANDS = re.compile(r"(\d+(?:\.\d+)?)k")
# An ordinal ending and the vowel it replaced: ஐந்தாம் = ஐந்து + ஆம், ఐదో = ఐదు + ఓ.
_ORDINAL_ENDINGS = {"ta": (("ாம்", "ு"),), "te": (("ో", "ు"), ("వ", "ు"))}


@lru_cache(maxsize=1)
def number_data() -> dict[str, Any]:
    """The raw ``data/numbers.json``."""
    path = resources.files("neuronlens.analysis") / "data" / "numbers.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=16)
def tables(
    lang: str,
) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]]:
    """(values, multipliers, fused stems, fused multipliers) for a base language code."""
    data = number_data()
    langs = ["en", lang] + (["hi"] if lang == "mr" else [])
    values: dict[str, float] = {}
    mults: dict[str, float] = {}
    for code in langs:
        values.update({normalize(k): v for k, v in data["values"].get(code, {}).items()})
        mults.update({normalize(k): v for k, v in data["multipliers"].get(code, {}).items()})
    stems = {normalize(k): v for k, v in data["stems"].get(lang, {}).items()}
    if lang == "ta":
        # Tamil drops a number's final u-sign before a fused vowel: முப்பது + ஆயிரம் =
        # முப்பதாயிரம், பத்து + அரை = பத்தரை. Every such number below 100 is also a stem.
        for word, value in values.items():
            if word.endswith(_TAMIL_U) and len(word) > 2 and value < 100:
                stems.setdefault(word[:-1], value)
    stem_mults = {normalize(k): v for k, v in data["stems"].get(f"{lang}_multipliers", {}).items()}
    if not stem_mults.get("\u0bbe\u0baf\u0bbf\u0bb0") and lang == "ta":
        stem_mults["\u0bbe\u0baf\u0bbf\u0bb0"] = 1000  # vowel-sign form after sandhi
    return values, mults, stems, stem_mults


def word_parts(token: str, lang: str) -> list[tuple[str, float]]:
    """A token as number parts: [("v", 15), ("m", 1000)] for பதினைஞ்சாயிரம்; [] if none."""
    values, mults, stems, stem_mults = tables(lang)
    if re.fullmatch(r"\d+(\.\d+)?", token):
        return [("v", float(token))]
    thousands = _THOUSANDS.fullmatch(token)
    if thousands:
        return [("v", float(thousands.group(1))), ("m", 1000)]  # "15k"
    if token in values:
        return [("v", values[token])]
    ordinal = ordinal_base(token, lang, values)
    if ordinal is not None:
        return [("v", values[ordinal])]
    if lang == "ta" and token.endswith(_TAMIL_HALF) and token[: -len(_TAMIL_HALF)] in stems:
        return [("v", stems[token[: -len(_TAMIL_HALF)]] + 0.5)]  # பத்தரை: ten and a half
    if token in mults:
        return [("m", mults[token])]
    if lang == "mr" and token.endswith("शे") and token[:-2] in values:
        return [("v", values[token[:-2]]), ("m", 100)]  # सातशे: seven hundred, one word
    if lang in ("hi", "mr", "en"):
        # Hindi/Marathi inflect the big multipliers (लाखों, हजारांचा); short words must match
        # whole, or दस would match दस्तावेज.
        for word, mult in mults.items():
            if len(word) >= 3 and token.startswith(word):
                return [("m", mult)]
        return []
    # Tamil and Telugu fuse numbers with case endings and with each other: segment greedily.
    parts: list[tuple[str, float]] = []
    rest, used_stem = token, False
    while rest:
        match = _longest_prefix(rest, values, mults, stems, stem_mults)
        if match is None:
            break
        word, kind, value, is_stem = match
        if rest[len(word) :].startswith(_VIRAMAS):
            break  # the word continues the consonant cluster: లక్ష్మీ is a name, not a lakh
        parts.append((kind, value))
        used_stem = used_stem or is_stem
        rest = rest[len(word) :]
    if used_stem and rest and not any(kind == "m" for kind, _ in parts):
        return []  # a stem with a non-number ending (ரெண்டாவது = "second") is not a number
    return parts


def ordinal_base(token: str, lang: str, values: dict[str, float]) -> str | None:
    """The number word of a day-of-month ordinal: Tamil பதினஞ்சாம் (15th) -> பதினஞ்சு,
    Telugu పదిహేనో / పదిహేనవ -> పదిహేను; None for any other token."""
    for ending, stem_end in _ORDINAL_ENDINGS.get(lang, ()):
        if token.endswith(ending) and token[: -len(ending)] + stem_end in values:
            return token[: -len(ending)] + stem_end
    return None


def _longest_prefix(text: str, *lookup: dict[str, float]) -> tuple[str, str, float, bool] | None:
    values, mults, stems, stem_mults = lookup
    best: tuple[str, str, float, bool] | None = None
    for table, kind, is_stem in (
        (values, "v", False),
        (mults, "m", False),
        (stems, "v", True),
        (stem_mults, "m", True),
    ):
        for word, value in table.items():
            if (
                len(word) >= 2
                and text.startswith(word)
                and (best is None or len(word) > len(best[0]))
            ):
                best = (word, kind, value, is_stem)
    return best
