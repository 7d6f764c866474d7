"""Diarization benchmark: DER, word attribution, roles and time on spliced and real calls.

Usage: .venv/bin/python bench/diarization.py [--quick]   -> bench/results/diarization.json
Settings were chosen on the seed-2026 calls (bench/diarization_tune.py); the ``heldout_2spk``
conditions are other speaker pairs, only measured.
Reads ../shared/data (Common Voice clips with speaker ids, the pyannote sample call, dialogues).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.diarization_calls import (  # noqa: E402
    Call,
    der,
    read_manifest,
    splice,
    telephone,
    word_accuracy,
)
from neuronlens.config import EMBEDDED_MODEL, Settings  # noqa: E402
from neuronlens.domain import Audio, Segment  # noqa: E402
from neuronlens.languages import lookup  # noqa: E402
from neuronlens.pipeline import asr  # noqa: E402
from neuronlens.pipeline.diarize import DiarizeOptions, diarize_mono  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402
from neuronlens.pipeline.roles import decide_roles  # noqa: E402
from neuronlens.pipeline.speakers import label_roles, transcribe_with_speakers  # noqa: E402
from neuronlens.pipeline.talk_metrics import talk_intervals  # noqa: E402
from neuronlens.pipeline.vad import speech_spans  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
CV = SHARED / "speech" / "commonvoice61_omnilingo_rsample"
RESULTS = ROOT / "bench" / "results" / "diarization.json"


def hyp_turns(segments: list[Segment] | tuple[Segment, ...]) -> list[tuple[str, float, float]]:
    return [(s, b, e) for s, spans in talk_intervals(segments).items() for b, e in spans]


def hyp_words(segments: list[Segment] | tuple[Segment, ...]) -> list[tuple[str, float, float]]:
    return [(s.speaker, w.start, w.end) for s in segments for w in s.words]


def score(call: Call, segments: Any, extra: dict[str, Any], hyp: Any = None) -> dict[str, Any]:
    accuracy, scored = word_accuracy(call.turns, hyp_words(segments))
    hyp = hyp if hyp is not None else hyp_turns(segments)
    return {
        "call": call.name,
        "duration_s": round(call.samples.shape[1] / 16000, 2),
        "der": round(der(call.turns, hyp, 0.0), 4),
        "der_collar_0.25": round(der(call.turns, hyp, 0.25), 4),
        "word_accuracy": round(accuracy, 4),
        "words_scored": scored,
        "speakers_found": len({s.speaker for s in segments}),
        **extra,
    }


CACHE = Path(os.environ.get("DIAR_BENCH_CACHE", "/tmp/neuronlens-diar-bench"))


def cached_asr(name: str, samples: np.ndarray, run: Any) -> tuple[list[Segment], float]:
    """ASR output per exact audio, cached on disk: diarization settings can be re-measured
    without transcribing again (the ASR time is the one measured when it ran)."""
    key = hashlib.sha256(samples.tobytes()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            return pickle.load(handle)
    started = time.perf_counter()
    segments = run()
    result = (segments, time.perf_counter() - started)
    CACHE.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(result, handle)
    return result


def run_mono(
    call: Call, mono: np.ndarray, speakers: int, model: Any, registry: ModelRegistry, lang: str
) -> dict[str, Any]:
    language = lookup(lang)
    assert language is not None
    started = time.perf_counter()
    segments, asr_s = cached_asr(call.name, mono, lambda: asr.transcribe(mono, language, model))
    started = time.perf_counter()
    result = diarize_mono(mono, segments, speakers, registry.speaker_encoder())
    diar_s = time.perf_counter() - started
    labelled = label_roles(result.segments, mono.size / 16000, speakers, "clustering")
    return score(
        call,
        result.segments,
        {
            "asr_s": round(asr_s, 2),
            "diarize_s": round(diar_s, 2),
            "roles_assigned": labelled.report.roles_assigned,
        },
        list(result.regions),
    )


def run_stereo(call: Call, model: Any, registry: ModelRegistry, lang: str) -> dict[str, Any]:
    language = lookup(lang)
    assert language is not None
    audio = Audio(call.samples, 16000, 2, "pcm_s16le", "wav")
    started = time.perf_counter()
    out = transcribe_with_speakers(
        audio,
        2,
        lambda samples, _progress: cached_asr(
            f"{call.name}-channel", samples, lambda: asr.transcribe(samples, language, model)
        )[0],
        registry.speaker_encoder,
        lambda _stage, _fraction: None,
    )
    elapsed = time.perf_counter() - started
    # Stereo regions: each channel's own VAD speech (exact attribution by construction).
    regions = (
        [
            (f"speaker_{c + 1}", s.start / 16000, s.end / 16000)
            for c in range(2)
            for s in speech_spans(call.samples[c], DiarizeOptions().vad)
        ]
        if out.report.method == "stereo_channels"
        else None
    )
    extra = {"method": out.report.method, "total_s": round(elapsed, 2)}
    return score(call, out.segments, extra, regions)


def pyannote_call() -> tuple[Call, str]:
    from faster_whisper import decode_audio

    folder = SHARED / "speech" / "pyannote_audio_sample"
    turns = []
    for line in (folder / "sample.rttm").read_text().splitlines():
        parts = line.split()
        start, length = float(parts[3]), float(parts[4])
        turns.append((parts[7], start, start + length))
    samples = decode_audio(str(folder / "sample.wav"), sampling_rate=16000)[None]
    return Call("pyannote_sample", samples, tuple(turns)), "en-US"


def role_accuracy() -> dict[str, Any]:
    """Roles on the 48 labelled dialogues (text; perfect attribution, labels shuffled)."""
    rng = random.Random(7)
    lines = (SHARED / "dialogues" / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()
    outcome: dict[str, dict[str, int]] = {
        "full": {"right": 0, "wrong": 0, "neutral": 0},
        "without_agent_opening": {"right": 0, "wrong": 0, "neutral": 0},
    }
    for line in lines:
        dialogue = json.loads(line)
        for variant, tally in outcome.items():
            turns = dialogue["turns"][1:] if variant != "full" else dialogue["turns"]
            agent_label = rng.choice(["speaker_1", "speaker_2"])
            other = "speaker_2" if agent_label == "speaker_1" else "speaker_1"
            cursor, segments = 0.0, []
            for turn in turns:
                length = max(1.0, len(turn["text"]) / 15)
                label = agent_label if turn["speaker"] == "agent" else other
                segments.append(Segment(label, cursor, cursor + length, turn["text"], 1.0))
                cursor += length + 0.5
            talk = {s: sum(e - b for b, e in v) for s, v in talk_intervals(segments).items()}
            decision = decide_roles(segments, talk)
            if not decision.assigned:
                tally["neutral"] += 1
            elif decision.agent == agent_label:
                tally["right"] += 1
            else:
                tally["wrong"] += 1
    return {"calls": len(lines), **outcome}


def build_calls(
    quick: bool,
    seed: int = 2026,
    exclude: frozenset[frozenset[str]] = frozenset(),
    used: set[frozenset[str]] | None = None,
) -> dict[str, list[tuple[Call, str, int]]]:
    """The spliced calls by speaker count ("2", "3", "5", "1"): (call, language, num_speakers).
    Seed 2026 is the set settings were tuned on; another seed, excluding the speaker pairs
    ``exclude``, gives held-out two-speaker calls; ``used`` collects the pairs spliced."""
    rng = random.Random(seed)
    calls: dict[str, list[tuple[Call, str, int]]] = {"2": [], "3": [], "5": [], "1": []}
    for lang, code in (("hi", "hi-IN"), ("ta", "ta-IN")):
        pool = {s: c for s, c in read_manifest(CV, code).items() if len(c) >= 3}
        names = sorted(pool, key=lambda s: -len(pool[s]))
        pairs = [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))]
        rng.shuffle(pairs)
        pairs = [p for p in pairs if frozenset(p) not in exclude]
        for a, b in pairs[: 2 if quick else 5]:
            if used is not None:
                used.add(frozenset((a, b)))
            call = splice(f"{lang}_2spk_{a[-4:]}_{b[-4:]}", [pool[a], pool[b]], 8, rng)
            calls["2"].append((call, code, 2))
        for n in (3, 5):
            chosen = rng.sample(names, n)
            call = splice(f"{lang}_{n}spk", [pool[s] for s in chosen], 2 * n + 2, rng)
            calls[str(n)].append((call, code, n))
        solo = names[0]
        half = len(pool[solo]) // 2
        call = splice(f"{lang}_1spk_{solo[-4:]}", [pool[solo][:half], pool[solo][half:]], 8, rng)
        calls["1"].append(
            (replace(call, turns=tuple(("S0", b, e) for _, b, e in call.turns)), code, 2)
        )
    return calls


def main() -> None:
    quick = "--quick" in sys.argv
    settings = Settings(model_cache_dir=ROOT / "data" / "models")
    registry = ModelRegistry(settings)
    model = registry.whisper(EMBEDDED_MODEL)
    report: dict[str, Any] = {"conditions": {}, "machine_note": "2 shared cores; timings noisy"}
    used: set[frozenset[str]] = set()
    calls = build_calls(quick, used=used)
    # Held out: two-speaker calls of other speaker pairs, never used to choose settings.
    calls["heldout_2"] = build_calls(quick, seed=2027, exclude=frozenset(used))["2"]
    rows: dict[str, list[dict[str, Any]]] = {}
    for count, items in calls.items():
        for call, code, speakers in items:
            mono = call.samples.sum(axis=0)
            rows.setdefault(f"{count}spk_wideband", []).append(
                run_mono(call, mono, speakers, model, registry, code)
            )
            if count in ("2", "1", "heldout_2"):
                rows.setdefault(f"{count}spk_8khz", []).append(
                    run_mono(call, telephone(mono), speakers, model, registry, code)
                )
            if count == "2":
                rows.setdefault("2spk_stereo", []).append(run_stereo(call, model, registry, code))
            print(count, call.name, rows[next(reversed(rows))][-1], flush=True)
    call, code = pyannote_call()
    rows["pyannote_phone_call"] = [run_mono(call, call.samples[0], 2, model, registry, code)]
    for name, scored in rows.items():
        report["conditions"][name] = {
            "calls": scored,
            "mean_der": round(float(np.mean([r["der"] for r in scored])), 4),
            "mean_der_collar_0.25": round(
                float(np.mean([r["der_collar_0.25"] for r in scored])), 4
            ),
            "mean_word_accuracy": round(float(np.mean([r["word_accuracy"] for r in scored])), 4),
        }
    timed = [r for scored in rows.values() for r in scored if "diarize_s" in r]
    audio_min = sum(r["duration_s"] for r in timed) / 60
    report["timing"] = {
        "diarize_s_per_audio_minute": round(sum(r["diarize_s"] for r in timed) / audio_min, 3),
        "asr_s_per_audio_minute": round(sum(r["asr_s"] for r in timed) / audio_min, 3),
        "diarize_share_of_asr_plus_diarize": round(
            sum(r["diarize_s"] for r in timed) / sum(r["diarize_s"] + r["asr_s"] for r in timed), 4
        ),
    }
    report["roles_on_dialogues"] = role_accuracy()
    two = [r for n, scored in rows.items() if "2spk" in n for r in scored if "roles_assigned" in r]
    report["roles_on_spliced_read_speech"] = {
        "calls": len(two),
        "assigned": sum(r["roles_assigned"] for r in two),
        "note": "read sentences carry no agent cues: labels must stay neutral",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "conditions"}, indent=1))
    for name, cond in report["conditions"].items():
        print(name, cond["mean_der"], cond["mean_der_collar_0.25"], cond["mean_word_accuracy"])


if __name__ == "__main__":
    main()
