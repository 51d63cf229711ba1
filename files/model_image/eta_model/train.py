"""`train`: SageMaker's training contract.

Reads every file of the channel `/opt/ml/input/data/<channel>` (CSV with a header, plain
or gzip, any number of files: the Lambda's processed records.csv) and the hyperparameters
`/opt/ml/input/config/hyperparameters.json` (SageMaker passes every value as a string).
Fits a gradient-boosted tree regressor for `duration_s`, judges it on a held-out split
(the latest trips) against a stated baseline, and writes to `/opt/ml/model`:
  model.npz                 the trees as arrays: what `serve` loads
  model.json                features, label, hyperparameters, versions
  evaluation.json           held-out metrics of the model and of the baseline, and whether it beats it
  baseline_statistics.json  the training split's per-feature statistics, for drift monitoring
  sklearn_estimator.joblib  the fitted scikit-learn estimator, for notebooks (serve never unpickles)
On any failure: the reason in `/opt/ml/output/failure`, exit status 1.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eta_model import stats, trees
from eta_model.features import FEATURES, LABEL, TIME_COLUMN

ROOT = Path(os.environ.get("ETA_OPT_ML", "/opt/ml"))   # overridable for tests outside a container
# name: (parse, default, check, what the check means)
HYPERPARAMETERS = {
    "channel": (str, "train", lambda v: v.isidentifier() or v.replace("-", "_").isidentifier(), "a channel name"),
    "max_iter": (int, 300, lambda v: 1 <= v <= 5000, "1-5000"),
    "learning_rate": (float, 0.1, lambda v: 0 < v <= 1, "in (0, 1]"),
    "max_leaf_nodes": (int, 31, lambda v: 2 <= v <= 1024, "2-1024"),
    "max_depth": (int, 8, lambda v: 1 <= v <= 32, "1-32"),
    "min_samples_leaf": (int, 20, lambda v: v >= 1, ">= 1"),
    "l2_regularization": (float, 0.0, lambda v: v >= 0, ">= 0"),
    "loss": (str, "squared_error", lambda v: v in ("squared_error", "absolute_error"),
             "squared_error or absolute_error"),
    "early_stopping": (str, "true", lambda v: v in ("true", "false"), "true or false"),
    "holdout_fraction": (float, 0.2, lambda v: 0.05 <= v <= 0.5, "0.05-0.5"),
    "baseline_min_trips": (int, 5, lambda v: v >= 1, ">= 1"),
    "random_state": (int, 42, lambda v: v >= 0, ">= 0"),
}


class TrainingError(Exception):
    """A reason the user can act on (bad data, bad hyperparameter); written to the failure file."""


@dataclass
class Dataset:
    x: np.ndarray          # float64 [rows, features], NaN = missing
    y: np.ndarray          # float64 [rows]
    order: np.ndarray | None  # pickup time text per row, to split on; None when absent
    files: int


def hyperparameters(raw: dict) -> dict:
    out = {}
    unknown = sorted(k for k in raw if k not in HYPERPARAMETERS and not k.startswith("sagemaker_"))
    if unknown:
        raise TrainingError(f"unknown hyperparameter(s) {unknown}; known: {sorted(HYPERPARAMETERS)}")
    for name, (parse, default, check, meaning) in HYPERPARAMETERS.items():
        value = raw.get(name, default)
        try:
            value = parse(str(value).strip()) if name in raw else default
        except ValueError:
            raise TrainingError(f"hyperparameter {name}={raw[name]!r} is not a {parse.__name__}") from None
        if not check(value):
            raise TrainingError(f"hyperparameter {name}={value!r} must be {meaning}")
        out[name] = value
    return out


def _number(text: str, where: str, column: str) -> float:
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise TrainingError(f"{where}: column {column} is {text!r}, not a number") from None
    if not math.isfinite(value):
        raise TrainingError(f"{where}: column {column} is {text!r}, not a finite number")
    return value


def read_channel(channel_dir: Path) -> Dataset:
    if not channel_dir.is_dir():
        raise TrainingError(f"channel directory {channel_dir} does not exist: was the input channel configured?")
    files = sorted(p for p in channel_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise TrainingError(f"channel directory {channel_dir} has no files")
    xs, ys, times = [], [], []
    with_time = True
    wanted = (*FEATURES, LABEL)
    for path in files:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as err:
                raise TrainingError(f"{path}: not a readable gzip file ({err})") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise TrainingError(f"{path}: not UTF-8 text (byte {err.start})") from None
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if header is None:
            continue  # an empty part file: a normal output of a batch with no valid rows
        header = [h.strip() for h in header]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise TrainingError(f"{path}: header lacks column(s) {missing} (header: {header[:20]})")
        cols = [header.index(c) for c in wanted]
        tcol = header.index(TIME_COLUMN) if TIME_COLUMN in header else None
        with_time &= tcol is not None
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise TrainingError(f"{path}, line {line_no}: {len(row)} fields, the header has {len(header)}")
            where = f"{path}, line {line_no}"
            values = [_number(row[i].strip(), where, c) for i, c in zip(cols, wanted, strict=True)]
            if math.isnan(values[-1]):
                raise TrainingError(f"{where}: the label {LABEL} is empty")
            xs.append(values[:-1])
            ys.append(values[-1])
            times.append(row[tcol] if tcol is not None else "")
    if not ys:
        raise TrainingError(f"channel directory {channel_dir}: {len(files)} file(s) but no data rows")
    return Dataset(x=np.array(xs, dtype=np.float64), y=np.array(ys, dtype=np.float64),
                   order=np.array(times) if with_time else None, files=len(files))


def split(data: Dataset, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Indices of the training and held-out rows: the latest trips when times are known."""
    n = len(data.y)
    if data.order is not None:
        order = np.argsort(data.order, kind="stable")
        how = f"time: the latest {fraction:.0%} of trips by {TIME_COLUMN}"
    else:
        order = np.random.default_rng(seed).permutation(n)
        how = f"random: {fraction:.0%} of trips (no {TIME_COLUMN} column)"
    cut = n - max(1, round(n * fraction))
    if cut < 50:
        raise TrainingError(f"{n} rows are too few to train and hold out {fraction:.0%} (need at least 50 to train)")
    return order[:cut], order[cut:], how


