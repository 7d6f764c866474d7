"""Diarization settings sweep without ASR: speaker-region DER of each call under each setting.

Usage: .venv/bin/python bench/diarization_tune.py [--heldout] [--configs NAME,...]
Prints the mean DER (no collar / 0.25 s collar) [per-call range] per condition for each named
setting in CONFIGS (each a change from the current DiarizeOptions defaults; -v: per call;
--only CONDITION,...). The regions scored are diarize_mono's speaker regions, as in
bench/diarization.py. The tuning set is bench/diarization.py's calls (seed 2026); --heldout adds
two-speaker calls of other speaker pairs (seed 2027) that were only measured, never tuned on;
--validation scores, instead, more calls of pairs in neither set (seeds 2028 and 2029: two-speaker
calls wideband and 8 kHz, three- and five-speaker calls wideband), a second opinion on a setting
before it meets the held-out calls.
"""

from __future__ import annotations

import pickle
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.diarization import CACHE, build_calls, pyannote_call  # noqa: E402
from bench.diarization_calls import Call, der, telephone  # noqa: E402
from neuronlens.config import Settings  # noqa: E402
from neuronlens.domain import SAMPLE_RATE, Segment  # noqa: E402
from neuronlens.pipeline.diarize import DiarizeOptions, diarize_mono  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402

BASE = DiarizeOptions()
CONFIGS: dict[str, DiarizeOptions] = {
    "current": BASE,
    "vad0.2": replace(BASE, vad=replace(BASE.vad, threshold=0.2)),
    "nb0.25": replace(BASE, narrowband_vad=replace(BASE.narrowband_vad, threshold=0.25)),
    "nb0.15": replace(BASE, narrowband_vad=replace(BASE.narrowband_vad, threshold=0.15)),
    "nb0.3": replace(BASE, narrowband_vad=replace(BASE.narrowband_vad, threshold=0.3)),
    "min0.7": replace(BASE, windows=replace(BASE.windows, min_seconds=0.7)),
    "refine0": replace(BASE, clusters=replace(BASE.clusters, refine_rounds=0)),
    "vad0.4": replace(BASE, vad=replace(BASE.vad, threshold=0.4)),
    "vad0.25": replace(BASE, vad=replace(BASE.vad, threshold=0.25)),
    "vad0.15": replace(BASE, vad=replace(BASE.vad, threshold=0.15)),
    "pad100": replace(BASE, vad=replace(BASE.vad, speech_pad_ms=100)),
    "vad0.2pad60": replace(BASE, vad=replace(BASE.vad, threshold=0.2, speech_pad_ms=60)),
    "win1.5": replace(BASE, windows=replace(BASE.windows, window_seconds=1.5, hop_seconds=0.25)),
    "win0.75": replace(BASE, windows=replace(BASE.windows, window_seconds=0.75)),
    "prune0.3": replace(BASE, clusters=replace(BASE.clusters, prune_keep=0.3)),
    "prune0.7": replace(BASE, clusters=replace(BASE.clusters, prune_keep=0.7)),
    "switch0.1": replace(BASE, switch_penalty=0.1),
    "agglo": replace(BASE, clusters=replace(BASE.clusters, method="agglomerative")),
}


def calls(heldout: bool) -> list[tuple[str, Call, np.ndarray, int]]:
    """(condition, call, mono samples, num_speakers), cached on disk (splicing runs the VAD)."""
    path = CACHE / f"tune-calls-{int(heldout)}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            cached: list[tuple[str, Call, np.ndarray, int]] = pickle.load(handle)
            return cached
    used: set[frozenset[str]] = set()
    out: list[tuple[str, Call, np.ndarray, int]] = []
    for count, items in build_calls(False, used=used).items():
        for call, _code, speakers in items:
            mono = call.samples.sum(axis=0)
            out.append((f"{count}spk_wideband", call, mono, speakers))
            if count in ("2", "1"):
                out.append((f"{count}spk_8khz", call, telephone(mono), speakers))
    call, _ = pyannote_call()
    out.append(("pyannote", call, call.samples[0], 2))
    if heldout:
        held = build_calls(False, seed=2027, exclude=frozenset(used))["2"]
        for call, _code, speakers in held:
            mono = call.samples.sum(axis=0)
            out.append(("heldout_2spk_wideband", call, mono, speakers))
            out.append(("heldout_2spk_8khz", call, telephone(mono), speakers))
    CACHE.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(out, handle)
    return out


def validation_calls() -> list[tuple[str, Call, np.ndarray, int]]:
    """Calls of speaker pairs in neither the tuning nor the held-out set, cached like calls()."""
    path = CACHE / "tune-calls-validation.pickle"
    if path.exists():
        with path.open("rb") as handle:
            cached: list[tuple[str, Call, np.ndarray, int]] = pickle.load(handle)
            return cached
    used: set[frozenset[str]] = set()
    build_calls(False, used=used)
    build_calls(False, seed=2027, exclude=frozenset(used), used=used)  # only their pairs
    out: list[tuple[str, Call, np.ndarray, int]] = []
    for seed in (2028, 2029):
        spliced = build_calls(False, seed=seed, exclude=frozenset(used), used=used)
        for count, items in spliced.items():
            if count == "1":
                continue
            for call, _code, speakers in items:
                mono = call.samples.sum(axis=0)
                out.append((f"val_{count}spk_wideband", call, mono, speakers))
                if count == "2":
                    out.append((f"val_{count}spk_8khz", call, telephone(mono), speakers))
    CACHE.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(out, handle)
    return out


def regions_der(
    call: Call, mono: np.ndarray, speakers: int, encoder: Any, options: DiarizeOptions
) -> tuple[float, float, int]:
    # One pseudo-segment covering the call: the regions do not depend on the words.
    segment = Segment("", 0.0, mono.size / SAMPLE_RATE, "x", 0.0)
    result = diarize_mono(mono, [segment], speakers, encoder, options)
    hyp = list(result.regions)
    # The pseudo-segment has no words, so count the speakers of the regions, not of segments.
    return der(call.turns, hyp, 0.0), der(call.turns, hyp, 0.25), len({r[0] for r in hyp})


def main() -> None:
    heldout = "--heldout" in sys.argv
    names = list(CONFIGS)
    if "--configs" in sys.argv:
        names = sys.argv[sys.argv.index("--configs") + 1].split(",")
    only = None
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1].split(",")
    registry = ModelRegistry(Settings(model_cache_dir=ROOT / "data" / "models"))
    encoder = registry.speaker_encoder()
    items = validation_calls() if "--validation" in sys.argv else calls(heldout)
    if only:
        items = [item for item in items if item[0] in only]
    for name in names:
        options = CONFIGS[name]
        by_condition: dict[str, list[tuple[float, float]]] = {}
        for condition, call, mono, speakers in items:
            plain, collar, found = regions_der(call, mono, speakers, encoder, options)
            by_condition.setdefault(condition, []).append((plain, collar))
            if "-v" in sys.argv:
                print(f"  {name} {condition} {call.name} {plain:.3f} {collar:.3f} found={found}")
        summary = "  ".join(
            f"{c}={np.mean([p for p, _ in v]) * 100:.1f}/{np.mean([q for _, q in v]) * 100:.1f}"
            f"[{min(p for p, _ in v) * 100:.0f}-{max(p for p, _ in v) * 100:.0f}]"
            for c, v in by_condition.items()
        )
        print(f"{name}: {summary}", flush=True)


if __name__ == "__main__":
    main()
