"""`monitor` end to end without Docker: a model trained on generated trips, windows of the
same city with and without the generator's drift, through the real readers, statistics,
join and report writers; and its settings checked before anything runs."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "files" / "model_image"))
import build_context  # noqa: E402
import sample_data  # noqa: E402

sys.path.append(str(build_context.unpacked_site()))
import sample_capture  # noqa: E402
from eta_model import monitor, train  # noqa: E402
from eta_model.features import FEATURES  # noqa: E402

SEED, TRAIN_ROWS, WINDOW_ROWS = 3, 6000, 4000


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("opt_ml")
    sample_data.write_channel(root / "input" / "data" / "train", rows=TRAIN_ROWS, seed=SEED, parts=2)
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text('{"max_iter": "80"}')
    assert train.main(root) == 0
    return root / "model"


def run(model: Path, tmp: Path, drift: float, **settings: str) -> tuple[int, dict, dict]:
    info = sample_capture.write_window(tmp / "capture", model, rows=WINDOW_ROWS, seed=SEED, skip=TRAIN_ROWS,
                                       drift=drift, ground_truth=tmp / "labels", bad_lines=3)
    args = {"dataset_source": tmp / "capture", "baseline_statistics": model / "baseline_statistics.json",
            "baseline_evaluation": model / "evaluation.json", "ground_truth_source": tmp / "labels",
            "batch_input_source": tmp / "none", "batch_output_source": tmp / "none", "output_path": tmp / "out",
            "metrics_path": tmp / "metrics", "failure_path": tmp / "failure", **settings}
    argv = [a for k, v in args.items() for a in (f"--{k}", str(v))]
    status = monitor.main(argv, env={"publish_cloudwatch_metrics": "Enabled", "sagemaker_endpoint_name": "eta",
                                     "sagemaker_monitoring_schedule_name": "eta-hourly"})
    report = json.loads((tmp / "out" / "report.json").read_text()) if status == 0 else {}
    return status, report, info


def test_baseline_has_ks_sketches_and_the_models_predictions(model):
    base = json.loads((model / "baseline_statistics.json").read_text())
    sketch = base["features"]["trip_distance_m"]["ks_sketch"]
    assert sum(sketch["cells"]) == base["rows"] and len(sketch["cells"]) == 2 * len(sketch["edges"]) + 1
    assert base["prediction"]["count"] == base["rows"] and base["prediction"]["ks_sketch"]


def test_a_window_without_drift_is_ok(model, tmp_path):
    status, report, info = run(model, tmp_path, drift=0.0)
    assert status == 0 and report["verdict"] == "ok", report["checks"]
    assert report["window"]["rows"] == info["rows"] and report["window"]["unreadable"]["total"] == 3
    assert report["violations"] == [] and report["prediction_shift"]["psi"] < 0.1
    q = report["model_quality"]
    labelled = info["has_label"]
    err = info["predictions"][labelled] - info["labels"][labelled]
    assert q["rows_labelled"] == labelled.sum() and q["label_coverage"] == pytest.approx(labelled.mean())
    assert q["mae"] == pytest.approx(np.abs(err).mean()) and q["bias"] == pytest.approx(err.mean())
    assert q["verdict"] == "ok" and q["mae_ratio"] < 1.1
    for name in FEATURES:
        assert report["features"][name]["psi"] < 0.1, name
    assert (tmp_path / "out" / "drift.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png;base64," in html and ">OK<" in html
    assert json.loads((tmp_path / "out" / "constraint_violations.json").read_text()) == {"violations": []}


def test_the_generators_drift_is_detected_in_data_prediction_and_quality(model, tmp_path):
    status, report, _ = run(model, tmp_path, drift=1.0)
    assert status == 0 and report["verdict"] == "alert"
    checks = report["checks"]
    assert checks["drift_psi:trip_distance_m"] == checks["drift_ks:trip_distance_m"] == "alert"
    assert checks["drift_psi:airport_trip"] in ("warn", "alert")
    assert checks["prediction_psi"] == checks["prediction_ks"] == "alert"
    assert checks["model_quality"] == "alert" and report["model_quality"]["bias"] < 0   # trips got slower
    assert checks["drift_psi:pickup_dow"] == "ok"          # the drift leaves the weekday alone
    metrics = [json.loads(line) for line in (tmp_path / "metrics" / "metrics.json").read_text().splitlines()]
    by_name = {m["MetricName"]: m for m in metrics}
    assert by_name["monitor_verdict"]["Value"] == 2.0
    distance = report["features"]["trip_distance_m"]
    assert by_name["feature_psi_trip_distance_m"]["Value"] == pytest.approx(distance["psi"])
    assert by_name["model_mae"]["Unit"] == "Seconds"
    assert by_name["records"]["Dimensions"] == [{"Name": "Endpoint", "Value": "eta"},
                                                {"Name": "MonitoringSchedule", "Value": "eta-hourly"}]
    assert all(math.isfinite(m["Value"]) for m in metrics)


def test_thresholds_decide_the_verdict(model, tmp_path):
    # the same drifted window, judged with thresholds no drift reaches: only data quality is left
    status, report, _ = run(model, tmp_path, drift=1.0, psi_warn="50", psi_alert="100", ks_min_statistic="1",
                            mae_ratio_warn="50", mae_ratio_alert="100", bad_record_max_share="0")
    assert status == 0 and report["thresholds"]["psi_alert"] == 100
    assert [v["constraint_check_type"] for v in report["violations"]] == ["unreadable_records"]
    assert report["verdict"] == "alert" and report["checks"]["data_quality"] == "alert"
    assert {k for k, v in report["checks"].items() if v == "alert"} == {"data_quality"}


def test_too_few_rows_for_ks_are_insufficient_data(model, tmp_path):
    status, report, _ = run(model, tmp_path, drift=0.0, ks_min_samples="100000", quality_min_labels="100000")
    assert status == 0
    assert report["features"]["trip_distance_m"]["ks"]["verdict"] == "insufficient_data"
    assert report["model_quality"]["verdict"] == "insufficient_data"


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("psi_warn", "abc", "psi_warn='abc' is not a number"),
    ("ks_alpha", "2", "ks_alpha=2.0 must be in (0, 1)"),
    ("psi_alert", "0.05", "psi_alert=0.05 must be >= psi_warn=0.1"),
    ("publish_cloudwatch_metrics", "yes", "publish_cloudwatch_metrics='yes' must be Enabled or Disabled"),
    ("start_time", "yesterday", "start_time='yesterday' is not an ISO 8601 time"),
])
def test_bad_settings_fail_naming_the_variable(tmp_path, setting, value, message):
    status = monitor.main(["--failure_path", str(tmp_path / "failure"), "--output_path", str(tmp_path / "out")],
                          env={setting: value})
    assert status == 1 and (tmp_path / "failure").read_text().strip() == message
    assert not (tmp_path / "out").exists()


def test_a_missing_baseline_fails_naming_it(tmp_path):
    status = monitor.main(["--failure_path", str(tmp_path / "failure"), "--output_path", str(tmp_path / "out"),
                           "--baseline_statistics", str(tmp_path / "nope.json")], env={})
    assert status == 1 and (tmp_path / "failure").read_text().startswith("baseline_statistics: ")


def test_times_are_normalised_to_captures_spelling():
    cfg = monitor.settings([], env={"start_time": "2026-01-05T11:00:00+01:00", "end_time": "2026-01-05T11:00:00"})
    assert cfg["start_time"] == "2026-01-05T10:00:00.000Z" and cfg["end_time"] == "2026-01-05T11:00:00.000Z"


def test_workers_share_the_files_and_add_up_to_the_same_report(model, tmp_path):
    reports = []
    for workers in ("1", "3"):
        status, report, _ = run(model, tmp_path / workers, drift=0.5, workers=workers)
        assert status == 0
        report.pop("seconds")
        reports.append(report)
    assert reports[0]["window"]["counts"]["capture_files"] == 4
    assert reports[0] == reports[1]


def test_an_empty_window_reports_insufficient_data(model, tmp_path):
    status = monitor.main(["--dataset_source", str(tmp_path / "nothing"), "--output_path", str(tmp_path / "out"),
                           "--baseline_statistics", str(model / "baseline_statistics.json"),
                           "--baseline_evaluation", str(model / "evaluation.json"),
                           "--ground_truth_source", str(tmp_path / "none"), "--batch_input_source",
                           str(tmp_path / "none"), "--failure_path", str(tmp_path / "failure")], env={})
    assert status == 0, (tmp_path / "failure").read_text()
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "insufficient_data" and report["window"]["rows"] == 0
    assert report["features"]["trip_distance_m"]["psi"] is None
    assert (tmp_path / "out" / "drift.png").stat().st_size > 0


def test_the_processing_jobs_config_fills_in_what_the_environment_lacks(tmp_path, monkeypatch):
    config = tmp_path / "processingjobconfig.json"
    config.write_text(json.dumps({"Environment": {"publish_cloudwatch_metrics": "Enabled", "psi_alert": "0.3"}}))
    monkeypatch.setattr(monitor, "JOB_CONFIG", config)
    cfg = monitor.settings([], env={"psi_alert": "0.4"})
    assert cfg["publish_cloudwatch_metrics"] == "Enabled" and cfg["psi_alert"] == 0.4
    config.write_text("not json")
    assert monitor.settings([], env={})["publish_cloudwatch_metrics"] == "Disabled"


def _zone_column(train_counts: dict[int, int]) -> monitor.Column:
    return monitor.Column("pickup_zone", {"kind": "categorical", "missing_share": 0.0,
                                          "value_counts": {str(k): c for k, c in train_counts.items()}})


def _unseen_result(column: monitor.Column, window: np.ndarray) -> dict:
    column.add(window.astype(float))
    return column.result({k: v[0] for k, v in monitor.THRESHOLDS.items()})


def test_unseen_values_are_judged_against_what_training_could_have_seen():
    # Training saw 200 zones 5 times and 100 zones once: Good-Turing expects about 9% of new
    # traffic (100 / 1100) to carry a zone training never saw, from sampling alone.
    counts = dict.fromkeys(range(1, 201), 5) | dict.fromkeys(range(201, 301), 1)
    rng = np.random.default_rng(11)
    normal = np.where(rng.random(2000) < 0.08, rng.integers(301, 600, 2000), rng.integers(1, 301, 2000))
    got = _unseen_result(_zone_column(counts), normal)
    assert got["unseen_expected_share"] == pytest.approx(100 / 1100)
    assert got["unseen_share"] == pytest.approx(0.08, abs=0.015)
    assert got["unseen_share"] < got["unseen_limit"]   # no violation: what a small training set predicts

    broken = np.where(rng.random(2000) < 0.30, rng.integers(301, 600, 2000), rng.integers(1, 301, 2000))
    assert _unseen_result(_zone_column(counts), broken)["unseen_share"] > got["unseen_limit"]


def test_with_no_rare_values_in_training_the_configured_share_is_the_limit():
    counts = dict.fromkeys(range(1, 11), 50)
    window = np.concatenate([np.arange(1, 11).repeat(99), [99] * 20])   # 2% never seen
    got = _unseen_result(_zone_column(counts), window)
    assert got["unseen_expected_share"] == 0.0
    assert got["unseen_limit"] == monitor.THRESHOLDS["unseen_max_share"][0]
    assert got["unseen_share"] > got["unseen_limit"]