class ZonePairSpeed:
    """The stated baseline: median speed per (pickup, dropoff) zone pair, from the training
    split; pairs with fewer than `min_trips` trips use the overall median speed."""

    name = "median speed per pickup/dropoff zone pair"

    def __init__(self, x: np.ndarray, y: np.ndarray, min_trips: int) -> None:
        pz, dz, dist = (x[:, FEATURES.index(c)] for c in ("pickup_zone", "dropoff_zone", "trip_distance_m"))
        ok = ~(np.isnan(pz) | np.isnan(dz) | np.isnan(dist))
        speed = dist[ok] / y[ok]
        self.overall = float(np.median(speed))
        keys = pz[ok].astype(np.int64) * 1000 + dz[ok].astype(np.int64)
        order = np.lexsort((speed, keys))
        keys, speed = keys[order], speed[order]
        uniq, start, count = np.unique(keys, return_index=True, return_counts=True)
        keep = count >= min_trips
        lo = start + (count - 1) // 2
        hi = start + count // 2
        self.pairs = dict(zip(uniq[keep].tolist(), ((speed[lo] + speed[hi]) / 2)[keep].tolist(), strict=True))
        self.min_trips = min_trips

    def predict(self, x: np.ndarray) -> np.ndarray:
        pz, dz, dist = (x[:, FEATURES.index(c)] for c in ("pickup_zone", "dropoff_zone", "trip_distance_m"))
        keys = np.nan_to_num(pz, nan=0).astype(np.int64) * 1000 + np.nan_to_num(dz, nan=0).astype(np.int64)
        speed = np.array([self.pairs.get(k, self.overall) for k in keys.tolist()])
        return np.where(np.isnan(dist), dist, dist / speed)


def metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    err = pred - y
    ok = ~np.isnan(err)
    err, y_ok = err[ok], y[ok]
    mse = float(np.mean(err ** 2))
    return {"mae": {"value": float(np.mean(np.abs(err)))},
            "rmse": {"value": math.sqrt(mse)},
            "mse": {"value": mse},
            "r2": {"value": 1 - mse / float(np.var(y_ok))},
            "mape": {"value": float(np.mean(np.abs(err) / y_ok))},
            "p90_absolute_error": {"value": float(np.quantile(np.abs(err), 0.9))},
            "rows_predicted": int(ok.sum())}


