"""End-to-end speed and memory: a spliced two-speaker call through the whole pipeline.

    .venv/bin/python bench/e2e.py [--seconds 180] [--runs 3] [--long 3,15,30,60]
                                  [--out bench/results/e2e.json] [--plot docs/long_calls.png]
                                  [--long-out bench/results/long_calls.json]

A call of about ``--seconds`` is spliced from two Common Voice Hindi speakers (alternating turns,
0.2-1.5 s gaps, some overlap; ``bench/diarization_calls.py``) in four versions: mono and
one-speaker-per-channel stereo, each wideband (16 kHz WAV) and telephone band (8 kHz mu-law
companded WAV). Each version goes through ``run_pipeline`` with every feature (summary,
sentiment, intent and QA with ``../shared/data/dialogues/scorecard.json``) ``--runs`` times in a
fresh process that loads the models once first; the report gives the median wall and CPU time,
the time per stage (from the pipeline's progress reports), the process's peak RSS and its
high-water mark at the end of each stage of the first run. "plain" is faster-whisper alone on
the same file, in its own process, with the same model, threads and compute type:
``decode_audio`` + ``WhisperModel.transcribe(audio, language="hi", vad_filter=True)`` (beam 5,
the defaults otherwise), consuming every segment.

``--long`` runs one mono call per listed length (minutes) once, for time and memory against
duration, writes them to ``--long-out`` (bench/results/long_calls.json) and draws them to
``--plot``; with ``--seconds 0`` it runs alone and leaves ``--out`` untouched.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.asr import machine  # noqa: E402
from bench.diarization_calls import Call, read_manifest, splice, telephone  # noqa: E402

SPEECH = ROOT.parent / "shared" / "data" / "speech" / "commonvoice61_omnilingo_rsample"
SCORECARD = ROOT.parent / "shared" / "data" / "dialogues" / "scorecard.json"
FEATURES = ["transcription", "summary", "sentiment", "intent", "qa_scoring"]


def build_call(seconds: float, seed: int = 11) -> Call:
    """A two-speaker Hindi call of about ``seconds`` (clips reused when it runs long)."""
    by_speaker = read_manifest(SPEECH, "hi-IN")
    two = sorted(by_speaker.values(), key=len, reverse=True)[:2]
    rng = random.Random(seed)
    turns = 8
    while True:
        call = splice(f"hi_{seconds:.0f}s", two, turns, random.Random(seed))
        if call.samples.shape[1] / 16_000 >= seconds:
            return call
        turns = int(turns * seconds / (call.samples.shape[1] / 16_000)) + 1 + rng.randint(0, 1)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """(channels, frames) float32 to 16-bit PCM WAV."""
    pcm = (np.clip(samples.T, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


def versions(call: Call, folder: Path) -> dict[str, Path]:
    """The call as mono/stereo x wideband/8 kHz WAV files."""
    from scipy.signal import resample_poly

    stereo = call.samples[:2]
    mono = stereo.sum(axis=0, keepdims=True)
    files = {}
    for layout, samples in (("mono", mono), ("stereo", stereo)):
        path = folder / f"{layout}_16k.wav"
        write_wav(path, samples, 16_000)
        files[f"{layout}_16k"] = path
        narrow = np.stack([resample_poly(telephone(channel), 1, 2) for channel in samples])
        path = folder / f"{layout}_8k.wav"
        write_wav(path, narrow.astype(np.float32), 8_000)
        files[f"{layout}_8k"] = path
    return files


# --- measured in a child process ---------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not ``ru_maxrss``: Linux carries the parent's high-water
    mark into a child across fork and exec, and the parent holds the spliced calls."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_pipeline(path: Path, runs: int) -> dict[str, Any]:
    from neuronlens.config import Settings
    from neuronlens.domain import JobRequest, normalize_features
    from neuronlens.local_run import _with_scorecard, load_scorecard_file
    from neuronlens.pipeline.models import ModelRegistry
    from neuronlens.pipeline.run import run_pipeline

    settings = Settings()
    started = time.perf_counter()
    models = ModelRegistry(settings)
    models.whisper(settings.model_for("hi-IN"))
    models.speaker_encoder()
    load_seconds = time.perf_counter() - started
    rss_loaded = peak_rss_mb()
    scorecard = load_scorecard_file(SCORECARD)
    request = JobRequest(
        audio_url=path.as_uri(), language="hi-IN", features=normalize_features(FEATURES)
    )
    request = _with_scorecard(request, scorecard)
    measured = []
    for _ in range(runs):
        last_report: dict[str, float] = {}
        peak_by_stage: dict[str, float] = {}

        def on_progress(
            stage: str, _fraction: float, seen: dict = last_report, peaks: dict = peak_by_stage
        ) -> None:
            seen[stage] = time.perf_counter()  # a stage ends at its last report
            peaks[stage] = peak_rss_mb()  # the high-water mark so far: stages only raise it

        wall0, cpu0 = time.perf_counter(), time.process_time()
        result = run_pipeline(
            path, request, models, settings, on_progress=on_progress, scorecard=scorecard
        )
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        stages: dict[str, float] = {}
        previous_end = wall0
        for stage, end in last_report.items():  # dicts keep first-report order
            stages[stage] = end - previous_end
            previous_end = end
        measured.append(
            {
                "wall": wall,
                "cpu": cpu,
                "stages": stages,
                "peak_rss_by_stage_mb": dict(peak_by_stage),
                "segments": len(result.transcript.segments),
                "speakers": sorted({s.speaker for s in result.transcript.segments}),
            }
        )
    return {
        "load_seconds": load_seconds,
        "rss_after_load_mb": rss_loaded,
        "runs": measured,
        "duration": result.duration,
        "peak_rss_mb": peak_rss_mb(),
    }


def child_vad(path: Path) -> dict[str, Any]:
    from neuronlens.pipeline.audio import decode_audio
    from neuronlens.pipeline.vad import speech_spans

    audio = decode_audio(path, max_seconds=24 * 3600)
    started = time.perf_counter()
    speech_spans(audio.mono())
    return {"vad_seconds": time.perf_counter() - started}


def child_plain(path: Path, runs: int) -> dict[str, Any]:
    from faster_whisper import WhisperModel, decode_audio

    from neuronlens.config import Settings
    from neuronlens.pipeline.models import ModelRegistry

    settings = Settings()
    model: WhisperModel = ModelRegistry(settings).whisper(settings.model_for("hi-IN"))
    rss_loaded = peak_rss_mb()
    measured = []
    for _ in range(runs):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        audio = decode_audio(str(path))
        segments, _info = model.transcribe(audio, language="hi", vad_filter=True)
        count = len(list(segments))
        measured.append(
            {
                "wall": time.perf_counter() - wall0,
                "cpu": time.process_time() - cpu0,
                "segments": count,
            }
        )
    return {"rss_after_load_mb": rss_loaded, "runs": measured, "peak_rss_mb": peak_rss_mb()}


def in_child(kind: str, path: Path, runs: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter, so peak RSS belongs to it alone."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), "--runs", str(runs)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 2)


def summarise(pipeline: dict[str, Any], plain: dict[str, Any], vad: dict[str, Any]) -> dict:
    duration = pipeline["duration"]
    stage_names = list(pipeline["runs"][0]["stages"])
    stages = {
        name: round(statistics.median(run["stages"].get(name, 0.0) for run in pipeline["runs"]), 2)
        for name in stage_names
    }
    wall, plain_wall = median_of(pipeline["runs"], "wall"), median_of(plain["runs"], "wall")
    return {
        "audio_seconds": round(duration, 1),
        "pipeline_wall_s": wall,
        "pipeline_cpu_s": median_of(pipeline["runs"], "cpu"),
        "plain_wall_s": plain_wall,
        "plain_cpu_s": median_of(plain["runs"], "cpu"),
        "ratio_to_plain": round(wall / plain_wall, 2),
        "real_time_factor": round(wall / duration, 3),
        "stages_s": stages,
        "stage_rtf": {name: round(value / duration, 4) for name, value in stages.items()},
        "vad_alone_s (inside asr)": round(vad["vad_seconds"], 2),
        "pipeline_peak_rss_mb": round(pipeline["peak_rss_mb"]),
        "rss_after_model_load_mb": round(pipeline["rss_after_load_mb"]),
        "peak_rss_after_stage_mb (first run)": {
            name: round(value)
            for name, value in pipeline["runs"][0]["peak_rss_by_stage_mb"].items()
        },
        "plain_peak_rss_mb": round(plain["peak_rss_mb"]),
        "model_load_s": round(pipeline["load_seconds"], 2),
        "speakers_found": pipeline["runs"][0]["speakers"],
        "segments": {
            "pipeline": pipeline["runs"][0]["segments"],
            "plain": plain["runs"][0]["segments"],
        },
        "runs": len(pipeline["runs"]),
    }


def plot(rows: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [row["audio_seconds"] / 60 for row in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(minutes, [row["wall_s"] for row in rows], "o-", label="wall")
    left.plot(minutes, [row["cpu_s"] for row in rows], "s--", label="CPU (user+sys)")
    left.set(xlabel="call length (min)", ylabel="time (s)", title="Time")
    left.legend()
    right.plot(minutes, [row["peak_rss_mb"] for row in rows], "o-", color="tab:red")
    right.set(xlabel="call length (min)", ylabel="peak RSS (MB)", title="Memory")
    right.set_ylim(bottom=0)
    for axis in (left, right):
        axis.grid(alpha=0.3)
    fig.suptitle("NeuronLens on 2 CPU cores: one mono Hindi call, all features")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def run_long(lengths: list[float], folder: Path, args: argparse.Namespace) -> None:
    """One mono call of exactly each length (minutes), written here and run through the whole
    pipeline in a fresh process that holds nothing but the models: its peak RSS (VmHWM) and
    the high-water mark at the end of each stage are the pipeline's own."""
    rows = []
    for minutes in lengths:
        call = build_call(minutes * 60, seed=int(minutes))
        path = folder / f"long_{minutes:g}.wav"
        mono = call.samples[:2].sum(axis=0, keepdims=True)[:, : int(minutes * 60 * 16_000)]
        write_wav(path, mono, 16_000)
        del call, mono
        result = in_child("pipeline", path, 1)
        path.unlink()
        run = result["runs"][0]
        rows.append(
            {
                "audio_seconds": round(result["duration"], 1),
                "wall_s": round(run["wall"], 1),
                "cpu_s": round(run["cpu"], 1),
                "stages_s": {k: round(v, 1) for k, v in run["stages"].items()},
                "peak_rss_mb": round(result["peak_rss_mb"]),
                "rss_after_model_load_mb": round(result["rss_after_load_mb"]),
                "peak_rss_after_stage_mb": {
                    k: round(v) for k, v in run.get("peak_rss_by_stage_mb", {}).items()
                },
                "segments": run["segments"],
                "speakers": run["speakers"],
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    rows.sort(key=lambda row: row["audio_seconds"])
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "method": (
            "bench/e2e.py --long: per length, a mono two-speaker Hindi call (bench/e2e.py's "
            "build_call, cut to the length) as a 16 kHz WAV, run once through run_pipeline with "
            "every feature in a fresh process that first loads the models; peak RSS is that "
            "process's VmHWM. Wall time depends on the machine's load; CPU time and memory less."
        ),
        "long_calls": rows,
    }
    args.long_out.parent.mkdir(parents=True, exist_ok=True)
    args.long_out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    plot(rows, args.plot)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--conditions", default="mono_16k,mono_8k,stereo_16k,stereo_8k")
    parser.add_argument("--long", default="", help="minutes, e.g. 3,15,30,60")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "e2e.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "long_calls.png")
    parser.add_argument(
        "--long-out", type=Path, default=ROOT / "bench" / "results" / "long_calls.json"
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child[0], Path(args.child[1])
        measure = {"pipeline": child_pipeline, "plain": child_plain}.get(kind)
        result = measure(path, args.runs) if measure else child_vad(path)
        print(json.dumps(result))
        return

    report: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "method": __doc__.split("\n\n", 2)[2].strip(),
        "conditions": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        if args.seconds > 0:
            files = versions(build_call(args.seconds), Path(tmp))
            for name in args.conditions.split(","):
                print(f"== {name}", file=sys.stderr)
                pipeline = in_child("pipeline", files[name], args.runs)
                plain = in_child("plain", files[name], args.runs)
                vad = in_child("vad", files[name], 1)
                report["conditions"][name] = summarise(pipeline, plain, vad)
                print(json.dumps(report["conditions"][name]), file=sys.stderr)
        if args.long:
            run_long([float(m) for m in args.long.split(",")], Path(tmp), args)
            if not args.seconds:
                return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    if not args.seconds and "conditions" in previous:
        report["conditions"] = previous["conditions"]
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
