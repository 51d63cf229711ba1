#!/usr/bin/env python3
"""Benchmark: the monitoring job against a naive pandas implementation of the same statistics.

The data is made the way production makes it: a model trained by the image's `train` on
20,000 generated trips; windows of the same city with some drift (generator drift=0.3)
through the Lambda's transform, predicted by that model, written as SageMaker data-capture
JSON lines (8 files, 7 gzip) with merge-format ground truth for 80% of the events. Windows
are cached under .state/monitoring/bench/ (the 1M-record one takes about a minute to make).

For each window size, each implementation runs in its own fresh Python process, so the
time (wall, whole run including reading and writing) and peak RSS (getrusage ru_maxrss
of that process plus that of its largest child: ours forks one worker per CPU) do not mix:
  ours   `monitor` (eta_model.monitor.main): streams 20,000-row chunks through fixed cell
         and bin counts; also writes the HTML/PNG report
  naive  pandas: read_json(lines=True) of every file, json_normalize, read_csv of the
         captured rows, value_counts / cut / isin / merge on the whole window, np.sort for
         the KS CDF, np.quantile for p90; same baseline, same bins, same PSI/KS formulas
Both report the same statistics; the bench prints the largest difference between them.
Goal (issue 14): ours >= 3x faster over 1M records, and peak memory flat in window size.

    python bench/bench_monitoring.py                  # 250k and 1M records
    python bench/bench_monitoring.py --sizes 20000 100000   # a quick look
    python bench/bench_monitoring.py --figure docs/images/drift_report.png
        # the docs' picture: the monitor's drift.png for 20,000 trips of the generator's drift=1
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "files" / "model_image"))
import build_context  # noqa: E402

CACHE = ROOT / ".state" / "monitoring" / "bench"
SEED, TRAIN_ROWS, DRIFT, LABELLED = 3, 20_000, 0.3, 0.8


def _image_libs() -> None:
    """The image's own libraries (numpy, scipy, matplotlib), after the venv's: pandas stays the venv's."""
    sys.path.append(str(build_context.unpacked_site()))


def prepare(sizes: list[int]) -> Path:
    _image_libs()
    import sample_capture
    import sample_data
    from eta_model import train

    model_root = CACHE / "model"
    if not (model_root / "model" / "baseline_statistics.json").exists():
        print(f"training the bench model on {TRAIN_ROWS} trips ...", file=sys.stderr)
        sample_data.write_channel(model_root / "input" / "data" / "train", rows=TRAIN_ROWS, seed=SEED, parts=2)
        (model_root / "input" / "config").mkdir(parents=True, exist_ok=True)
        (model_root / "input" / "config" / "hyperparameters.json").write_text('{"max_iter": "150"}')
        if train.main(model_root) != 0:
            raise SystemExit("bench: training failed")
    for size in sizes:
        window = CACHE / f"window-{size}"
        if not (window / ".complete").exists():
            print(f"writing a {size:,}-record capture window ...", file=sys.stderr)
            sample_capture.write_window(window / "capture", model_root / "model", rows=size, seed=SEED,
                                        skip=TRAIN_ROWS, drift=DRIFT, files=8, labelled=LABELLED,
                                        ground_truth=window / "labels")
            (window / ".complete").touch()
    return model_root / "model"


def run_ours(window: Path, model: Path, out: Path) -> dict:
    from eta_model import monitor

    argv = ["--dataset_source", str(window / "capture"), "--ground_truth_source", str(window / "labels"),
            "--baseline_statistics", str(model / "baseline_statistics.json"),
            "--baseline_evaluation", str(model / "evaluation.json"), "--output_path", str(out),
            "--batch_input_source", str(out / "none"), "--batch_output_source", str(out / "none"),
            "--failure_path", str(out / "failure")]
    if monitor.main(argv, env={}) != 0:
        raise SystemExit((out / "failure").read_text())
    report = json.loads((out / "report.json").read_text())
    return {"rows": report["window"]["rows"], **_summary(report["features"], report["prediction_shift"],
                                                         report["model_quality"])}


