"""`monitor`: the monitoring job, a SageMaker processing job (Model Monitor's bring-your-own-
container contract) run by the same image that trains and serves.

Contract (https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-byoc-contract-inputs.html,
.../model-monitor-byoc-contract-outputs.html, .../model-monitor-byoc-cloudwatch.html): the
job's settings are environment variables; each may also be given as `--name value`.
  dataset_source       captured data (JSON lines, plain or gzip, any folders below)
                       default /opt/ml/processing/input/endpoint
  baseline_statistics  `train`'s baseline_statistics.json
                       default /opt/ml/processing/baseline/baseline_statistics.json
  baseline_evaluation  `train`'s evaluation.json (the held-out MAE quality is judged against);
                       default /opt/ml/processing/baseline/evaluation.json, optional
  ground_truth_source  labels (merge format or trip_id CSV); default
                       /opt/ml/processing/input/groundtruth, optional
  batch_input_source, batch_output_source   a batch transform's input and output; default
                       /opt/ml/processing/input/batch/{input,output}, optional
  output_path          default /opt/ml/processing/resultdata: report.json, report.html,
                       drift.png, constraint_violations.json
  start_time, end_time ISO times: captured events outside [start, end) are skipped
  publish_cloudwatch_metrics  Enabled | Disabled (default): metrics as JSON lines in
                       metrics_path (default /opt/ml/output/metrics/cloudwatch), which the
                       service publishes; dimensions Endpoint (sagemaker_endpoint_name) and
                       MonitoringSchedule (sagemaker_monitoring_schedule_name) when set
  workers              processes sharing the capture files; default 0 = one per CPU
  thresholds           see THRESHOLDS (docs/monitoring.md says why these defaults)
Exit 0 when the report is written, whatever it finds (alerts are in the report, the
violations file and the metrics); 1 with the reason in /opt/ml/output/failure when it
cannot run (no baseline, a bad setting).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eta_model import capture, drift, jobs
from eta_model.features import FEATURES, LABEL, RANGES
from eta_model.quality import QualityJoin

PROCESSING = Path("/opt/ml/processing")
JOB_CONFIG = PROCESSING / "processingjobconfig.json"
PATHS = {
    "dataset_source": PROCESSING / "input" / "endpoint",
    "baseline_statistics": PROCESSING / "baseline" / "baseline_statistics.json",
    "baseline_evaluation": PROCESSING / "baseline" / "evaluation.json",
    "ground_truth_source": PROCESSING / "input" / "groundtruth",
    "batch_input_source": PROCESSING / "input" / "batch" / "input",
    "batch_output_source": PROCESSING / "input" / "batch" / "output",
    "output_path": PROCESSING / "resultdata",
    "metrics_path": Path("/opt/ml/output/metrics/cloudwatch"),
    "failure_path": Path("/opt/ml/output/failure"),
}
TEXT = ("start_time", "end_time", "publish_cloudwatch_metrics", "sagemaker_endpoint_name",
        "sagemaker_monitoring_schedule_name")
# name: (default, check, meaning)
THRESHOLDS = {
    "psi_warn": (0.1, lambda v: v > 0, "> 0"),
    "psi_alert": (0.25, lambda v: v > 0, "> 0 and >= psi_warn"),
    "ks_alpha": (0.01, lambda v: 0 < v < 1, "in (0, 1)"),
    "ks_min_statistic": (0.1, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "ks_min_samples": (100, lambda v: v >= 1, ">= 1"),
    "missing_tolerance": (0.02, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "out_of_range_max_share": (0.0, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "unseen_max_share": (0.01, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "bad_record_max_share": (0.01, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "mae_ratio_warn": (1.1, lambda v: v > 0, "> 0"),
    "mae_ratio_alert": (1.25, lambda v: v > 0, "> 0 and >= mae_ratio_warn"),
    "quality_min_labels": (100, lambda v: v >= 1, ">= 1"),
}
NOMINAL = frozenset({"pickup_zone", "dropoff_zone"})   # ids without order: PSI only, no KS
PREDICTION = "prediction"
CATEGORY_MIN_SHARE = 0.01   # a category smaller than this in the baseline joins the PSI's "other" bin
MAX_PLOTTED_VALUES = 40
SEVERITY = {"ok": 0, "insufficient_data": 0, "warn": 1, "alert": 2}


class MonitorError(Exception):
    """A reason the user can act on (missing baseline, bad setting); written to the failure file."""


def _job_environment() -> dict[str, str]:
    try:
        environment = json.loads(JOB_CONFIG.read_text()).get("Environment") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in environment.items()} if isinstance(environment, dict) else {}


def settings(argv: list[str], env: dict[str, str] | None = None) -> dict:
    """Env (SageMaker's contract) overridden by --name value arguments; checked before anything runs.
    The processing job's Environment map in processingjobconfig.json (where the docs say
    publish_cloudwatch_metrics is read) fills in what the process environment lacks."""
    env = {**_job_environment(), **(os.environ if env is None else env)}
    parser = argparse.ArgumentParser(prog="monitor", description="The ETA model's monitoring job.")
    for name in (*PATHS, *TEXT, "workers", *THRESHOLDS):
        parser.add_argument(f"--{name}", dest=name)
    try:
        args = vars(parser.parse_args(argv))
    except SystemExit:
        raise MonitorError(f"bad arguments {argv}; known: --{', --'.join([*PATHS, *TEXT, *THRESHOLDS])}") from None
    raw = {k: (args[k] if args[k] is not None else env.get(k)) for k in args}
    out: dict = {k: Path(raw[k]) if raw[k] else default for k, default in PATHS.items()}
    out.update({k: raw[k] or None for k in TEXT})
    try:
        out["workers"] = int(raw["workers"] or 0)
    except ValueError:
        raise MonitorError(f"workers={raw['workers']!r} is not a whole number (0 = one per CPU)") from None
    if out["workers"] < 0:
        raise MonitorError(f"workers={out['workers']} must be >= 0 (0 = one per CPU)")
    for name, (default, check, meaning) in THRESHOLDS.items():
        value = default
        if raw[name] not in (None, ""):
            try:
                value = type(default)(float(raw[name])) if isinstance(default, int) else float(raw[name])
            except ValueError:
                raise MonitorError(f"{name}={raw[name]!r} is not a number") from None
        if not check(value):
            raise MonitorError(f"{name}={value!r} must be {meaning}")
        out[name] = value
    if out["psi_alert"] < out["psi_warn"]:
        raise MonitorError(f"psi_alert={out['psi_alert']} must be >= psi_warn={out['psi_warn']}")
    if out["mae_ratio_alert"] < out["mae_ratio_warn"]:
        raise MonitorError(f"mae_ratio_alert={out['mae_ratio_alert']} must be >= mae_ratio_warn")
    publish = (out["publish_cloudwatch_metrics"] or "Disabled")
    if publish not in ("Enabled", "Disabled"):
        raise MonitorError(f"publish_cloudwatch_metrics={publish!r} must be Enabled or Disabled")
    out["publish_cloudwatch_metrics"] = publish
    for name in ("start_time", "end_time"):
        if out[name]:
            out[name] = _iso(name, out[name])
    return out


def _iso(name: str, text: str) -> str:
    """An ISO time as capture's inferenceTime spells it (UTC, milliseconds, Z), to compare as text."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise MonitorError(f"{name}={text!r} is not an ISO 8601 time") from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Column:
    """The window's streaming summary of one column against its baseline."""

    def __init__(self, name: str, base: dict) -> None:
        self.name, self.base = name, base
        self.categorical = base["kind"] == "categorical"
        if self.categorical:
            values = sorted(base["value_counts"].items(), key=lambda kv: float(kv[0]))
            self.edges = np.array([float(k) for k, _ in values])
            self.base_cells = np.zeros(2 * len(values) + 1, dtype=np.int64)
            self.base_cells[1::2] = [c for _, c in values]
            # PSI bins: each value with at least CATEGORY_MIN_SHARE of the baseline, the rest (and
            # values never seen) in one "other" bin: 263 sparse zones would otherwise give a PSI
            # of ~0.1 from sampling noise alone (see psi_noise below)
            share = self.base_cells / max(1, self.base_cells.sum())
            own = share >= CATEGORY_MIN_SHARE
            self.groups = np.where(own, np.cumsum(own) - 1, own.sum())
            self.group_labels = [*(f"{v:g}" for v in self.edges[own[1::2]]), "other"]
            self.base_psi = np.bincount(self.groups, weights=self.base_cells, minlength=own.sum() + 1)
            # The share of new traffic expected to carry a value training never saw: Good-Turing's
            # estimate of the unseen mass, the share of training rows whose value occurred once.
            # A small training set of a many-valued feature (263 zones) sees only part of them.
            counts = self.base_cells[1::2]
            self.unseen_expected = float((counts == 1).sum() / counts.sum()) if counts.sum() else 0.0
        else:
            sketch = base.get("ks_sketch")
            if sketch:
                self.edges = np.array(sketch["edges"], dtype=np.float64)
                self.base_cells = np.array(sketch["cells"], dtype=np.int64)
            else:   # an older baseline: its decile bins as open cells (a coarser KS bound)
                self.edges = np.array(base["histogram"]["edges"], dtype=np.float64)
                self.base_cells = np.zeros(2 * len(self.edges) + 1, dtype=np.int64)
                self.base_cells[2:-1:2] = base["histogram"]["counts"]
            self.hist_edges = np.array(base["histogram"]["edges"], dtype=np.float64)
            counts = np.array(base["histogram"]["counts"], dtype=np.int64)
            self.base_psi = np.concatenate([[0], counts, [0]])
            self.psi_counts = np.zeros(len(self.hist_edges) + 1, dtype=np.int64)
        self.cells = np.zeros(len(self.base_cells), dtype=np.int64)
        self.rows = self.missing = self.out_of_range = 0
        self.total = 0.0
        self.low, self.high = RANGES.get(name, (-math.inf, math.inf))

    def add(self, values: np.ndarray) -> None:
        self.rows += len(values)
        present = values[~np.isnan(values)]
        self.missing += len(values) - len(present)
        self.out_of_range += int(np.count_nonzero((present < self.low) | (present > self.high)))
        present = present[np.isfinite(present)]
        self.total += float(present.sum())
        self.cells += drift.cell_counts(self.edges, present)
        if not self.categorical:
            self.psi_counts += drift.psi_bins(self.hist_edges, present)

    def merge(self, other: Column) -> None:
        self.cells += other.cells
        if not self.categorical:
            self.psi_counts += other.psi_counts
        self.rows += other.rows
        self.missing += other.missing
        self.out_of_range += other.out_of_range
        self.total += other.total

    def result(self, t: dict) -> dict:
        present = self.rows - self.missing
        if self.categorical:
            unseen = int(self.cells[0::2].sum())
            window_psi = np.bincount(self.groups, weights=self.cells, minlength=len(self.base_psi))
        else:
            unseen = None
            window_psi = self.psi_counts
        psi = drift.psi(self.base_psi, window_psi)
        bins, nb, nw = len(self.base_psi), self.base_psi.sum(), window_psi.sum()
        out = {"kind": self.base["kind"], "rows": self.rows, "missing": self.missing,
               "missing_share": self.missing / self.rows if self.rows else math.nan,
               "baseline_missing_share": self.base.get("missing_share", 0.0),
               "out_of_range": self.out_of_range, "range": [self.low, self.high] if self.name in RANGES else None,
               "mean": self.total / present if present else math.nan, "baseline_mean": self.base.get("mean"),
               "psi": psi, "psi_verdict": _level(psi, t["psi_warn"], t["psi_alert"], present > 0),
               # what PSI is expected from sampling alone when nothing drifted: (bins - 1)(1/n + 1/m)
               "psi_noise": (bins - 1) * (1 / nb + 1 / nw) if nb and nw else math.nan,
               "distribution": self.distribution()}
        if unseen is not None:
            out["unseen"] = unseen
            out["unseen_share"] = unseen / present if present else math.nan
            # Allowed: the configured share, or Good-Turing's expectation plus three standard
            # errors of a window this size, whichever is larger.
            e = self.unseen_expected
            out["unseen_expected_share"] = e
            out["unseen_limit"] = max(t["unseen_max_share"], e + 3 * math.sqrt(e * (1 - e) / present)) if present \
                else t["unseen_max_share"]
        if self.name in NOMINAL:
            out["ks"] = None
            out["ks_note"] = "zone ids have no order: PSI only"
        else:
            d, bound = drift.ks_from_cells(self.base_cells, self.cells)
            n_base, n_win = int(self.base_cells.sum()), int(self.cells.sum())
            p = drift.ks_pvalue(d, n_base, n_win)
            if n_win < t["ks_min_samples"] or math.isnan(d):
                verdict = "insufficient_data"
            elif p < t["ks_alpha"] and d >= t["ks_min_statistic"]:
                verdict = "alert"
            else:
                verdict = "ok"
            out["ks"] = {"statistic": d, "statistic_error_bound": bound, "p_value": p,
                         "baseline_n": n_base, "window_n": n_win, "verdict": verdict}
        return out

    def distribution(self) -> dict:
        """Baseline and window shares per bin, for the report's plots."""
        if self.categorical and len(self.edges) <= MAX_PLOTTED_VALUES:
            b, w = self.base_cells[1::2], self.cells[1::2]
            return {"labels": [f"{v:g}" for v in self.edges], "baseline": _share(b), "window": _share(w)}
        if self.categorical:
            w = np.bincount(self.groups, weights=self.cells, minlength=len(self.base_psi))
            return {"labels": self.group_labels, "baseline": _share(self.base_psi), "window": _share(w)}
        labels = ["< min", *(f"{_num(a)}-{_num(b)}" for a, b in zip(self.hist_edges[:-1], self.hist_edges[1:],
                                                                      strict=True)), "> max"]
        return {"labels": labels, "baseline": _share(self.base_psi), "window": _share(self.psi_counts)}


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2g}"


