"""Agent/customer roles end to end on SYNTHETIC two-voice calls: the labelled dialogues spoken
by espeak-ng (agent ``<lang>+f2``, customer ``<lang>+m3``, 0.5 s between turns) and run through
``run_pipeline`` with ``num_speakers`` 2 — decode, VAD, Whisper, diarization, role decision.

    .venv/bin/python bench/diarization_roles.py [--calls en:11,hi:4,ta:3,te:3,mr:3]
        -> bench/results/diarization_roles.json

Per call: whether roles were assigned, whether the speaker labelled ``agent`` is the agent (the
label holding most of the agent turns' words), DER of the transcript's talk intervals against the
synthesis timeline (no collar and 0.25 s; the hypothesis is the words' talk intervals, the
reference each turn's whole espeak-ng output), and word attribution. The pipeline's output is
cached in /tmp/neuronlens-diar-bench (keyed by the WAV's hash) with role-neutral labels, so a
re-run after a change to roles.py decides roles again without transcribing.
Formant synthesis is far cleaner and more robotic than a phone call: this shows the role logic
working on real ASR output of two voices, not the diarizer's accuracy on calls.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench.diarization import CACHE, hyp_turns, hyp_words  # noqa: E402
from bench.diarization_calls import der, word_accuracy  # noqa: E402
from bench.nlp import DIALOGUES  # noqa: E402
from bench.nlp_audio import synthesise  # noqa: E402
from neuronlens.config import Settings  # noqa: E402
from neuronlens.domain import JobRequest, Segment  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402
from neuronlens.pipeline.run import run_pipeline  # noqa: E402
from neuronlens.pipeline.speakers import label_roles  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "diarization_roles.json"
NEUTRAL = {"agent": "speaker_a", "customer": "speaker_b"}


def transcribe(dialogue: dict[str, Any], models: ModelRegistry, settings: Settings) -> Any:
    """(role-neutral segments, duration, turn spans) of the synthesised dialogue, cached."""
    lang = dialogue["language"].split("-")[0]
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / f"{dialogue['id']}.wav"
        spans = synthesise(dialogue["turns"], lang, wav)
        key = hashlib.sha256(wav.read_bytes()).hexdigest()[:16]
        path = CACHE / f"roles-{dialogue['id']}-{key}.pickle"
        if path.exists():
            with path.open("rb") as handle:
                return pickle.load(handle)
        request = JobRequest(
            audio_url=str(wav),
            language=dialogue["language"],
            features=("transcription",),
            num_speakers=2,
        )
        result = run_pipeline(wav, request, models, settings)
    # Undo the role names, so --rescore can decide again from neutral labels.
    segments = [
        replace(s, speaker=NEUTRAL.get(s.speaker, s.speaker)) for s in result.transcript.segments
    ]
    cached = (segments, result.transcript.duration, spans)
    CACHE.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(cached, handle)
    return cached


def score_call(
    dialogue: dict[str, Any],
    segments: list[Segment],
    duration: float,
    spans: list[tuple[float, float, str]],
) -> dict[str, Any]:
    labelled = label_roles(segments, duration, 2, "clustering")
    out = list(labelled.segments)
    reference = [(role, start, end) for start, end, role in spans]
    votes: Counter[tuple[str, str]] = Counter()
    for speaker, start, end in hyp_words(out):
        middle = (start + end) / 2
        truth = [role for role, b, e in reference if b <= middle <= e]
        if len(truth) == 1:
            votes[(truth[0], speaker)] += 1
    agent_label = max(
        {s for _, s in votes}, key=lambda s: votes[("agent", s)] - votes[("customer", s)]
    )
    accuracy, scored = word_accuracy(reference, hyp_words(out))
    assigned = labelled.report.roles_assigned
    return {
        "id": dialogue["id"],
        "language": dialogue["language"],
        "duration_s": round(duration, 1),
        "roles_assigned": assigned,
        "role_correct": assigned and agent_label == "agent",
        "agent_cluster_label": agent_label,
        "note": labelled.report.roles_note,
        "der": round(der(reference, hyp_turns(out), 0.0), 4),
        "der_collar_0.25": round(der(reference, hyp_turns(out), 0.25), 4),
        "word_accuracy": round(accuracy, 4),
        "words_scored": scored,
        "speakers_found": len({s.speaker for s in out}),
        "first_agent_text": next((s.text for s in out if s.speaker == agent_label), "")[:120],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--calls", default="en:11,hi:4,ta:3,te:3,mr:3", help="language:count, comma-separated"
    )
    args = parser.parse_args()
    dialogues = [json.loads(line) for line in DIALOGUES.read_text("utf-8").splitlines() if line]
    settings = Settings(model_cache_dir=ROOT / "data" / "models")
    models = ModelRegistry(settings)
    rows = []
    for item in args.calls.split(","):
        lang, count = item.split(":")
        chosen = [d for d in dialogues if d["language"].startswith(lang)][: int(count)]
        for dialogue in chosen:
            segments, duration, spans = transcribe(dialogue, models, settings)
            row = score_call(dialogue, segments, duration, spans)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    by_language: dict[str, dict[str, Any]] = {}
    for lang in sorted({r["language"] for r in rows}):
        mine = [r for r in rows if r["language"] == lang]
        by_language[lang] = {
            "calls": len(mine),
            "roles_correct": sum(r["role_correct"] for r in mine),
            "roles_assigned": sum(r["roles_assigned"] for r in mine),
            "roles_wrong": sum(r["roles_assigned"] and not r["role_correct"] for r in mine),
            "mean_der": round(sum(r["der"] for r in mine) / len(mine), 4),
            "mean_der_collar_0.25": round(sum(r["der_collar_0.25"] for r in mine) / len(mine), 4),
            "mean_word_accuracy": round(sum(r["word_accuracy"] for r in mine) / len(mine), 4),
        }
    report = {
        "synthetic_speech": "espeak-ng formant voices (agent +f2, customer +m3); not real calls",
        "method": __doc__.split("\n\n", 1)[1].strip(),
        "asr_model": settings.asr_default_model,
        "by_language": by_language,
        "calls": rows,
    }
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(by_language, indent=1))


if __name__ == "__main__":
    main()
