"""Accuracy and speed of the embedded summary/sentiment/intent on the labelled dialogues.

    .venv/bin/python bench/nlp.py [--data ../shared/data/dialogues/dialogues.jsonl]
                                  [--out bench/results/nlp.json]

Definitions (also written into the report):
- intent: correct when the prediction equals ``intent`` or is in ``intent_also_acceptable``.
- sentiment: mean absolute error per speaker; sign agreement with a dead zone, where a score
  with |x| < 0.1 counts as neutral (0) and otherwise as its sign, and the signs must be equal.
- summary coverage: a summary point's key items are its numbers (amounts, percentages,
  digits, parsed so "Rs 3 lakh" = 300000 and "10,500" = 10500), its reference codes
  (FR45821) and its content words (stop words removed, compared by their first 5 letters).
  A point is covered when at least half of its key items occur in the summary. Also reported:
  the share of the points' numbers and references that the summary carries.
"""

from __future__ import annotations

import argparse
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
from neuronlens.analysis.numbers import parse_numbers  # noqa: E402
from neuronlens.analysis.text import normalize  # noqa: E402

DEAD_ZONE = 0.1
COVERED_SHARE = 0.5
STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "without",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "his",
        "her",
        "their",
        "its",
        "he",
        "she",
        "they",
        "it",
        "this",
        "that",
        "these",
        "those",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "after",
        "before",
        "about",
        "into",
        "over",
        "under",
        "than",
        "then",
        "so",
        "not",
        "no",
        "only",
        "also",
        "any",
        "all",
        "can",
        "will",
        "would",
        "customer",
        "customers",
        "agent",
        "agents",
        "asks",
        "asked",
        "says",
        "said",
        "tells",
        "told",
        "gets",
        "got",
        "has",
        "have",
        "had",
        "does",
        "did",
        "do",
        "up",
        "out",
        "more",
        "most",
        "some",
        "such",
        "per",
        "via",
        "own",
        "there",
        "here",
        "both",
        "each",
    ]
)
REF = re.compile(r"\b[A-Z]{2,4}\d{3,}\b")


def sign(x: float) -> int:
    return 0 if abs(x) < DEAD_ZONE else (1 if x > 0 else -1)


def key_items(text: str) -> tuple[set[str], set[str]]:
    """(numbers and references, content-word stems) of a text."""
    words = normalize(text).split(" ")
    numbers = {f"{n.value:g}" for n in parse_numbers(words, "en")}
    numbers |= {ref.lower() for ref in REF.findall(text)}
    stems = {w[:5] for w in words if w.isalpha() and len(w) > 2 and w not in STOP}
    return numbers, stems


def coverage(point: str, summary: str) -> tuple[bool, int, int]:
    """(covered, numbers found, numbers in point)."""
    p_num, p_words = key_items(point)
    s_num, s_words = key_items(summary)
    total = len(p_num) + len(p_words)
    found = len(p_num & s_num) + len(p_words & s_words)
    return (total > 0 and found / total >= COVERED_SHARE), len(p_num & s_num), len(p_num)


def run(data: Path) -> dict[str, Any]:
    dialogues = [json.loads(line) for line in data.read_text("utf-8").splitlines() if line]
    per_lang: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(list))
    calls = []
    for d in dialogues:
        transcript = transcript_from_json(d)
        start = time.perf_counter()
        result = analyze(transcript, ["summary", "sentiment", "intent"])
        elapsed = time.perf_counter() - start
        ok = result["intent"] in {d["intent"], *d.get("intent_also_acceptable", [])}
        sent = result["sentiment"]
        pred = {
            "customer": sent["speakers"]["customer"],
            "agent": sent["speakers"]["agent"],
            "overall": sent["overall"],
        }
        points = [coverage(p, result["summary"]) for p in d["summary_points"]]
        for lang in (d["language"], "all"):
            bucket = per_lang[lang]
            bucket["intent"].append(ok)
            bucket["seconds"].append(elapsed)
            for key, value in pred.items():
                bucket[f"{key}_err"].append(abs(value - d["sentiment"][key]))
                bucket[f"{key}_sign"].append(sign(value) == sign(d["sentiment"][key]))
            bucket["covered"].extend(c for c, _, _ in points)
            bucket["num_found"].append(sum(f for _, f, _ in points))
            bucket["num_total"].append(sum(t for _, _, t in points))
        calls.append(
            {
                "id": d["id"],
                "language": d["language"],
                "intent": d["intent"],
                "predicted": result["intent"],
                "correct": ok,
                "sentiment": pred,
                "gold_sentiment": d["sentiment"],
                "summary": result["summary"],
                "points_covered": [c for c, _, _ in points],
                "seconds": round(elapsed, 4),
            }
        )
    report = {lang: _aggregate(bucket) for lang, bucket in sorted(per_lang.items())}
    return {
        "data": str(data),
        "definitions": __doc__.split("Definitions")[1].strip(),
        "by_language": report,
        "calls": calls,
    }


def _aggregate(b: dict[str, list[Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "calls": len(b["intent"]),
        "intent_accuracy": round(sum(b["intent"]) / len(b["intent"]), 3),
        "summary_point_coverage": round(sum(b["covered"]) / len(b["covered"]), 3),
        "summary_number_recall": round(sum(b["num_found"]) / max(1, sum(b["num_total"])), 3),
        "seconds_mean": round(statistics.mean(b["seconds"]), 4),
        "seconds_max": round(max(b["seconds"]), 4),
    }
    for key in ("customer", "agent", "overall"):
        out[f"{key}_mae"] = round(statistics.mean(b[f"{key}_err"]), 3)
        out[f"{key}_sign_agreement"] = round(sum(b[f"{key}_sign"]) / len(b[f"{key}_sign"]), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared" / "data" / "dialogues" / "dialogues.jsonl",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "nlp.json")
    args = parser.parse_args()
    report = run(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for lang, row in report["by_language"].items():
        print(lang, json.dumps(row))


if __name__ == "__main__":
    main()
