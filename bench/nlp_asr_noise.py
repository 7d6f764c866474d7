"""Intent, sentiment and summary on the labelled dialogues after simulated ASR noise.

    .venv/bin/python bench/nlp_asr_noise.py [--data ../shared/data/dialogues/dialogues.jsonl]
                                            [--asr bench/results/asr.json] [--seeds 5]
                                            [--out bench/results/nlp_asr_noise.json]

SIMULATED noise, learned from real ASR errors; not real call audio. The noise model is
estimated from the embedded pipeline's (Whisper base) own hypotheses on real speech clips in
bench/results/asr.json: per language, reference and hypothesis are normalised like the
analysers do (neuronlens.analysis.text.normalize) and aligned word by word (edit distance
with substitution cost = the words' character distance, plus one-to-two and two-to-one moves
for ASR splitting or merging words). From the alignment, per language:
- word rates: deleted, inserted (per reference word), split in two, merged with the next,
  confused with a different word (character distance > CONFUSED), misspelt (by word length);
- for misspelt words the character edits: per reference character the chance of being
  replaced (and by what), dropped, or followed by an inserted character (and which), with a
  per-class backoff (consonant, vowel sign, vowel, virama, nasal, Latin vowel/consonant) for
  rare characters;
- the whole-word confusions seen (reference word -> hypothesis word) and the pool of
  confused and inserted hypothesis words, sampled when a word is confused or inserted.
Hindi pools the "hi" and "hi_ai4b" sets. Marathi has no ASR set: it uses the Hindi model
(same script). Latin-script words (English, Hinglish, loanwords written in Latin inside
Indic calls) use the English model's character edits; word rates are the call language's.
Words with a digit (amounts, reference codes) and punctuation are left as they are.

Every dialogue turn is corrupted with ``--seeds`` seeds at the measured rate ("full") and at
half of it ("half": every word-level error chance halved), and scored exactly as
bench/nlp.py scores clean text (its ``run``), per split (tuning / held-out / all) and
language; figures are means over seeds with their min and max. ``simulated_cer``/``_wer`` is
the character/word error rate of the corrupted against the clean text, to compare with the
measured rates of the ASR sets.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import nlp  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from neuronlens.analysis.text import fold, normalize  # noqa: E402

CONFUSED = 0.6
"""Above this normalised character distance an aligned pair is another word, not a misspelling."""
MIN_CHAR_COUNT = 8
"""A character seen fewer times in misspelt words takes its class's edit rates."""
LENGTH_BUCKETS = (2, 4, 7)
ASR_SETS = {"hi-IN": ("hi", "hi_ai4b"), "ta-IN": ("ta",), "te-IN": ("te",), "en-IN": ("en",)}
MODEL_OF = {
    "hi-IN": "hi-IN",
    "mr-IN": "hi-IN",
    "ta-IN": "ta-IN",
    "te-IN": "te-IN",
    "en-IN": "en-IN",
}
METRICS = (
    "intent_accuracy",
    "customer_mae",
    "customer_sign_agreement",
    "summary_point_coverage",
    "cpu_seconds_mean",
    "cpu_seconds_max",
)


def distance(a: str, b: str) -> float:
    """Character edit distance normalised by the longer string (0 same .. 1 nothing shared)."""
    return Levenshtein.distance(a, b) / max(len(a), len(b), 1)


