"""Accuracy and speed of the embedded summary/sentiment/intent on the labelled dialogues.

    .venv/bin/python bench/nlp.py [--data ../shared/data/dialogues/dialogues.jsonl]
                                  [--out bench/results/nlp.json]

Every aggregate is reported three times: for the tuning split, the held-out split and all
calls. The held-out split is fixed by id: within each language the calls sorted by id, every
third one starting with the second (positions 1, 4, 7, ...); nothing was tuned on it.

Definitions (also written into the report):
- intent: correct when the prediction equals ``intent`` or is in ``intent_also_acceptable``.
- sentiment: mean absolute error per speaker; sign agreement with a dead zone, where a score
  with |x| < 0.1 counts as neutral (0) and otherwise as its sign, and the signs must be equal.
- summary coverage: a summary point's key items are its numbers (amounts, percentages,
  digits, day-of-month ordinals, parsed so "Rs 3 lakh" = 300000, "10,500" = 10500 and
  "the 15th" = 15), its reference codes (FR45821) and its content words (function words and
  reporting verbs such as "wants", "asks", "says", "whether" removed, and words that spell a
  number ("two", "lakh") left to the number, compared by their first 5 letters). Numbers are
  read per punctuation-delimited chunk, so a list "Rs 10,500, 16%" is two numbers. A content
  word also matches two adjacent summary words written as one ("call back" = "callback"),
  since that spelling difference does not change the fact.
  A point is covered when at least half of its key items occur in the summary. Only the
  summary's first 100 words are scored (the gold points of a call total 61 words on average,
  79 at most), so a long keyword dump cannot buy coverage; summary length is reported.
  Also reported: the share of the points' numbers and references that the summary carries,
  and per call each point's found and missing items (see "examples").
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from neuronlens.analysis import analyze, transcript_from_json  # noqa: E402
from neuronlens.analysis.intent import load_taxonomy  # noqa: E402
from neuronlens.analysis.numbers import parse_numbers  # noqa: E402
from neuronlens.analysis.text import normalize  # noqa: E402

DIALOGUES = ROOT.parent / "shared" / "data" / "dialogues" / "dialogues.jsonl"
DEAD_ZONE = 0.1
COVERED_SHARE = 0.5
SCORED_WORDS = 100
HELD_OUT_EVERY = 3
# Function words, pronouns and reporting verbs: they carry no fact, so a summary neither
# earns nor loses coverage by them ("customer" and "agent" are in every summary).
_STOP_WORDS = """a an the and or but of to in on at for from by with without as is are was were
    be been
    being his her hers him himself herself their them its he she they it this that these those
    who whom which what when where whether while because despite although though instead
    after before about into over under than then so not no only also any all can will would
    could should must may might customer customers agent agents ask asks asked say says said
    tell tells told get gets got has have had does did do up out more most some such per via
    own there here both each want wants wanted just still even again very too if how why yet
    already other another"""
STOP = set(_STOP_WORDS.split())
REF = re.compile(r"\b[A-Z]{2,4}\d{3,}\b")
CHUNK = re.compile(r",\s|;|:|\(|\)|\.\s|\s-\s|\s\+\s")
ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)


_WARM_UP = {
    "language": "en-IN",
    "turns": [{"speaker": "agent", "text": "Hello."}, {"speaker": "customer", "text": "Hi."}],
}


def sign(x: float) -> int:
    return 0 if abs(x) < DEAD_ZONE else (1 if x > 0 else -1)


def held_out_ids(dialogues: list[dict[str, Any]]) -> set[str]:
    """Every third call per language by sorted id (positions 1, 4, 7, ...)."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for d in dialogues:
        by_lang[d["language"]].append(d["id"])
    return {
        call_id
        for ids in by_lang.values()
        for index, call_id in enumerate(sorted(ids))
        if index % HELD_OUT_EVERY == 1
    }


def key_items(text: str) -> tuple[set[str], set[str]]:
    """(numbers and references, content-word stems) of a text."""
    numbers = {ref.lower() for ref in REF.findall(text)}
    stems: set[str] = set()
    # Figures in a list ("Rs 10,500, 16% interest") are separate numbers: parse each
    # punctuation-delimited chunk alone so they are not read as one ("10516").
    for chunk in CHUNK.split(ORDINAL.sub(r"\1", text)):
        words = normalize(chunk).split(" ")
        parsed = parse_numbers(words, "en")
        numbers |= {f"{n.value:g}" for n in parsed}
        # Words that spell a number ("two", "lakh") are already counted as that number.
        in_number = {i for n in parsed for i in range(n.start, n.end)}
        stems |= {
            w[:5]
            for i, w in enumerate(words)
            if w.isalpha() and len(w) > 2 and w not in STOP and i not in in_number
        }
    return numbers, stems


def _summary_stems(summary: str) -> set[str]:
    words = normalize(summary).split(" ")
    joined = {(a + b)[:5] for a, b in itertools.pairwise(words) if a.isalpha()}
    return key_items(summary)[1] | joined


def coverage(point: str, summary: str) -> dict[str, Any]:
    """Whether the summary covers a point, with the point's found and missing items."""
    summary = " ".join(summary.split()[:SCORED_WORDS])
    p_num, p_words = key_items(point)
    s_num, s_words = key_items(summary)[0], _summary_stems(summary)
    found = sorted(p_num & s_num) + sorted(p_words & s_words)
    missing = sorted(p_num - s_num) + sorted(p_words - s_words)
    total = len(found) + len(missing)
    return {
        "point": point,
        "covered": total > 0 and len(found) / total >= COVERED_SHARE,
        "found": found,
        "missing": missing,
        "numbers_found": len(p_num & s_num),
        "numbers_total": len(p_num),
    }