def _summary(features: dict, prediction: dict, quality: dict) -> dict:
    return {"psi": {k: v["psi"] for k, v in [*features.items(), ("prediction", prediction)]},
            "ks": {k: v["ks"]["statistic"] for k, v in [*features.items(), ("prediction", prediction)] if v["ks"]},
            "mae": quality["mae"], "bias": quality["bias"], "p90": quality["p90_absolute_error"],
            "labelled": quality["rows_labelled"]}


def run_naive(window: Path, model: Path) -> dict:
    import numpy as np
    import pandas as pd
    from eta_model import drift
    from eta_model.features import FEATURES, PROCESSED_LAYOUT, RANGES
    from eta_model.monitor import CATEGORY_MIN_SHARE, NOMINAL

    base = json.loads((model / "baseline_statistics.json").read_text())
    files = sorted(p for p in (window / "capture").rglob("*") if p.is_file())
    raw = pd.concat([pd.read_json(p, lines=True, compression="gzip" if p.suffix == ".gz" else None) for p in files],
                    ignore_index=True)
    cap = pd.json_normalize(raw["captureData"].tolist())
    meta = pd.json_normalize(raw["eventMetadata"].tolist())
    rows = pd.read_csv(io.StringIO("\n".join(cap["endpointInput.data"])), header=None, names=PROCESSED_LAYOUT)
    rows["prediction"] = cap["endpointOutput.data"].map(lambda s: json.loads(s)["predictions"][0])
    rows["eventId"] = meta["eventId"]
    gt = pd.read_json(window / "labels" / "labels.jsonl", lines=True)
    labels = pd.DataFrame({"eventId": gt["eventMetadata"].map(lambda m: m["eventId"]),
                           "label": gt["groundTruthData"].map(lambda d: float(d["data"]))})

    def numeric(col: pd.Series, stats: dict) -> dict:
        hist = np.array(stats["histogram"]["edges"])
        present = col.dropna()
        binned = pd.cut(present, bins=[-np.inf, *hist[:-1], np.nextafter(hist[-1], np.inf), np.inf], right=False)
        counts = binned.value_counts(sort=False).to_numpy()
        psi = drift.psi(np.concatenate([[0], stats["histogram"]["counts"], [0]]), counts)
        edges = np.array(stats["ks_sketch"]["edges"])
        ordered = np.sort(present.to_numpy())
        below = np.searchsorted(ordered, edges, "left")
        upto = np.searchsorted(ordered, edges, "right")
        cells = np.diff(np.concatenate([[0], np.column_stack([below, upto]).ravel(), [len(ordered)]]))
        d, _ = drift.ks_from_cells(np.array(stats["ks_sketch"]["cells"]), cells)
        return {"psi": psi, "ks": {"statistic": d}}

    def categorical(col: pd.Series, stats: dict, name: str) -> dict:
        counts = col.dropna().value_counts()
        keys = sorted(stats["value_counts"], key=float)
        base_counts = np.array([stats["value_counts"][k] for k in keys])
        own = base_counts / base_counts.sum() >= CATEGORY_MIN_SHARE
        window = np.array([counts.get(float(k), 0) for k in keys])
        other = len(col.dropna()) - window.sum()
        psi = drift.psi(np.append(base_counts[own], base_counts[~own].sum()),
                        np.append(window[own], window[~own].sum() + other))
        out = {"psi": psi, "ks": None, "unseen": int((~col.dropna().isin([float(k) for k in keys])).sum())}
        if name not in NOMINAL:
            cells = np.zeros(2 * len(keys) + 1)
            cells[1::2] = window
            cells[0] = other   # where unseen values sit does not matter here: none in these windows
            base_cells = np.zeros(2 * len(keys) + 1)
            base_cells[1::2] = base_counts
            out["ks"] = {"statistic": drift.ks_from_cells(base_cells, cells)[0]}
        return out

    features = {}
    for name in FEATURES:
        col, stats = rows[name].astype(float), base["features"][name]
        r = categorical(col, stats, name) if stats["kind"] == "categorical" else numeric(col, stats)
        lo, hi = RANGES[name]
        r.update(missing=int(col.isna().sum()), out_of_range=int(((col < lo) | (col > hi)).sum()))
        features[name] = r
    prediction = numeric(rows["prediction"], base["prediction"])
    joined = rows[["eventId", "prediction"]].merge(labels.drop_duplicates("eventId", keep="last"), on="eventId")
    err = joined["prediction"] - joined["label"]
    quality = {"mae": float(err.abs().mean()), "bias": float(err.mean()),
               "p90_absolute_error": float(np.quantile(err.abs(), 0.9)), "rows_labelled": len(joined)}
    return {"rows": len(rows), **_summary(features, prediction, quality)}