def _share(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    return (counts / total).tolist() if total else [0.0] * len(counts)


def _level(value: float, warn: float, alert: float, enough: bool = True) -> str:
    if not enough or value is None or math.isnan(value):
        return "insufficient_data"
    return "alert" if value >= alert else "warn" if value >= warn else "ok"


def load_baseline(path: Path) -> dict:
    if not path.is_file():
        raise MonitorError(f"baseline_statistics: {path} does not exist (train writes baseline_statistics.json "
                           "beside the model)")
    try:
        doc = json.loads(path.read_text())
        cols = doc["features"]
        missing = [f for f in FEATURES if f not in cols]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise MonitorError(f"baseline_statistics: {path} is not train's baseline statistics ({err})") from None
    if missing:
        raise MonitorError(f"baseline_statistics: {path} lacks feature(s) {missing}")
    return doc


def baseline_mae(path: Path) -> float | None:
    if not path.is_file():
        return None
    try:
        return float(json.loads(path.read_text())["regression_metrics"]["mae"]["value"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise MonitorError(f"baseline_evaluation: {path} is not train's evaluation.json ({err})") from None


class Scan:
    """Everything the window adds up to; scans of disjoint files merge into one."""

    def __init__(self, base: dict, keys: np.ndarray, labels: np.ndarray) -> None:
        self.columns = {f: Column(f, base["features"][f]) for f in FEATURES}
        # older baselines have no predictions: the label's distribution stands in
        self.prediction = Column(PREDICTION, base.get(PREDICTION) or base["features"][LABEL])
        self.join = QualityJoin(keys, labels)
        self.problems, self.counts, self.rows = capture.Problems(), Counter(), 0

    def consume(self, chunks) -> None:
        for chunk in chunks:
            self.rows += len(chunk.predictions)
            for i, f in enumerate(FEATURES):
                self.columns[f].add(chunk.x[:, i])
            self.prediction.add(chunk.predictions)
            self.join.add(chunk.keys, chunk.predictions)

    def merge(self, other: Scan) -> None:
        for f, col in self.columns.items():
            col.merge(other.columns[f])
        self.prediction.merge(other.prediction)
        self.join.merge(other.join)
        self.problems.merge(other.problems)
        self.counts.update(other.counts)
        self.rows += other.rows


_FORKED: dict = {}   # what the worker processes inherit (fork): the settings, baseline and labels


def _scan_files(files: list[Path]) -> Scan:
    cfg, base, keys, labels = (_FORKED[k] for k in ("cfg", "base", "keys", "labels"))
    scan = Scan(base, keys, labels)
    scan.consume(capture.read_capture(files, scan.problems, scan.counts, cfg["start_time"], cfg["end_time"]))
    return scan


def analyse(cfg: dict) -> dict:
    """Stream every input once; returns the report (a dict ready for JSON). Capture files are
    shared out among `workers` processes (each streams its own files into its own counts,
    which are then added up), so a 2-vCPU processing instance uses both."""
    started = time.monotonic()
    base = load_baseline(cfg["baseline_statistics"])
    ref_mae = baseline_mae(cfg["baseline_evaluation"])
    problems, counts = capture.Problems(), Counter()
    keys, labels = capture.read_ground_truth(cfg["ground_truth_source"], problems, counts)
    scan = Scan(base, keys, labels)
    scan.problems.merge(problems)
    scan.counts.update(counts)
    files = capture.files_under(cfg["dataset_source"])
    workers = min(cfg["workers"] or len(os.sched_getaffinity(0)), len(files))
    if workers > 1:
        _FORKED.update(cfg=cfg, base=base, keys=keys, labels=labels)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for part in pool.map(_scan_files, [files[i::workers] for i in range(workers)]):
                    scan.merge(part)
        finally:
            _FORKED.clear()
    else:
        scan.consume(capture.read_capture(files, scan.problems, scan.counts, cfg["start_time"], cfg["end_time"]))
    scan.consume(capture.read_batch(cfg["batch_input_source"], cfg["batch_output_source"], scan.problems,
                                    scan.counts))
    return build_report(cfg, base, ref_mae, scan.columns, scan.prediction, scan.join, scan.problems, scan.counts,
                        scan.rows, "prediction" if PREDICTION in base else "label", time.monotonic() - started)


def build_report(cfg, base, ref_mae, columns, prediction, join, problems, counts, rows, pred_ref, seconds) -> dict:
    t = {k: cfg[k] for k in THRESHOLDS}
    features = {f: c.result(t) for f, c in columns.items()}
    violations = []
    for f, r in features.items():
        present = r["rows"] - r["missing"]
        if r["rows"] and r["missing_share"] > r["baseline_missing_share"] + t["missing_tolerance"]:
            violations.append(_violation(f, "missing", r["missing"], f"{r['missing_share']:.2%} missing; baseline "
                                         f"{r['baseline_missing_share']:.2%} + tolerance {t['missing_tolerance']:.2%}"))
        if present and r["out_of_range"] / present > t["out_of_range_max_share"]:
            violations.append(_violation(f, "out_of_range", r["out_of_range"],
                                         f"{r['out_of_range']} value(s) outside {r['range'][0]:g}-{r['range'][1]:g}"))
        if r.get("unseen") and r["unseen_share"] > r["unseen_limit"]:
            violations.append(_violation(f, "unseen_values", r["unseen"], f"{r['unseen_share']:.2%} of values never "
                                         f"seen in training (max {r['unseen_limit']:.2%}: unseen_max_share, or "
                                         f"{r['unseen_expected_share']:.2%} expected from training's values seen "
                                         f"once, plus sampling noise)"))
    lines = counts["capture_lines"] + counts["batch_rows"]
    bad_share = problems.total / lines if lines else 0.0
    if bad_share > t["bad_record_max_share"]:
        violations.append(_violation("*", "unreadable_records", problems.total,
                                     f"{bad_share:.2%} of records unreadable (max {t['bad_record_max_share']:.2%})"))
    pred = prediction.result(t)
    pred["compared_to"] = f"the baseline's {pred_ref} distribution"
    pred["mean_shift"] = (pred["mean"] / pred["baseline_mean"] - 1) if pred["baseline_mean"] and \
        not math.isnan(pred["mean"]) else math.nan
    quality = join.result()
    quality["baseline_mae"] = ref_mae
    quality["mae_ratio"] = quality["mae"] / ref_mae if ref_mae else math.nan
    quality["verdict"] = ("insufficient_data" if quality["rows_labelled"] < t["quality_min_labels"] or not ref_mae
                          else _level(quality["mae_ratio"], t["mae_ratio_warn"], t["mae_ratio_alert"]))
    checks = {f"drift_psi:{f}": r["psi_verdict"] for f, r in features.items()}
    checks.update({f"drift_ks:{f}": r["ks"]["verdict"] for f, r in features.items() if r["ks"]})
    checks.update({"prediction_psi": pred["psi_verdict"], "prediction_ks": pred["ks"]["verdict"],
                   "data_quality": "alert" if violations else ("ok" if rows else "insufficient_data"),
                   "model_quality": quality["verdict"]})
    verdict = max(checks.values(), key=lambda v: SEVERITY[v]) if rows else "insufficient_data"
    if verdict == "ok" and all(v == "insufficient_data" for v in checks.values()):
        verdict = "insufficient_data"
    return {
        "version": 1,
        "verdict": verdict,
        "checks": checks,
        "window": {"start_time": cfg["start_time"], "end_time": cfg["end_time"], "rows": rows,
                   "counts": dict(sorted(counts.items())), "unreadable": problems.as_dict()},
        "thresholds": t,
        "features": features,
        "prediction_shift": pred,
        "model_quality": quality,
        "violations": violations,
        "baseline": {"rows": base.get("rows"), "file": str(cfg["baseline_statistics"])},
        "seconds": round(seconds, 2),
    }


def _violation(feature: str, check: str, count: int, description: str) -> dict:
    return {"feature_name": feature, "constraint_check_type": check, "count": int(count), "description": description}


def metrics(report: dict, cfg: dict) -> list[dict]:
    """CloudWatch metric data (PutMetricData's shape) for the report; NaN values are left out."""
    when = (cfg["end_time"] or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"))[:19] + "Z"
    dims = [{"Name": n, "Value": cfg[k]} for n, k in (("Endpoint", "sagemaker_endpoint_name"),
                                                        ("MonitoringSchedule", "sagemaker_monitoring_schedule_name"))
            if cfg[k]]
    q, p = report["model_quality"], report["prediction_shift"]
    values = [(f"feature_psi_{f}", r["psi"], "None") for f, r in report["features"].items()]
    values += [(f"feature_ks_{f}", r["ks"]["statistic"], "None") for f, r in report["features"].items() if r["ks"]]
    values += [("prediction_psi", p["psi"], "None"), ("prediction_ks", p["ks"]["statistic"], "None"),
               ("prediction_mean_shift", p["mean_shift"], "None"),
               ("records", report["window"]["rows"], "Count"),
               ("unreadable_records", report["window"]["unreadable"]["total"], "Count"),
               ("data_quality_violations", len(report["violations"]), "Count"),
               ("drift_alerts", sum(v == "alert" for k, v in report["checks"].items() if k.startswith("drift")),
                "Count"),
               ("model_mae", q["mae"], "Seconds"), ("model_p90_absolute_error", q["p90_absolute_error"], "Seconds"),
               ("model_bias", q["bias"], "Seconds"), ("label_coverage", q["label_coverage"], "None"),
               ("monitor_verdict", SEVERITY[report["verdict"]], "None")]
    return [{"MetricName": name, "Timestamp": when, "Dimensions": dims, "Value": float(value), "Unit": unit}
            for name, value, unit in values if value is not None and not math.isnan(value)]


def _clean(obj):
    """NaN -> null, so report.json is strict JSON."""
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_outputs(report: dict, cfg: dict) -> list[Path]:
    from eta_model import report as render  # matplotlib: loaded only to write the report

    out = cfg["output_path"]
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.json", out / "constraint_violations.json", out / "drift.png", out / "report.html"]
    written[0].write_text(json.dumps(_clean(report), indent=2, sort_keys=True) + "\n")
    written[1].write_text(json.dumps({"violations": report["violations"]}, indent=2) + "\n")
    png = render.drift_png(report)
    written[2].write_bytes(png)
    written[3].write_text(render.html(report, png))
    if cfg["publish_cloudwatch_metrics"] == "Enabled":
        cfg["metrics_path"].mkdir(parents=True, exist_ok=True)
        path = cfg["metrics_path"] / "metrics.json"
        path.write_text("".join(json.dumps(m) + "\n" for m in metrics(report, cfg)))
        written.append(path)
    return written


def main(argv: list[str] | None = None, env: dict[str, str] | None = None) -> int:
    argv = sys.argv[2:] if argv is None else argv
    given = argv[argv.index("--failure_path") + 1] if "--failure_path" in argv[:-1] else \
        (os.environ if env is None else env).get("failure_path")

    def work() -> str:
        cfg = settings(argv, env)
        report = analyse(cfg)
        write_outputs(report, cfg)
        return json.dumps(_clean({"verdict": report["verdict"], "rows": report["window"]["rows"],
                                  "unreadable": report["window"]["unreadable"]["total"],
                                  "violations": len(report["violations"]), "mae": report["model_quality"]["mae"],
                                  "seconds": report["seconds"]}))

    # the failure file is known before the other settings are checked
    return jobs.run(work, (MonitorError,), Path(given) if given else PATHS["failure_path"], "monitor")
