"""Agreement of the embedded QA scoring with the labelled dialogues.

    .venv/bin/python bench/qa.py [--data ../shared/data/dialogues/dialogues.jsonl]
                                 [--scorecard ../shared/data/dialogues/scorecard.json]
                                 [--out bench/results/qa.json]

Every aggregate is reported for the tuning split, the held-out split and all calls. The
held-out split is the one bench/nlp.py uses (fixed by id: within each language the calls
sorted by id, every third one starting with the second); the cue lexicons and thresholds were
tuned only on the tuning split's errors.

Definitions (also written into the report):
- criterion agreement: a criterion's result equals the label, where label true = "pass" and
  false = "fail" (for the prohibited criterion the label says the agent avoided the language,
  so true = "pass" as well). A result "na" counts as disagreement.
- call agreement: the scorecard's pass/fail verdict (percentage >= pass_threshold and no fatal
  criterion failed) computed from the predicted results equals the verdict computed the same
  way from the labels.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from nlp import held_out_ids  # noqa: E402

from neuronlens.analysis import transcript_from_json  # noqa: E402
from neuronlens.analysis.scorecard import score_call, summarise  # noqa: E402
from neuronlens.analysis.scorecard_schema import parse_scorecard  # noqa: E402


def labelled_verdict(scorecard: Any, predicted: list[dict[str, Any]], labels: dict[str, bool]):
    """The call verdict the labels imply (same weights, threshold and fatal rule)."""
    gold = [
        {
            **c,
            "result": "pass" if labels[c["id"]] else "fail",
            "score": c["weight"] if labels[c["id"]] else 0,
        }
        for c in predicted
    ]
    return summarise(scorecard, gold)


def run(data: Path, scorecard_path: Path) -> dict[str, Any]:
    dialogues = [json.loads(line) for line in data.read_text("utf-8").splitlines() if line]
    scorecard = parse_scorecard(json.loads(scorecard_path.read_text("utf-8")))
    held_out = held_out_ids(dialogues)
    buckets: dict[str, Any] = {
        split: defaultdict(lambda: defaultdict(list)) for split in ("tuning", "held_out", "all")
    }
    calls = []
    for d in dialogues:
        transcript = transcript_from_json(d)
        start = time.perf_counter()
        qa = score_call(transcript, scorecard)
        elapsed = time.perf_counter() - start
        gold = labelled_verdict(scorecard, qa["criteria"], d["qa"])
        split = "held_out" if d["id"] in held_out else "tuning"
        errors = []
        for bucket in (
            buckets[split][d["language"]],
            buckets[split]["all"],
            buckets["all"][d["language"]],
            buckets["all"]["all"],
        ):
            bucket["call"].append(qa["passed"] == gold["passed"])
            bucket["seconds"].append(elapsed)
            for c in qa["criteria"]:
                bucket[c["id"]].append(c["result"] == ("pass" if d["qa"][c["id"]] else "fail"))
        for c in qa["criteria"]:
            expected = "pass" if d["qa"][c["id"]] else "fail"
            if c["result"] != expected:
                errors.append(
                    {
                        "criterion": c["id"],
                        "expected": expected,
                        "got": c["result"],
                        "evidence": [e["text"] for e in c["evidence"]],
                    }
                )
        calls.append(
            {
                "id": d["id"],
                "split": split,
                "language": d["language"],
                "percentage": qa["percentage"],
                "passed": qa["passed"],
                "labelled_percentage": gold["percentage"],
                "labelled_passed": gold["passed"],
                "errors": errors,
                "seconds": round(elapsed, 4),
            }
        )
    criteria = [c.id for c in scorecard.criteria]
    return {
        "data": str(data),
        "scorecard": str(scorecard_path),
        "method": "embedded (concept cue lexicons + phonetic trigram similarity to examples)",
        "definitions": __doc__.split("Definitions")[1].strip(),
        "held_out_ids": sorted(held_out),
        "splits": {
            split: {lang: _aggregate(b, criteria) for lang, b in sorted(by_lang.items())}
            for split, by_lang in buckets.items()
        },
        "calls": calls,
    }


def _aggregate(b: dict[str, list[Any]], criteria: list[str]) -> dict[str, Any]:
    per = {c: round(sum(b[c]) / len(b[c]), 3) for c in criteria}
    return {
        "calls": len(b["call"]),
        "call_pass_fail_agreement": round(sum(b["call"]) / len(b["call"]), 3),
        "criterion_agreement_mean": round(sum(per.values()) / len(per), 3),
        "criterion_agreement_min": min(per.values()),
        "criteria": per,
        "seconds_mean": round(sum(b["seconds"]) / len(b["seconds"]), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = ROOT.parent / "shared" / "data" / "dialogues"
    parser.add_argument("--data", type=Path, default=shared / "dialogues.jsonl")
    parser.add_argument("--scorecard", type=Path, default=shared / "scorecard.json")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "qa.json")
    args = parser.parse_args()
    report = run(args.data, args.scorecard)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for split, by_lang in report["splits"].items():
        for lang, row in by_lang.items():
            call, mean = row["call_pass_fail_agreement"], row["criterion_agreement_mean"]
            low = row["criterion_agreement_min"]
            print(f"{split:8} {lang:5} n={row['calls']:2} call={call} mean={mean} min={low}")
    print(json.dumps(report["splits"]["tuning"]["all"]["criteria"]))
    print(json.dumps(report["splits"]["held_out"]["all"]["criteria"]))


if __name__ == "__main__":
    main()
