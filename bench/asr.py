"""WER and CER of the service's speech recognition against plain faster-whisper, per language.

    .venv/bin/python bench/asr.py [--data ../shared/data/speech] [--limit 30] [--call-seconds 180]
                                  [--sets hi,hi_ai4b,ta,te,en] [--option repetition_penalty=1.1]
                                  [--out bench/results/asr.json]

Both systems use the same model (``NEURONLENS_ASR_DEFAULT_MODEL``, the embedded Whisper base by
default), the same threads and the same audio. "pipeline" is ``neuronlens.pipeline.asr.transcribe``;
"plain" is ``WhisperModel.transcribe(audio, language=...)`` with every other setting at its default.

Scoring: corpus-level WER and CER (jiwer) over the first ``--limit`` clips of each set, in manifest
order. Texts are normalised identically for both: NFC, lower case, every character that is not a
letter, mark or digit (punctuation, danda) becomes a space, spaces collapse; combining vowel signs
are kept. For the ai4bharat set the nukta letters (U+0958–U+095F, and base + U+093C) are deleted
from both sides, because its references lost them. ``script`` is the share of letters a system
wrote in the language's own script. A "call" row per set splices further clips of the set (0.4-1.2 s
gaps) into one recording of about ``--call-seconds``, to measure long-form chunking and speed;
"call_8k" is the same recording through the telephone band (8 kHz, 300-3400 Hz, G.711 mu-law;
``bench/diarization_calls.telephone``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import json
import os
import platform
import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jiwer
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.diarization_calls import telephone  # noqa: E402
from neuronlens.config import Settings  # noqa: E402
from neuronlens.domain import SAMPLE_RATE  # noqa: E402
from neuronlens.errors import NoSpeechDetected  # noqa: E402
from neuronlens.languages import Language, lookup  # noqa: E402
from neuronlens.pipeline import asr  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402
from neuronlens.pipeline.vad import VadSettings  # noqa: E402

# name: (folder under --data, language code, whether the references lost their nukta letters)
SETS: dict[str, tuple[str, str, bool]] = {
    "hi": ("commonvoice61_omnilingo_rsample", "hi-IN", False),
    "hi_ai4b": ("ai4bharat_indicwav2vec_workshop2022", "hi-IN", True),
    "ta": ("commonvoice61_omnilingo_rsample", "ta-IN", False),
    "te": ("commonvoice_te_via_index-tts", "te-IN", False),
    "en": ("commonvoice61_omnilingo_rsample", "en-IN", False),
}
NUKTA = re.compile("[\u0958-\u095f]|[\u0915\u0916\u0917\u091c\u0921\u0922\u092b\u092f]\u093c")


def normalise(text: str, *, drop_nukta: bool = False) -> str:
    """Scoring form of a transcript (see the module docstring)."""
    text = unicodedata.normalize("NFC", text).lower()
    if drop_nukta:
        text = NUKTA.sub("", text)
    kept = (ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    return " ".join("".join(kept).split())


def script_share(text: str, language: Language) -> float | None:
    """Share of the letters in ``text`` that belong to the language's script."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    return sum(language.script.contains(ch) for ch in letters) / len(letters)


@dataclasses.dataclass
class Clip:
    file: str
    reference: str
    samples: np.ndarray


def load_clips(folder: Path, code: str) -> list[Clip]:
    """Every clip of ``code`` in the folder's manifest, decoded to 16 kHz mono."""
    from faster_whisper import decode_audio

    with (folder / "manifest.tsv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return [
        Clip(row["file"], row["transcript"], decode_audio(str(folder / row["file"])))
        for row in rows
        if row["language"] == code
    ]


def splice(clips: list[Clip], seconds: float, seed: int = 7) -> Clip:
    """One long recording made of consecutive clips with short pauses between them."""
    rng = random.Random(seed)
    parts: list[np.ndarray] = []
    texts: list[str] = []
    total = 0
    for clip in clips:
        if total >= seconds * SAMPLE_RATE:
            break
        gap = np.zeros(int(rng.uniform(0.4, 1.2) * SAMPLE_RATE), dtype=np.float32)
        parts += [clip.samples, gap]
        texts.append(clip.reference)
        total += clip.samples.size + gap.size
    return Clip("spliced", " ".join(texts), np.concatenate(parts))


Transcriber = Callable[[np.ndarray], str]


