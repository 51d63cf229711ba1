"""`monitor` in the real image, as a SageMaker processing job runs it: the capture window,
the ground truth and `train`'s baseline mounted under /opt/ml/processing, the report in
resultdata, the CloudWatch metric files in /opt/ml/output/metrics/cloudwatch; the same
numbers as the same code on the host. One container run (the CI budget is tight)."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import PROJECT_DIR
from tests.container.conftest import opt_ml

sys.path.insert(0, str(PROJECT_DIR / "files" / "model_image"))
import build_context
import sample_capture

pytestmark = pytest.mark.slow   # a Docker engine, an image build, containers
PROCESSING = "/opt/ml/processing"


def test_monitor_in_the_image_flags_the_generators_drift(docker_engine, model_image, trained, tmp_path):
    model = trained / "model"
    window = tmp_path / "window"
    # the city the `trained` fixture trained on (seed 11, 8000 trips), its later trips, drifted
    info = sample_capture.write_window(window / "endpoint", model, rows=3000, seed=11, skip=8000, drift=1.0,
                                       ground_truth=window / "groundtruth", bad_lines=2)
    (window / "resultdata").mkdir()
    (window / "output").mkdir()
    opt_ml(window)   # writable by the image's user
    env = {"publish_cloudwatch_metrics": "Enabled", "sagemaker_endpoint_name": "eta-endpoint",
           "sagemaker_monitoring_schedule_name": "eta-hourly", "dataset_source": f"{PROCESSING}/input/endpoint",
           "ground_truth_source": f"{PROCESSING}/input/groundtruth", "output_path": f"{PROCESSING}/resultdata",
           "end_time": "2026-01-05T11:00:00Z"}
    container = docker_engine.client.containers.run(
        model_image, ["monitor"], network_mode="host", detach=True, environment=env,
        volumes={str(window / "endpoint"): {"bind": f"{PROCESSING}/input/endpoint", "mode": "ro"},
                 str(window / "groundtruth"): {"bind": f"{PROCESSING}/input/groundtruth", "mode": "ro"},
                 str(model): {"bind": f"{PROCESSING}/baseline", "mode": "ro"},
                 str(window / "resultdata"): {"bind": f"{PROCESSING}/resultdata", "mode": "rw"},
                 str(window / "output"): {"bind": "/opt/ml/output", "mode": "rw"}})
    try:
        status = container.wait(timeout=300)["StatusCode"]
        logs = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    assert status == 0, logs
    assert json.loads(logs.strip().splitlines()[-1])["verdict"] == "alert"
    out = window / "resultdata"
    report = json.loads((out / "report.json").read_text())
    assert report["window"]["rows"] == info["rows"] and report["window"]["unreadable"]["total"] == 2
    assert report["checks"]["drift_psi:trip_distance_m"] == "alert" and report["checks"]["model_quality"] == "alert"
    assert report["model_quality"]["rows_labelled"] == info["has_label"].sum()
    assert (out / "drift.png").read_bytes()[:4] == b"\x89PNG"
    assert "data:image/png;base64," in (out / "report.html").read_text()
    assert json.loads((out / "constraint_violations.json").read_text())["violations"] == report["violations"]
    metrics = [json.loads(line) for line in (window / "output" / "metrics" / "cloudwatch" / "metrics.json")
               .read_text().splitlines()]
    names = {m["MetricName"] for m in metrics}
    assert {"feature_psi_trip_distance_m", "prediction_psi", "model_mae", "monitor_verdict"} <= names
    assert {m["Timestamp"] for m in metrics} == {"2026-01-05T11:00:00Z"}
    assert metrics[0]["Dimensions"] == [{"Name": "Endpoint", "Value": "eta-endpoint"},
                                        {"Name": "MonitoringSchedule", "Value": "eta-hourly"}]
    # the same code on the host, on the same files: the same statistics
    sys.path.append(str(build_context.unpacked_site()))
    from eta_model import monitor

    host = tmp_path / "host"
    settings = {"dataset_source": window / "endpoint", "ground_truth_source": window / "groundtruth",
                "baseline_statistics": model / "baseline_statistics.json",
                "baseline_evaluation": model / "evaluation.json", "output_path": host,
                "batch_input_source": host / "none", "batch_output_source": host / "none",
                "end_time": "2026-01-05T11:00:00Z", "failure_path": host / "failure"}
    assert monitor.main([a for k, v in settings.items() for a in (f"--{k}", str(v))], env={}) == 0
    ours = json.loads((host / "report.json").read_text())
    for name, col in report["features"].items():
        assert col["psi"] == pytest.approx(ours["features"][name]["psi"], rel=1e-9), name
    assert report["model_quality"]["mae"] == pytest.approx(ours["model_quality"]["mae"], rel=1e-9)
