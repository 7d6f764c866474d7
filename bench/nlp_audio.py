"""Summary / sentiment / intent on speech: labelled dialogues synthesised with espeak-ng, then run
through the whole pipeline (decode, embedded Whisper, analysis), scored like bench/nlp.py.

    .venv/bin/python bench/nlp_audio.py [--per-language 2] [--languages hi,ta,te,mr,en]
                                        [--out bench/results/nlp_audio.json]

The speech is SYNTHETIC: espeak-ng formant voices (one voice per role: agent ``<lang>+f2``,
customer ``<lang>+m3``), far more robotic than a phone call, with 0.5 s pauses between turns and
no channel noise or overlap. Whisper's errors on it are not the errors it makes on real calls;
the numbers show how the analysis degrades when its input is ASR output, nothing more.

Calls: the first ``--per-language`` held-out calls of each language (bench/nlp.py's split; no
tuning was done on them). Each call is scored three ways:
- ``text``: the reference turns (as bench/nlp.py does);
- ``pipeline``: the job result of ``run_pipeline`` on the call's WAV, exactly as the service
  returns it, speakers and roles included (calls whose roles the pipeline left neutral have
  no customer score, so only their overall sentiment is compared);
- ``asr_with_roles``: the same ASR segments, each labelled agent/customer by which synthesised
  turn its midpoint falls in, then analysed: the ASR's effect with speaker roles known.
The report keeps each call's ASR segments; ``--reanalyse REPORT`` re-scores them after a
change to the analysis without synthesising or transcribing again.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from nlp import DIALOGUES, coverage, held_out_ids, sign  # noqa: E402

from neuronlens.analysis import analyze, transcript_from_json  # noqa: E402
from neuronlens.config import Settings  # noqa: E402
from neuronlens.domain import JobRequest, Segment, Transcript  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402
from neuronlens.pipeline.run import run_pipeline  # noqa: E402

VOICES = {"agent": "+f2", "customer": "+m3"}
# "en", not "en-gb": espeak-ng ignores a "+variant" after "en-gb", so both roles had one voice.
ESPEAK_LANG = {"hi": "hi", "ta": "ta", "te": "te", "mr": "mr", "en": "en"}
PAUSE_SECONDS = 0.5
FEATURES = ("transcription", "summary", "sentiment", "intent")


def synthesise(turns: list[dict[str, str]], lang: str, out: Path) -> list[tuple[float, float, str]]:
    """Write the dialogue as one WAV; return each turn's (start, end, role) in seconds."""
    spans: list[tuple[float, float, str]] = []
    frames: list[bytes] = []
    rate = 0
    clock = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for index, turn in enumerate(turns):
            path = Path(tmp) / f"{index}.wav"
            voice = ESPEAK_LANG[lang] + VOICES[turn["speaker"]]
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), turn["text"]],
                check=True,
                capture_output=True,
            )
            with wave.open(str(path), "rb") as w:
                rate = w.getframerate()
                data = w.readframes(w.getnframes())
            seconds = len(data) / 2 / rate
            spans.append((clock, clock + seconds, turn["speaker"]))
            frames.append(data + b"\0\0" * int(PAUSE_SECONDS * rate))
            clock += seconds + PAUSE_SECONDS
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(frames))
    return spans


def with_roles(transcript: Transcript, spans: list[tuple[float, float, str]]) -> Transcript:
    """The ASR segments labelled by the synthesised turn their midpoint falls in."""

    def role(segment: Segment) -> str:
        middle = (segment.start + segment.end) / 2
        best = min(
            spans,
            key=lambda s: (
                0.0 if s[0] <= middle <= s[1] else min(abs(middle - s[0]), abs(middle - s[1]))
            ),
        )
        return best[2]

    segments = tuple(dataclasses.replace(s, speaker=role(s)) for s in transcript.segments)
    return dataclasses.replace(transcript, segments=segments)