def score(clips: list[Clip], run: Transcriber, language: Language, drop_nukta: bool) -> dict:
    """Corpus WER/CER, script share and timing of one system over ``clips``."""
    references, hypotheses, shares, seconds = [], [], [], []
    for clip in clips:
        started = time.perf_counter()
        text = run(clip.samples)
        seconds.append(time.perf_counter() - started)
        references.append(normalise(clip.reference, drop_nukta=drop_nukta))
        hypotheses.append(normalise(text, drop_nukta=drop_nukta))
        share = script_share(text, language)
        if share is not None:
            shares.append(share)
    audio = sum(clip.samples.size for clip in clips) / SAMPLE_RATE
    return {
        "cer": round(jiwer.cer(references, hypotheses), 4),
        "wer": round(jiwer.wer(references, hypotheses), 4),
        "script_share": round(float(np.mean(shares)), 4) if shares else None,
        "seconds_total": round(sum(seconds), 2),
        "seconds_per_clip": round(sum(seconds) / len(clips), 3),
        "seconds_per_clip_max": round(max(seconds), 3),
        "real_time_factor": round(sum(seconds) / audio, 4),
        "clips": [
            {"file": clip.file, "reference": r, "hypothesis": h, "seconds": round(t, 3)}
            for clip, r, h, t in zip(clips, references, hypotheses, seconds, strict=True)
        ],
    }


def summary(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "clips"}


def pipeline_runner(language: Language, model: Any, options: asr.AsrOptions) -> Transcriber:
    def run(samples: np.ndarray) -> str:
        try:
            segments = asr.transcribe(samples, language, model, options)
        except NoSpeechDetected:
            return ""
        return " ".join(segment.text for segment in segments)

    return run


def plain_runner(language: Language, model: Any) -> Transcriber:
    def run(samples: np.ndarray) -> str:
        segments, _info = model.transcribe(samples, language=language.whisper)
        return " ".join(segment.text.strip() for segment in segments)

    return run


def parse_options(pairs: list[str]) -> asr.AsrOptions:
    """AsrOptions with ``name=value`` overrides (values parsed as JSON, else kept as text)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        try:
            overrides[name] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[name] = raw
    if isinstance(overrides.get("vad"), dict):  # e.g. vad={"threshold": 0.3}
        overrides["vad"] = dataclasses.replace(VadSettings(), **overrides["vad"])
    return dataclasses.replace(asr.AsrOptions(), **overrides)


def machine() -> dict[str, Any]:
    import ctranslate2
    import faster_whisper
    import onnxruntime

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "faster_whisper": faster_whisper.__version__,
        "ctranslate2": ctranslate2.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "speech")
    parser.add_argument("--limit", type=int, default=30, help="clips per set")
    parser.add_argument("--call-seconds", type=float, default=180.0, help="0 skips the call rows")
    parser.add_argument("--call-sets", default="hi,te", help="sets that get a spliced call")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--option", action="append", default=[], help="AsrOptions override")
    parser.add_argument("--no-plain", action="store_true", help="skip plain faster-whisper")
    parser.add_argument("--only-calls", action="store_true", help="only the spliced call rows")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "asr.json")
    args = parser.parse_args()

    settings = Settings()
    options = parse_options(args.option)
    model_name = settings.asr_default_model
    model = ModelRegistry(settings).whisper(model_name)
    report: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "data": str(args.data.resolve()),
        "limit": args.limit,
        "machine": machine(),
        "settings": {
            "model": model_name,
            "compute_type": settings.asr_compute_type,
            "threads": settings.threads,
            "asr_options": dataclasses.asdict(options),
            "plain": "WhisperModel.transcribe(audio, language=<whisper code>), defaults otherwise",
        },
        "normalisation": __doc__.split("Scoring: ")[1].strip(),
        "sets": {},
    }
    for name in args.sets.split(","):
        folder, code, drop_nukta = SETS[name]
        language = lookup(code)
        assert language is not None
        clips = load_clips(args.data / folder, code)
        systems = {"pipeline": pipeline_runner(language, model, options)}
        if not args.no_plain:
            systems["plain"] = plain_runner(language, model)
        arguments = asr.decoding_arguments(language, model, options)
        suppressed = len(arguments.pop("suppress_tokens", ()))
        entry: dict[str, Any] = {
            "language": code,
            "clips": min(args.limit, len(clips)),
            "audio_seconds": round(sum(c.samples.size for c in clips[: args.limit]) / 16000, 1),
            "decoding": {**arguments, "suppressed_tokens": suppressed},
            "chunk_seconds": round(asr.chunk_seconds(language, model, options), 1),
        }
        for system, run in systems.items():
            if args.only_calls:
                break
            entry[system] = score(clips[: args.limit], run, language, drop_nukta)
            print(name, system, summary(entry[system]))
        if args.call_seconds and name in args.call_sets.split(","):
            call = splice(clips[args.limit :] or clips, args.call_seconds)
            narrow = Clip(call.file, call.reference, telephone(call.samples))
            for row, audio in (("call", call), ("call_8k", narrow)):
                entry[row] = {"audio_seconds": round(audio.samples.size / SAMPLE_RATE, 1)}
                for system, run in systems.items():
                    entry[row][system] = score([audio], run, language, drop_nukta)
                    print(name, row, system, summary(entry[row][system]))
        report["sets"][name] = entry
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n", "utf-8"
        )
    print(f"report written to {args.out}")


if __name__ == "__main__":
    main()
