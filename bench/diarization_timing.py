"""Time ASR and diarization on one spliced 3-minute two-speaker call (issue 3's budget).

Usage: .venv/bin/python bench/diarization_timing.py  -> bench/results/diarization_timing.json
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.diarization_calls import read_manifest, splice  # noqa: E402
from neuronlens.config import EMBEDDED_MODEL, Settings  # noqa: E402
from neuronlens.languages import lookup  # noqa: E402
from neuronlens.pipeline import asr  # noqa: E402
from neuronlens.pipeline.diarize import diarize_mono  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402

CV = ROOT.parent / "shared" / "data" / "speech" / "commonvoice61_omnilingo_rsample"


def main() -> None:
    registry = ModelRegistry(Settings(model_cache_dir=ROOT / "data" / "models"))
    model = registry.whisper(EMBEDDED_MODEL)
    encoder = registry.speaker_encoder()
    pool = read_manifest(CV, "hi-IN")
    a, b = sorted(pool, key=lambda s: -len(pool[s]))[:2]
    call = splice("hi_3min", [pool[a], pool[b]], 64, random.Random(3))
    mono = call.samples.sum(axis=0)
    language = lookup("hi-IN")
    assert language is not None
    started = time.perf_counter()
    segments = asr.transcribe(mono, language, model)
    asr_s = time.perf_counter() - started
    # A server pays imports (scikit-learn) and onnxruntime's first-run set-up once per
    # process, not per call: warm up on the first 30 s, then time the whole call.
    first = mono[: 30 * 16000]
    diarize_mono(first, [s for s in segments if s.end <= 30], 2, encoder)
    started = time.perf_counter()
    diarize_mono(mono, segments, 2, encoder)
    diarize_s = time.perf_counter() - started
    report = {
        "audio_s": round(mono.size / 16000, 1),
        "asr_s": round(asr_s, 2),
        "diarize_s": round(diarize_s, 2),
        "diarize_share_of_total": round(diarize_s / (asr_s + diarize_s), 4),
        "note": "2 cores shared with other jobs while measured: rerun on a quiet machine",
    }
    out = ROOT / "bench" / "results" / "diarization_timing.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
