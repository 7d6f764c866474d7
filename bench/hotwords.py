"""SYNTHETIC check of the call-centre hot-words: term recall with and without them.

    .venv/bin/python bench/hotwords.py [--out bench/results/hotwords.json]

There is no real call audio with banking vocabulary here, so each sentence below is spoken by
espeak-ng (a formant synthesiser: robotic, one voice, no noise) and transcribed by
``neuronlens.pipeline.asr.transcribe`` twice: with the language's hot-words (the default) and
with ``hotword_tokens=0``. A term counts as recalled when its letters (lower case, everything
that is not a letter, mark or digit removed) appear in the transcript's letters. "shown" are the
terms in the prompt Whisper was shown (the leading hot-words that fit ``hotword_tokens``);
"not_shown" are the other terms, to see side effects. This says whether the prompt can move
Whisper towards the spellings, not how much real calls gain.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.asr import machine  # noqa: E402
from neuronlens.config import Settings  # noqa: E402
from neuronlens.errors import NoSpeechDetected  # noqa: E402
from neuronlens.languages import lookup  # noqa: E402
from neuronlens.pipeline import asr  # noqa: E402
from neuronlens.pipeline.models import ModelRegistry  # noqa: E402

# language code: espeak-ng voice and (sentence, terms it contains) pairs
SENTENCES: dict[str, tuple[str, list[tuple[str, list[str]]]]] = {
    "en-IN": (
        "en-us",
        [
            ("Your EMI of five thousand rupees is due on the fifth.", ["EMI", "rupees"]),
            ("Please complete your KYC today.", ["KYC"]),
            ("I have sent an OTP to your registered mobile.", ["OTP"]),
            ("You can transfer the amount by NEFT.", ["NEFT"]),
            ("You can also pay through UPI.", ["UPI"]),
            ("Your CIBIL score is seven hundred and fifty.", ["CIBIL"]),
            ("The loan amount is two lakh rupees.", ["loan", "lakh", "rupees"]),
            ("The turnover of the company is one crore.", ["crore"]),
            ("Your credit card bill is overdue.", ["credit card"]),
            ("Your HDFC account is active.", ["HDFC"]),
            ("Please share your PAN card number.", ["PAN card"]),
            ("Is your Aadhaar linked to the account?", ["Aadhaar"]),
        ],
    ),
    "hi-IN": (
        "hi",
        [
            ("आपकी ईएमआई अगले महीने की पाँच तारीख को कटेगी।", ["ईएमआई"]),
            ("कृपया अपना केवाईसी अपडेट कराइए।", ["केवाईसी"]),
            ("मैंने आपके मोबाइल पर ओटीपी भेजा है।", ["ओटीपी"]),
            ("आपका सिबिल स्कोर सात सौ पचास है।", ["सिबिल"]),
            ("आपके लोन की एक किस्त बाकी है।", ["लोन", "किस्त"]),
            ("आपको पचास हज़ार रुपये देने होंगे।", ["रुपये"]),
            ("लोन की रकम दो लाख रुपये है।", ["लोन", "लाख", "रुपये"]),
            ("कंपनी का कारोबार एक करोड़ का है।", ["करोड़"]),
            ("यूपीआई से भुगतान कर दीजिए।", ["यूपीआई"]),
            ("ब्याज की दर दस प्रतिशत है।", ["ब्याज"]),
            ("बीमा पॉलिसी का प्रीमियम जमा कीजिए।", ["बीमा", "पॉलिसी"]),
            ("अपना आधार नंबर बताइए।", ["आधार"]),
        ],
    ),
}


def letters(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def speak(text: str, voice: str, folder: Path, index: int) -> Any:
    from faster_whisper import decode_audio

    path = folder / f"{voice}_{index}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
    return decode_audio(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "hotwords.json")
    args = parser.parse_args()
    settings = Settings()
    model = ModelRegistry(settings).whisper(settings.asr_default_model)
    report: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "synthetic": True,
        "method": __doc__.split("\n\n", 2)[2].strip(),
        "languages": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for code, (voice, sentences) in SENTENCES.items():
            language = lookup(code)
            assert language is not None
            systems = {"hotwords": asr.AsrOptions(), "none": asr.AsrOptions(hotword_tokens=0)}
            prompt = asr.steering_prompt(language, systems["hotwords"], model) or ""
            rows = []
            for index, (sentence, terms) in enumerate(sentences):
                samples = speak(sentence, voice, Path(tmp), index)
                row: dict[str, Any] = {"sentence": sentence, "terms": terms}
                for name, options in systems.items():
                    try:
                        segments = asr.transcribe(samples, language, model, options)
                    except NoSpeechDetected:
                        segments = []
                    text = " ".join(segment.text for segment in segments)
                    row[name] = {
                        "text": text,
                        "found": [term for term in terms if letters(term) in letters(text)],
                    }
                rows.append(row)
            entry: dict[str, Any] = {"prompt": prompt, "sentences": rows}
            for name in systems:
                for group, wanted in (("shown", True), ("not_shown", False)):
                    terms = [
                        (term, term in row[name]["found"])
                        for row in rows
                        for term in row["terms"]
                        if (letters(term) in letters(prompt)) == wanted
                    ]
                    entry[f"recall_{name}_{group}"] = (
                        f"{sum(hit for _, hit in terms)}/{len(terms)}" if terms else None
                    )
            report["languages"][code] = entry
            print(code, {k: v for k, v in entry.items() if k.startswith("recall")})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"report written to {args.out}")


if __name__ == "__main__":
    main()