def fit(x: np.ndarray, y: np.ndarray, hp: dict):
    from sklearn.ensemble import HistGradientBoostingRegressor  # only training needs scikit-learn

    model = HistGradientBoostingRegressor(
        loss=hp["loss"], learning_rate=hp["learning_rate"], max_iter=hp["max_iter"],
        max_leaf_nodes=hp["max_leaf_nodes"], max_depth=hp["max_depth"], min_samples_leaf=hp["min_samples_leaf"],
        l2_regularization=hp["l2_regularization"], early_stopping=hp["early_stopping"] == "true",
        validation_fraction=0.1, n_iter_no_change=10, random_state=hp["random_state"])
    return model.fit(x, y)


def run(root: Path = ROOT) -> dict:
    """Train from root/input, write root/model; returns the evaluation report."""
    started = time.monotonic()
    hp_file = root / "input" / "config" / "hyperparameters.json"
    try:
        raw = json.loads(hp_file.read_text()) if hp_file.exists() else {}
    except json.JSONDecodeError as err:
        raise TrainingError(f"{hp_file} is not JSON: {err}") from None
    if not isinstance(raw, dict):
        raise TrainingError(f"{hp_file} must hold a JSON object")
    hp = hyperparameters(raw)
    data = read_channel(root / "input" / "data" / hp["channel"])
    train_idx, test_idx, how = split(data, hp["holdout_fraction"], hp["random_state"])
    x_train, y_train, x_test, y_test = data.x[train_idx], data.y[train_idx], data.x[test_idx], data.y[test_idx]
    estimator = fit(x_train, y_train, hp)
    exported = trees.export(estimator, FEATURES)
    predicted = exported.predict(x_test)
    baseline = ZonePairSpeed(x_train, y_train, hp["baseline_min_trips"])
    ours, theirs = metrics(y_test, predicted), metrics(y_test, baseline.predict(x_test))
    report = {
        "regression_metrics": ours,
        "baseline": {"name": baseline.name, "min_trips_per_pair": baseline.min_trips,
                     "pairs_with_own_median": len(baseline.pairs), "regression_metrics": theirs},
        "beats_baseline": ours["mae"]["value"] < theirs["mae"]["value"],
        "mae_ratio_to_baseline": ours["mae"]["value"] / theirs["mae"]["value"],
        "holdout": {"rows": len(test_idx), "split": how},
        "training": {"rows": len(train_idx), "files": data.files, "trees": int(estimator.n_iter_),
                     "seconds": round(time.monotonic() - started, 2)},
    }
    model_dir = root / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    trees.save(exported, model_dir / "model.npz")
    import joblib
    import sklearn

    joblib.dump(estimator, model_dir / "sklearn_estimator.joblib")
    meta = {"format": trees.FORMAT, "features": list(FEATURES), "label": LABEL, "hyperparameters": hp,
            "algorithm": "sklearn.ensemble.HistGradientBoostingRegressor", "sklearn": sklearn.__version__,
            "numpy": np.__version__}
    (model_dir / "model.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    (model_dir / "evaluation.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    statistics = stats.baseline_statistics(x_train, y_train, exported.predict(x_train))
    (model_dir / "baseline_statistics.json").write_text(json.dumps(statistics, indent=2, sort_keys=True) + "\n")
    return report


def main(root: Path = ROOT) -> int:
    try:
        report = run(root)
    except TrainingError as err:
        reason = str(err)
    except Exception as err:  # noqa: BLE001 - any failure must reach the failure file, then exit non-zero
        traceback.print_exc()
        reason = f"internal error: {type(err).__name__}: {err}"
    else:
        print(json.dumps({"beats_baseline": report["beats_baseline"],
                          "mae": report["regression_metrics"]["mae"]["value"],
                          "baseline_mae": report["baseline"]["regression_metrics"]["mae"]["value"],
                          "training": report["training"]}))
        return 0
    output = root / "output"
    output.mkdir(parents=True, exist_ok=True)
    (output / "failure").write_text(reason + "\n")
    print(f"training failed: {reason}", file=sys.stderr)
    return 1
