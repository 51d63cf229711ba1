"""The modules of the monitoring run's model-quality step against the emulator:
sagemaker_processing_job running the real image's `monitor` in the session's Docker engine
over a batch input, its `.out` and ground truth (the MAE checked against one computed here
from the same rows), and cloudwatch_metric_data publishing what the job wrote."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import run_module
from tests.sagemaker_fixtures import (
    ROLE_ARN,
    connect_runtime,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    read_model_tar,
    trained_models,  # noqa: F401 (fixture)
)

PREDICTION = 600.0   # every batch row "predicted" 600 s: the MAE is then known exactly
NAMESPACE = "/aws/sagemaker/Endpoint/data-metrics"


@pytest.fixture
def quality_inputs(emulator, docker_engine, model_image, trained_models, feature_csv):  # noqa: F811 (fixtures)
    """Batch input (the processed rows), its .out, ground truth and a real baseline in S3."""
    emulator.reset()
    connect_runtime(emulator, docker_engine)
    bucket, s3 = new_bucket(emulator), emulator.client("s3")
    header, _, body = feature_csv.decode().partition("\n")
    rows = body.splitlines()[:300]
    baseline = read_model_tar(trained_models["a"])
    for key, data in (("baseline/baseline_statistics.json", baseline["baseline_statistics.json"]),
                      ("baseline/evaluation.json", baseline["evaluation.json"]),
                      ("batch/input/trips.csv", "\n".join(rows) + "\n"),
                      ("batch/output/trips.csv.out", f"{PREDICTION}\n" * len(rows)),
                      ("groundtruth/trips.csv", header + "\n" + "\n".join(rows) + "\n")):
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    durations = [float(r["duration_s"]) for r in csv.DictReader(io.StringIO(header + "\n" + "\n".join(rows)))]
    return emulator, bucket, sum(abs(PREDICTION - d) for d in durations) / len(durations)


def params(image: str, bucket: str, **overrides) -> dict:
    where = f"s3://{bucket}"
    return {"name_prefix": "eta-quality", "image": image, "arguments": ["monitor"], "role_arn": ROLE_ARN,
            "inputs": [{"name": "baseline", "s3_uri": f"{where}/baseline/",
                        "local_path": "/opt/ml/processing/baseline"},
                       {"name": "batch-input", "s3_uri": f"{where}/batch/input/",
                        "local_path": "/opt/ml/processing/input/batch/input"},
                       {"name": "batch-output", "s3_uri": f"{where}/batch/output/",
                        "local_path": "/opt/ml/processing/input/batch/output"},
                       {"name": "groundtruth", "s3_uri": f"{where}/groundtruth/",
                        "local_path": "/opt/ml/processing/input/groundtruth"}],
            "outputs": [{"name": "report", "s3_uri": f"{where}/quality/report", "local_path": "/opt/ml/processing/out"},
                        {"name": "metrics", "s3_uri": f"{where}/quality/metrics",
                         "local_path": "/opt/ml/processing/metrics"}],
            "environment": {"publish_cloudwatch_metrics": "Enabled", "metrics_path": "/opt/ml/processing/metrics",
                            "output_path": "/opt/ml/processing/out", "sagemaker_endpoint_name": "eta",
                            "sagemaker_monitoring_schedule_name": "eta-monitoring"},
            "wait_timeout": 300, **overrides}


def jobs(emu) -> list[str]:
    return sorted(j["ProcessingJobName"]
                  for j in emu.client("sagemaker").list_processing_jobs()["ProcessingJobSummaries"])


def test_quality_job_once_per_inputs_then_its_metrics_published(quality_inputs, model_image):
    emu, bucket, expected_mae = quality_inputs
    s3, cloudwatch = emu.client("s3"), emu.client("cloudwatch")
    first, _ = run_module(emu, "sagemaker_processing_job", params(model_image, bucket))
    assert first.get("failed") is not True, first.get("msg")
    assert (first["changed"], first["status"]) == (True, "Completed")
    assert first["processing_job_name"] == "eta-quality-" + first["inputs_sha256"][:12] and "diff" not in first
    report = json.loads(s3.get_object(Bucket=bucket, Key="quality/report/report.json")["Body"].read())
    quality = report["model_quality"]
    assert quality["rows_labelled"] == 300 and quality["label_coverage"] == 1
    assert quality["mae"] == pytest.approx(expected_mae, rel=1e-6)

    # Nothing new: the same job, not run again; check mode with new ground truth: a new job, none made.
    again, _ = run_module(emu, "sagemaker_processing_job", params(model_image, bucket), "--diff")
    assert (again["changed"], again["processing_job_name"]) == (False, first["processing_job_name"])
    assert again["diff"]["before"] == again["diff"]["after"]
    s3.put_object(Bucket=bucket, Key="groundtruth/late.csv", Body=b"trip_id,duration_s\n")
    preview, _ = run_module(emu, "sagemaker_processing_job", params(model_image, bucket), "--check")
    assert preview["changed"] is True and preview["processing_job_name"] != first["processing_job_name"]
    assert jobs(emu) == [first["processing_job_name"]]

    # A processing job's metric files are not published by SageMaker: the module does it.
    lines = s3.get_object(Bucket=bucket, Key="quality/metrics/metrics.json")["Body"].read().decode().splitlines()
    data = [m for m in map(json.loads, lines) if m["MetricName"] in ("model_mae", "label_coverage")]
    assert {m["MetricName"] for m in data} == {"model_mae", "label_coverage"}
    preview, _ = run_module(emu, "cloudwatch_metric_data", {"namespace": NAMESPACE, "metric_data": data}, "--check")
    assert preview["changed"] is True and cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"] == []
    sent, _ = run_module(emu, "cloudwatch_metric_data", {"namespace": NAMESPACE, "metric_data": data})
    assert sent["changed"] is True and sorted(sent["published"]) == ["label_coverage", "model_mae"]
    [metric] = cloudwatch.list_metrics(Namespace=NAMESPACE, MetricName="model_mae")["Metrics"]
    assert sorted((d["Name"], d["Value"]) for d in metric["Dimensions"]) == [("Endpoint", "eta"),
                                                                             ("MonitoringSchedule", "eta-monitoring")]


def test_a_failed_job_reports_its_reason(quality_inputs, model_image):
    emu, bucket, _ = quality_inputs
    result, _ = run_module(emu, "sagemaker_processing_job",
                           params(model_image, bucket, environment={"psi_warn": "-1"}))
    assert result["failed"] is True and result["status"] == "Failed"
    assert "psi_warn" in result["failure_reason"] and result["failure_reason"] in result["msg"]


@pytest.mark.parametrize(("module", "overrides", "named"), [
    ("sagemaker_processing_job", {"inputs": []}, "inputs"),
    ("sagemaker_processing_job", {"outputs": [{"name": "r", "s3_uri": "s3://b/r", "local_path": "/tmp/r"}]},
     "outputs[0].local_path"),
    ("sagemaker_processing_job", {"name_prefix": "bad_prefix"}, "name_prefix"),
    ("cloudwatch_metric_data", {"namespace": "AWS/SageMaker"}, "namespace"),
    ("cloudwatch_metric_data", {"metric_data": [{"MetricName": "model_mae", "Value": "high"}]}, "metric_data[0]"),
])
def test_bad_input_fails_before_any_change(clean_emulator, module, overrides, named):
    emu = clean_emulator
    base = params("image", "bucket") if module == "sagemaker_processing_job" else \
        {"namespace": NAMESPACE, "metric_data": [{"MetricName": "model_mae", "Value": 1.0}]}
    result, _ = run_module(emu, module, {**base, **overrides})
    assert result["failed"] is True and named in result["msg"], result["msg"]
    assert jobs(emu) == [] and emu.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"] == []