def score(result: dict[str, Any], dialogue: dict[str, Any]) -> dict[str, Any]:
    """Intent, sentiment signs and summary coverage of one analysis against the labels."""
    gold = dialogue["sentiment"]
    sentiment = result.get("sentiment") or {"overall": 0.0, "speakers": {}}
    speakers = sentiment["speakers"]
    row: dict[str, Any] = {
        "intent": result.get("intent"),
        "intent_correct": result.get("intent")
        in {dialogue["intent"], *dialogue.get("intent_also_acceptable", [])},
        "overall": sentiment["overall"],
        "overall_sign_ok": sign(sentiment["overall"]) == sign(gold["overall"]),
        "summary": result.get("summary") or "",
    }
    if "customer" in speakers:
        row["customer"] = speakers["customer"]
        row["customer_sign_ok"] = sign(speakers["customer"]) == sign(gold["customer"])
        row["customer_error"] = round(abs(speakers["customer"] - gold["customer"]), 3)
    points = [coverage(p, row["summary"]) for p in dialogue["summary_points"]]
    row["points_covered"] = sum(p["covered"] for p in points)
    row["points"] = len(points)
    return row


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, sign agreement, MAE and coverage over scored rows."""
    out: dict[str, Any] = {
        "calls": len(rows),
        "intent_accuracy": round(sum(r["intent_correct"] for r in rows) / len(rows), 3),
        "overall_sign_agreement": round(sum(r["overall_sign_ok"] for r in rows) / len(rows), 3),
        "summary_point_coverage": round(
            sum(r["points_covered"] for r in rows) / sum(r["points"] for r in rows), 3
        ),
    }
    with_customer = [r for r in rows if "customer" in r]
    if with_customer:
        n = len(with_customer)
        # Only calls whose transcript names a customer (the pipeline labels roles only when
        # its diarization and role decision succeed) have a customer score to compare.
        out["calls_with_customer"] = n
        out["customer_sign_agreement"] = round(
            sum(r["customer_sign_ok"] for r in with_customer) / n, 3
        )
        out["customer_mae"] = round(sum(r["customer_error"] for r in with_customer) / n, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DIALOGUES)
    parser.add_argument("--per-language", type=int, default=2)
    parser.add_argument("--languages", default="hi,ta,te,mr,en")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "nlp_audio.json")
    parser.add_argument(
        "--reanalyse",
        type=Path,
        help="re-score the ASR transcripts stored in this earlier report (no synthesis, no ASR)",
    )
    args = parser.parse_args()
    stored: dict[str, Any] = {}
    if args.reanalyse:
        previous = json.loads(args.reanalyse.read_text("utf-8"))
        stored = {call["id"]: call for call in previous["calls"]}

    dialogues = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line]
    held_out = held_out_ids(dialogues)
    chosen = []
    for lang in args.languages.split(","):
        ids = sorted(d["id"] for d in dialogues if d["id"] in held_out and d["id"].startswith(lang))
        chosen += [d for d in dialogues if d["id"] in ids[: args.per_language]]
    settings = Settings()
    models = ModelRegistry(settings)
    analysis_features = ("summary", "sentiment", "intent")
    calls = []
    rows: dict[str, list[dict[str, Any]]] = {"text": [], "pipeline": [], "asr_with_roles": []}
    with tempfile.TemporaryDirectory() as tmp:
        for dialogue in chosen:
            if dialogue["id"] in stored:
                old = stored[dialogue["id"]]
                spans = [tuple(span) for span in old["turn_spans"]]
                asr_transcript = transcript_from_json(
                    {"language": dialogue["language"], "transcript": old["asr_segments"]}
                )
                asr_transcript = dataclasses.replace(asr_transcript, duration=old["audio_seconds"])
                pipeline_seconds = old["pipeline_seconds"]
                pipeline_analysis = analyze(asr_transcript, analysis_features)
            else:
                lang = dialogue["language"].split("-")[0]
                wav = Path(tmp) / f"{dialogue['id']}.wav"
                spans = synthesise(dialogue["turns"], lang, wav)
                request = JobRequest(
                    audio_url=str(wav), language=dialogue["language"], features=FEATURES
                )
                started = time.perf_counter()
                result = run_pipeline(wav, request, models, settings)
                pipeline_seconds = time.perf_counter() - started
                asr_transcript, pipeline_analysis = result.transcript, result.analysis
            text_result = analyze(transcript_from_json(dialogue), analysis_features)
            started = time.perf_counter()
            roles_result = analyze(with_roles(asr_transcript, spans), analysis_features)
            analysis_seconds = time.perf_counter() - started
            scored = {
                "text": score(text_result, dialogue),
                "pipeline": score(pipeline_analysis, dialogue),
                "asr_with_roles": score(roles_result, dialogue),
            }
            for name, row in scored.items():
                rows[name].append(row)
            calls.append(
                {
                    "id": dialogue["id"],
                    "language": dialogue["language"],
                    "audio_seconds": round(asr_transcript.duration, 2),
                    "pipeline_seconds": round(pipeline_seconds, 1),
                    "analysis_seconds": round(analysis_seconds, 3),
                    "gold": {"intent": dialogue["intent"], "sentiment": dialogue["sentiment"]},
                    "turn_spans": [[round(a, 2), round(b, 2), role] for a, b, role in spans],
                    "asr_segments": [
                        {
                            "speaker": s.speaker,
                            "start": s.start,
                            "end": s.end,
                            "text": s.text,
                            "confidence": s.confidence,
                        }
                        for s in asr_transcript.segments
                    ],
                    **scored,
                }
            )
            print(dialogue["id"], json.dumps({k: v["intent_correct"] for k, v in scored.items()}))
    by_language: dict[str, dict[str, Any]] = {}
    for lang in sorted({c["language"] for c in calls}):
        by_language[lang] = {
            name: aggregate([c[name] for c in calls if c["language"] == lang]) for name in rows
        }
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "synthetic_speech": "espeak-ng formant synthesis; see 'method'. Not real call audio.",
        "method": __doc__.split("\n\n", 1)[1].strip(),
        "asr_model": settings.asr_default_model,
        "threads": settings.threads,
        "all": {name: aggregate(r) for name, r in rows.items()},
        "by_language": by_language,
        "calls": calls,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(report["all"], indent=1))


if __name__ == "__main__":
    main()