def child(kind: str, window: Path, model: Path, out: Path) -> None:
    began = time.perf_counter()
    _image_libs()
    result = run_ours(window, model, out) if kind == "ours" else run_naive(window, model)
    seconds = time.perf_counter() - began
    # the process's own peak plus its largest worker's (ours forks one per CPU): an upper
    # bound of what was resident at once
    peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
               + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb, **result}))


def measure(kind: str, window: Path, model: Path) -> dict:
    out = CACHE / "out" / f"{kind}-{window.name}"
    # bytecode kept (in one cache folder), as the image's is compiled at build: a run then
    # measures the job, not compiling matplotlib and scipy
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--window", str(window), "--model", str(model),
                           "--out", str(out)], capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"bench: {kind} on {window.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def largest_difference(a: dict, b: dict) -> float:
    diffs = [abs(a[s][k] - b[s][k]) for s in ("psi", "ks") for k in a[s]]
    return max(diffs)


def figure(path: Path) -> None:
    """The monitor's own drift.png for a window of the generator's full drift (drift=1)."""
    model = prepare([])
    import shutil

    import sample_capture

    window = CACHE / "figure"
    shutil.rmtree(window, ignore_errors=True)
    sample_capture.write_window(window / "capture", model, rows=20_000, seed=SEED, skip=TRAIN_ROWS, drift=1.0,
                                files=2, labelled=LABELLED, ground_truth=window / "labels")
    run_ours(window, model, window / "out")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(window / "out" / "drift.png", path)
    print(f"wrote {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--child", choices=("ours", "naive"))
    parser.add_argument("--window", type=Path)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--figure", type=Path, help="write the docs' drift report PNG here and stop")
    args = parser.parse_args()
    if args.figure:
        figure(args.figure)
        return 0
    if args.child:
        child(args.child, args.window, args.model, args.out)
        return 0
    model = prepare(args.sizes)
    results = {}
    for kind in ("ours", "naive"):   # warm-up: writes the bytecode cache, fills the page cache
        measure(kind, CACHE / f"window-{min(args.sizes)}", model)
    for size in args.sizes:
        window = CACHE / f"window-{size}"
        results[size] = {kind: measure(kind, window, model) for kind in ("ours", "naive")}
    print(f"\nmonitoring job: ours (streamed) vs naive pandas, same statistics, drift={DRIFT}, "
          f"{LABELLED:.0%} labelled; each run its own process\n")
    print(f"{'records':>10} | {'ours s':>8} {'naive s':>8} {'speed-up':>8} | {'ours MB':>8} {'naive MB':>9} "
          f"{'ratio':>6} | max |PSI/KS diff|  MAE ours/naive")
    for size, r in results.items():
        o, n = r["ours"], r["naive"]
        assert o["rows"] == n["rows"] == size and o["labelled"] == n["labelled"], (o, n)
        print(f"{size:>10,} | {o['seconds']:>8.1f} {n['seconds']:>8.1f} {n['seconds'] / o['seconds']:>7.1f}x | "
              f"{o['peak_rss_mb']:>8.0f} {n['peak_rss_mb']:>9.0f} {n['peak_rss_mb'] / o['peak_rss_mb']:>5.1f}x | "
              f"{largest_difference(o, n):>17.2e}  {o['mae']:.2f}/{n['mae']:.2f}")
    small, large = min(results), max(results)
    growth = results[large]["ours"]["peak_rss_mb"] / results[small]["ours"]["peak_rss_mb"]
    growth_naive = results[large]["naive"]["peak_rss_mb"] / results[small]["naive"]["peak_rss_mb"]
    print(f"\npeak RSS from {small:,} to {large:,} records ({large / small:.0f}x the window): ours x{growth:.2f}, "
          f"naive x{growth_naive:.2f}")
    speed = results[large]["naive"]["seconds"] / results[large]["ours"]["seconds"]
    print(f"goal: >= 3x faster at {large:,} records: {speed:.1f}x ({'met' if speed >= 3 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