def align(ref: list[str], hyp: list[str]) -> list[tuple[str, list[str], list[str]]]:
    """Word alignment: (op, ref words, hyp words), op in ok/sub/del/ins/merge/split."""
    n, m = len(ref), len(hyp)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str]]] = [[(0, 0, "")] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            moves = [(1, 0, "del", 1.0), (0, 1, "ins", 1.0)]
            if i < n and j < m:
                moves.append((1, 1, "sub", distance(ref[i], hyp[j])))
            if i + 1 < n and j < m:
                moves.append((2, 1, "merge", distance(ref[i] + ref[i + 1], hyp[j]) + 0.3))
            if i < n and j + 1 < m:
                moves.append((1, 2, "split", distance(ref[i], hyp[j] + hyp[j + 1]) + 0.3))
            for di, dj, op, step in moves:
                if i + di <= n and j + dj <= m and here + step < cost[i + di][j + dj]:
                    cost[i + di][j + dj] = here + step
                    back[i + di][j + dj] = (di, dj, op)
    out = []
    i, j = n, m
    while i or j:
        di, dj, op = back[i][j]
        r, h = ref[i - di : i], hyp[j - dj : j]
        if op == "sub" and r == h:
            op = "ok"
        out.append((op, r, h))
        i, j = i - di, j - dj
    return out[::-1]


_VOWEL_NAMES = {"A", "AA", "I", "II", "U", "UU", "E", "EE", "AI", "O", "OO", "AU", "R"}


def char_class(ch: str) -> str:
    """Coarse class of a character, for the backoff of rare characters."""
    if ch.isascii():
        return "latin_vowel" if ch in "aeiou" else "latin"
    name = unicodedata.name(ch, "")
    if "VIRAMA" in name:
        return "virama"
    if "VOWEL SIGN" in name:
        return "sign"
    if "ANUSVARA" in name or "CANDRABINDU" in name:
        return "nasal"
    if "LETTER" in name:
        return "vowel" if name.rsplit(" ", 1)[-1] in _VOWEL_NAMES else "consonant"
    return "other"


@dataclass
class CharStats:
    """Edit counts of one character (or one class) in misspelt words."""

    seen: int = 0
    dropped: int = 0
    replaced: Counter[str] = field(default_factory=Counter)
    followed_by: Counter[str] = field(default_factory=Counter)

    def rates(self) -> dict[str, float]:
        seen = max(self.seen, 1)
        return {
            "replaced": round(sum(self.replaced.values()) / seen, 3),
            "dropped": round(self.dropped / seen, 3),
            "inserted_after": round(sum(self.followed_by.values()) / seen, 3),
        }


@dataclass
class NoiseModel:
    """What Whisper base did to one language's words."""

    words: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    by_length: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    chars: dict[str, CharStats] = field(default_factory=lambda: defaultdict(CharStats))
    classes: dict[str, CharStats] = field(default_factory=lambda: defaultdict(CharStats))
    word_start: CharStats = field(default_factory=CharStats)
    confusions: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    confused_pool: list[str] = field(default_factory=list)
    inserted_pool: list[str] = field(default_factory=list)

    def rate(self, op: str) -> float:
        return self.ops[op] / max(self.words, 1)

    def misspelt_rate(self, word: str) -> float:
        counts = self.by_length[bucket(word)]
        return counts["misspelt"] / max(sum(counts.values()), 1)

    def stats_of(self, ch: str) -> CharStats:
        own = self.chars.get(ch)
        return own if own and own.seen >= MIN_CHAR_COUNT else self.classes[char_class(ch)]


def bucket(word: str) -> int:
    return sum(len(word) > edge for edge in LENGTH_BUCKETS)


def learn_edits(model: NoiseModel, ref: str, hyp: str) -> None:
    """Character edits of one misspelt word (ref and hyp without spaces)."""
    for ch in ref:
        model.chars[ch].seen += 1
        model.classes[char_class(ch)].seen += 1
    model.word_start.seen += 1
    matcher = SequenceMatcher(None, ref, hyp, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            for stats in (model.chars[ref[i1 + k]], model.classes[char_class(ref[i1 + k])]):
                stats.replaced[hyp[j1 + k]] += 1
        for k in range(i1 + paired, i2):
            for stats in (model.chars[ref[k]], model.classes[char_class(ref[k])]):
                stats.dropped += 1
        if j2 - j1 > paired:
            extra = hyp[j1 + paired : j2]
            anchor = i1 + paired - 1
            if anchor < 0:
                model.word_start.followed_by[extra] += 1
            else:
                for stats in (model.chars[ref[anchor]], model.classes[char_class(ref[anchor])]):
                    stats.followed_by[extra] += 1


def learn(pairs: list[tuple[str, str]]) -> NoiseModel:
    model = NoiseModel()
    for reference, hypothesis in pairs:
        ref, hyp = normalize(reference).split(), normalize(hypothesis).split()
        model.words += len(ref)
        for op, r, h in align(ref, hyp):
            if op == "ins":
                model.ops["inserted"] += len(h)
                model.inserted_pool.extend(h)
                continue
            if op == "del":
                model.ops["deleted"] += 1
                model.by_length[bucket(r[0])]["deleted"] += 1
                continue
            joined_r, joined_h = "".join(r), "".join(h)
            if op in ("merge", "split"):
                model.ops[op] += 1
                if joined_r != joined_h:
                    learn_edits(model, joined_r, joined_h)
                continue
            word = r[0]
            if op == "ok":
                kind = "ok"
            elif distance(word, h[0]) > CONFUSED:
                kind = "confused"
                model.confusions[word][h[0]] += 1
                model.confused_pool.append(h[0])
            else:
                kind = "misspelt"
                learn_edits(model, word, h[0])
            model.ops[kind] += 1
            model.by_length[bucket(word)][kind] += 1
    return model


def _pick(rng: random.Random, counts: Counter[str]) -> str:
    items = list(counts.items())
    return rng.choices([k for k, _ in items], weights=[v for _, v in items])[0]


def misspell(word: str, model: NoiseModel, rng: random.Random) -> str:
    """The word with character edits drawn from the model (at least one edit)."""
    for _ in range(20):
        out = []
        start = model.word_start
        if rng.random() < sum(start.followed_by.values()) / max(start.seen, 1):
            out.append(_pick(rng, start.followed_by))
        for ch in word:
            stats = model.stats_of(ch)
            seen = max(stats.seen, 1)
            roll = rng.random()
            replaced = sum(stats.replaced.values()) / seen
            if roll < replaced:
                out.append(_pick(rng, stats.replaced))
            elif roll >= replaced + stats.dropped / seen:
                out.append(ch)
            if rng.random() < sum(stats.followed_by.values()) / seen:
                out.append(_pick(rng, stats.followed_by))
        new = unicodedata.normalize("NFC", "".join(out))
        if new and new != word:
            return new
    return word


def split_word(word: str, rng: random.Random) -> list[str]:
    """The word split in two before a base character (never before a vowel sign)."""
    cuts = [i for i in range(1, len(word)) if not unicodedata.combining(word[i])]
    cuts = [i for i in cuts if char_class(word[i]) not in ("sign", "virama", "nasal")]
    if not cuts:
        return [word]
    cut = rng.choice(cuts)
    return [word[:cut], word[cut:]]


_PUNCT = (
    "".join(chr(c) for c in range(0x2070) if unicodedata.category(chr(c)).startswith("P"))
    + "\u0964\u0965"
)
"""Punctuation kept around a word as it is."""


@dataclass(frozen=True)
class Corruptor:
    """Applies a language's word rates (scaled) and the script's character edits."""

    words: NoiseModel
    latin: NoiseModel
    scale: float

    def word(self, core: str, rng: random.Random) -> list[str]:
        chars = self.latin if core.isascii() else self.words
        s = self.scale
        roll = rng.random()
        threshold = 0.0
        for op in ("deleted", "confused"):
            counts = self.words.by_length[bucket(core)]
            threshold += s * counts[op] / max(sum(counts.values()), 1)
            if roll < threshold:
                if op == "deleted":
                    return []
                seen = self.words.confusions.get(core)
                pool = seen if seen else Counter(self.words.confused_pool)
                return [_pick(rng, pool)] if pool else [core]
        if roll < threshold + s * self.words.misspelt_rate(core):
            core = misspell(core, chars, rng)
        if rng.random() < s * self.words.rate("split"):
            return split_word(core, rng)
        return [core]

    def text(self, text: str, rng: random.Random) -> str:
        out: list[str] = []
        for token in text.split():
            lead = len(token) - len(token.lstrip(_PUNCT))
            core = token.strip(_PUNCT)
            tail = token[lead + len(core) :]
            if not core or any(ch.isdigit() for ch in core):
                out.append(token)
                continue
            capital = core[:1].isupper()
            words = self.word(fold(core), rng)
            if capital and words:
                words[0] = words[0][:1].upper() + words[0][1:]
            if words:
                words[0], words[-1] = token[:lead] + words[0], words[-1] + tail
            elif lead or tail:
                words = [(token[:lead] + tail).strip()]
            if out and words and rng.random() < self.scale * self.words.rate("merge"):
                out[-1] += words.pop(0)
            out.extend(words)
            if self.words.inserted_pool and rng.random() < self.scale * self.words.rate("inserted"):
                out.append(rng.choice(self.words.inserted_pool))
        return " ".join(w for w in out if w)


def describe(model: NoiseModel) -> dict[str, Any]:
    """The learned model in numbers, for the report."""
    top_chars = sorted(
        ((ch, st) for ch, st in model.chars.items() if st.seen >= MIN_CHAR_COUNT),
        key=lambda item: -(sum(item[1].replaced.values()) + item[1].dropped),
    )[:12]
    confusions = Counter(
        {f"{r} -> {h}": n for r, hs in model.confusions.items() for h, n in hs.items()}
    )
    return {
        "reference_words": model.words,
        "rates_per_reference_word": {
            op: round(model.rate(op), 3)
            for op in ("ok", "misspelt", "confused", "deleted", "inserted", "split", "merge")
        },
        "misspelt_rate_by_length": {
            f"bucket_{b}": round(counts["misspelt"] / max(sum(counts.values()), 1), 3)
            for b, counts in sorted(model.by_length.items())
        },
        "length_buckets_chars_up_to": list(LENGTH_BUCKETS),
        "char_classes_in_misspelt_words": {
            cls: {"seen": st.seen, **st.rates()} for cls, st in sorted(model.classes.items())
        },
        "most_edited_chars": [
            {
                "char": ch,
                "seen": st.seen,
                **st.rates(),
                "replaced_by": dict(st.replaced.most_common(4)),
                "inserted_after": dict(st.followed_by.most_common(3)),
            }
            for ch, st in top_chars
        ],
        "word_start_insertions": dict(model.word_start.followed_by.most_common(5)),
        "observed_word_confusions": dict(confusions.most_common(15)),
        "inserted_words": dict(Counter(model.inserted_pool).most_common(10)),
    }


def error_rates(clean: list[dict[str, Any]], noisy: list[dict[str, Any]]) -> dict[str, float]:
    chars = char_err = words = word_err = 0
    for a, b in zip(clean, noisy, strict=True):
        for ta, tb in zip(a["turns"], b["turns"], strict=True):
            ra, rb = normalize(ta["text"]), normalize(tb["text"])
            chars += len(ra)
            char_err += Levenshtein.distance(ra, rb)
            words += len(ra.split())
            word_err += Levenshtein.distance(ra.split(), rb.split())
    return {
        "simulated_cer": round(char_err / chars, 3),
        "simulated_wer": round(word_err / words, 3),
    }


def score(dialogues: list[dict[str, Any]]) -> dict[str, Any]:
    """bench/nlp.py's scoring of these dialogues: its per-split, per-language aggregates."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
        f.write("\n".join(json.dumps(d, ensure_ascii=False) for d in dialogues))
        path = Path(f.name)
    try:
        return nlp.run(path)["splits"]
    finally:
        path.unlink()


def mean_over_seeds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for split, by_lang in runs[0].items():
        out[split] = {}
        for lang in by_lang:
            row: dict[str, Any] = {}
            for metric in METRICS:
                values = [run[split][lang][metric] for run in runs]
                row[metric] = round(statistics.mean(values), 3 if "cpu" not in metric else 4)
                if len(runs) > 1 and "cpu" not in metric:
                    row[f"{metric}_min_max"] = [min(values), max(values)]
            out[split][lang] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=nlp.DIALOGUES)
    parser.add_argument("--asr", type=Path, default=ROOT / "bench" / "results" / "asr.json")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "nlp_asr_noise.json"
    )
    args = parser.parse_args()
    asr = json.loads(args.asr.read_text("utf-8"))["sets"]
    models = {
        lang: learn(
            [
                (clip["reference"], clip["hypothesis"])
                for name in names
                for clip in asr[name]["pipeline"]["clips"]
            ]
        )
        for lang, names in ASR_SETS.items()
    }
    dialogues = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line]
    report: dict[str, Any] = {
        "note": (
            "SIMULATED ASR noise learned from Whisper base's errors on real speech clips "
            "(bench/results/asr.json), applied to the clean dialogue text; not real call audio. "
            "mr-IN uses the hi-IN model (same script, no Marathi ASR set)."
        ),
        "method": __doc__.split("\n\n", 2)[2].strip(),
        "asr_sets": {
            lang: {name: asr[name]["pipeline"]["cer"] for name in names}
            for lang, names in ASR_SETS.items()
        },
        "models": {lang: describe(model) for lang, model in models.items()},
        "seeds": args.seeds,
        "results": {"clean": score(dialogues)},
        "text_error_rates": {},
    }
    for level, scale in (("half", 0.5), ("full", 1.0)):
        runs, rates = [], []
        for seed in range(args.seeds):
            rng = random.Random(seed)
            noisy = []
            for d in dialogues:
                corruptor = Corruptor(models[MODEL_OF[d["language"]]], models["en-IN"], scale)
                turns = [{**t, "text": corruptor.text(t["text"], rng)} for t in d["turns"]]
                noisy.append({**d, "turns": turns})
            runs.append(score(noisy))
            rates.append(
                {
                    lang: error_rates(
                        [d for d in dialogues if d["language"] == lang],
                        [d for d in noisy if d["language"] == lang],
                    )
                    for lang in sorted({d["language"] for d in dialogues})
                }
            )
        report["results"][level] = mean_over_seeds(runs)
        report["text_error_rates"][level] = {
            lang: {
                key: round(statistics.mean(r[lang][key] for r in rates), 3)
                for key in rates[0][lang]
            }
            for lang in rates[0]
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for level, splits in report["results"].items():
        for lang, row in splits["all"].items():
            print(
                f"{level:5} {lang:5} intent {row['intent_accuracy']:.3f} "
                f"customer MAE {row['customer_mae']:.3f} sign {row['customer_sign_agreement']:.3f} "
                f"coverage {row['summary_point_coverage']:.3f} cpu {row['cpu_seconds_mean']:.4f}"
            )
    print(json.dumps(report["text_error_rates"]))


if __name__ == "__main__":
    main()