def run(data: Path) -> dict[str, Any]:
    dialogues = [json.loads(line) for line in data.read_text("utf-8").splitlines() if line]
    held_out = held_out_ids(dialogues)
    buckets: dict[str, dict[str, dict[str, Any]]] = {
        split: defaultdict(lambda: defaultdict(list)) for split in ("tuning", "held_out", "all")
    }
    calls = []
    baseline: list[bool] = []
    taxonomy = load_taxonomy()
    # The first analysis loads and compiles the data files; time it apart from the per-call
    # figures, on a tiny transcript that shares no text with the dialogues.
    start = time.perf_counter()
    analyze(transcript_from_json(_WARM_UP), ["summary", "sentiment", "intent"])
    warm_up = time.perf_counter() - start
    for d in dialogues:
        transcript = transcript_from_json(d)
        start, cpu_start = time.perf_counter(), time.process_time()
        result = analyze(transcript, ["summary", "sentiment", "intent"])
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        ok = result["intent"] in {d["intent"], *d.get("intent_also_acceptable", [])}
        sent = result["sentiment"]
        pred = {
            "customer": sent["speakers"]["customer"],
            "agent": sent["speakers"]["agent"],
            "overall": sent["overall"],
        }
        points = [coverage(p, result["summary"]) for p in d["summary_points"]]
        # What the check gives a summary that only names the request (the intent's phrase):
        # the floor any summary gets without facts, actions or outcome.
        entry = taxonomy.get(result["intent"]) if result["intent"] else None
        floor = f"The customer {entry.summary}." if entry else "The customer called."
        baseline.extend(coverage(p, floor)["covered"] for p in d["summary_points"])
        split = "held_out" if d["id"] in held_out else "tuning"
        for bucket in (
            buckets[split][d["language"]],
            buckets[split]["all"],
            buckets["all"][d["language"]],
            buckets["all"]["all"],
        ):
            bucket["intent"].append(ok)
            bucket["seconds"].append(elapsed)
            bucket["cpu_seconds"].append(cpu)
            for key, value in pred.items():
                bucket[f"{key}_err"].append(abs(value - d["sentiment"][key]))
                bucket[f"{key}_sign"].append(sign(value) == sign(d["sentiment"][key]))
            bucket["covered"].extend(p["covered"] for p in points)
            bucket["num_found"].append(sum(p["numbers_found"] for p in points))
            bucket["num_total"].append(sum(p["numbers_total"] for p in points))
            bucket["words"].append(len(result["summary"].split()))
        calls.append(
            {
                "id": d["id"],
                "split": split,
                "language": d["language"],
                "intent": d["intent"],
                "predicted": result["intent"],
                "correct": ok,
                "sentiment": pred,
                "gold_sentiment": d["sentiment"],
                "summary": result["summary"],
                "points": [
                    {k: p[k] for k in ("point", "covered", "found", "missing")} for p in points
                ],
                "seconds": round(elapsed, 4),
                "cpu_seconds": round(cpu, 4),
            }
        )
    return {
        "data": str(data),
        "definitions": __doc__.split("Definitions")[1].strip(),
        "held_out_ids": sorted(held_out),
        "first_call_seconds": round(warm_up, 3),
        "timing_note": (
            "seconds: wall-clock, cpu_seconds: CPU time of this single-threaded process (what "
            "one core spends per call); measured on a shared 2-core machine, rerun on a quiet one"
        ),
        "splits": {
            split: {lang: _aggregate(b) for lang, b in sorted(by_lang.items())}
            for split, by_lang in buckets.items()
        },
        "baseline_intent_sentence_only_coverage": round(sum(baseline) / len(baseline), 3),
        "examples": _examples(calls),
        "calls": calls,
    }


def _examples(calls: list[dict[str, Any]], per_kind: int = 4) -> dict[str, Any]:
    """A few covered and not-covered points (one per call, across languages), from tuning
    calls only: the held-out calls are for measuring, never for reading."""
    out: dict[str, list[Any]] = {"covered": [], "not_covered": []}
    for call in (c for c in calls if c["split"] == "tuning"):
        for point in call["points"]:
            kind = "covered" if point["covered"] else "not_covered"
            if len(out[kind]) < per_kind * 3 and not any(e["id"] == call["id"] for e in out[kind]):
                out[kind].append({"id": call["id"], "summary": call["summary"], **point})
                break
    return {kind: items[::3][:per_kind] for kind, items in out.items()}


def _aggregate(b: dict[str, list[Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "calls": len(b["intent"]),
        "intent_accuracy": round(sum(b["intent"]) / len(b["intent"]), 3),
        "summary_point_coverage": round(sum(b["covered"]) / len(b["covered"]), 3),
        "summary_number_recall": round(sum(b["num_found"]) / max(1, sum(b["num_total"])), 3),
        "summary_words_mean": round(statistics.mean(b["words"]), 1),
        "summary_words_max": max(b["words"]),
        "seconds_mean": round(statistics.mean(b["seconds"]), 4),
        "seconds_max": round(max(b["seconds"]), 4),
        "cpu_seconds_mean": round(statistics.mean(b["cpu_seconds"]), 4),
        "cpu_seconds_max": round(max(b["cpu_seconds"]), 4),
    }
    for key in ("customer", "agent", "overall"):
        out[f"{key}_mae"] = round(statistics.mean(b[f"{key}_err"]), 3)
        out[f"{key}_sign_agreement"] = round(sum(b[f"{key}_sign"]) / len(b[f"{key}_sign"]), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DIALOGUES)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "nlp.json")
    args = parser.parse_args()
    report = run(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for split, by_lang in report["splits"].items():
        for lang, row in by_lang.items():
            print(f"{split:8} {lang:5}", json.dumps(row))


if __name__ == "__main__":
    main()
