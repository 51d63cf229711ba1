"""library/sagemaker_training_job.py against the emulator, whose training jobs run the real
model image's `train` in the session's Docker engine (tests/sagemaker_fixtures.py)."""

from __future__ import annotations

import gzip
import secrets

import pytest

from tests.conftest import run_module
from tests.sagemaker_fixtures import (
    FAST_HYPERPARAMETERS,
    ROLE_ARN,
    connect_runtime,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    read_model_tar,
)

METRICS = [{"name": "validation:mae", "regex": r'"mae": ([0-9.eE+-]+)'}]


@pytest.fixture
def aws(emulator, docker_engine, feature_csv):  # noqa: F811 (fixture)
    """A clean emulator connected to the engine, the feature set at s3://bucket/features/."""
    emulator.reset()
    connect_runtime(emulator, docker_engine)
    bucket = new_bucket(emulator)
    emulator.client("s3").put_object(Bucket=bucket, Key="features/part-000.csv", Body=feature_csv)
    return emulator, bucket


def params(image: str, bucket: str, **overrides) -> dict:
    return {"name_prefix": "eta-train", "image": image, "role_arn": ROLE_ARN,
            "channels": [{"name": "train", "s3_uri": f"s3://{bucket}/features/"}],
            "output_s3_uri": f"s3://{bucket}/models", "hyperparameters": FAST_HYPERPARAMETERS,
            "metric_definitions": METRICS, "wait_timeout": 300, **overrides}


def jobs(emu) -> list[str]:
    return sorted(j["TrainingJobName"] for j in emu.client("sagemaker").list_training_jobs()["TrainingJobSummaries"])


def test_trains_once_per_set_of_inputs(aws, model_image):
    emu, bucket = aws
    first, _ = run_module(emu, "sagemaker_training_job", params(model_image, bucket))
    assert first.get("failed") is not True, first.get("msg")
    assert first["changed"] is True and first["status"] == "Completed"
    assert first["training_job_name"] == "eta-train-" + first["inputs_sha256"][:12]
    assert first["model_artifact"] == f"s3://{bucket}/models/{first['training_job_name']}/output/model.tar.gz"
    artefact = emu.client("s3").get_object(Bucket=bucket, Key=first["model_artifact"].split("/", 3)[3])
    assert {"model.npz", "evaluation.json"} <= set(read_model_tar(artefact["Body"].read()))
    assert first["final_metrics"]["validation:mae"] > 0
    assert "diff" not in first

    # Nothing new: the same job, no training.
    again, _ = run_module(emu, "sagemaker_training_job", params(model_image, bucket), "--diff")
    assert (again["changed"], again["training_job_name"]) == (False, first["training_job_name"])
    assert again["final_metrics"] == first["final_metrics"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert jobs(emu) == [first["training_job_name"]]

    # New hyperparameters, check mode: it would train a new job; nothing is created.
    preview, _ = run_module(emu, "sagemaker_training_job",
                            params(model_image, bucket, hyperparameters={**FAST_HYPERPARAMETERS, "max_depth": "3"}),
                            "--check", "--diff")
    assert preview["changed"] is True and preview["training_job_name"] != first["training_job_name"]
    assert preview["diff"]["before"] == {} and preview["diff"]["after"]["hyperparameters"]["max_depth"] == "3"
    assert jobs(emu) == [first["training_job_name"]]

    # New data under the prefix (another ETag): a new job.
    emu.client("s3").put_object(Bucket=bucket, Key="features/part-001.csv.gz", Body=gzip.compress(
        emu.client("s3").get_object(Bucket=bucket, Key="features/part-000.csv")["Body"].read(), mtime=0))
    fresh, _ = run_module(emu, "sagemaker_training_job", params(model_image, bucket))
    assert fresh["changed"] is True and fresh["status"] == "Completed"
    assert fresh["training_job_name"] != first["training_job_name"]
    assert len(jobs(emu)) == 2


def test_a_failed_job_fails_the_task_with_its_reason(aws, model_image):
    emu, bucket = aws
    result, _ = run_module(emu, "sagemaker_training_job",
                           params(model_image, bucket, hyperparameters={"max_iter": "0"}))
    assert result["failed"] is True and result["status"] == "Failed"
    assert "max_iter" in result["failure_reason"] and "max_iter" in result["msg"]
    # The rerun finds the same failed job (SageMaker never reuses a name) and says so again.
    again, _ = run_module(emu, "sagemaker_training_job",
                          params(model_image, bucket, hyperparameters={"max_iter": "0"}))
    assert again["failed"] is True and again["changed"] is False and "change the data" in again["msg"]


def test_no_data_and_bad_input(aws, model_image):
    emu, bucket = aws
    empty = f"s3://{bucket}/nothing-here/"
    missing, _ = run_module(emu, "sagemaker_training_job",
                            params(model_image, bucket, channels=[{"name": "train", "s3_uri": empty}]))
    assert missing["failed"] is True and "no objects under " + empty in missing["msg"]
    # Check mode from nothing (the bucket is made by the same run): a preview, not a failure.
    preview, _ = run_module(emu, "sagemaker_training_job", params(
        model_image, bucket, channels=[{"name": "train", "s3_uri": f"s3://nobucket-{secrets.token_hex(3)}/x/"}]),
        "--check")
    assert preview.get("failed") is not True and preview["changed"] is True, preview
    assert "would be created" in preview["msg"]
    for bad, word in ((params(model_image, bucket, name_prefix="x" * 51), "name_prefix"),
                      (params(model_image, bucket, output_s3_uri="bucket/models"), "output_s3_uri"),
                      (params(model_image, bucket, instance_type="m5.large"), "instance_type"),
                      (params(model_image, bucket, instance_count=0), "instance_count"),
                      ({**params(model_image, bucket), "name": "x"}, "name")):
        result, _ = run_module(emu, "sagemaker_training_job", bad)
        assert result["failed"] is True and word in result["msg"], (word, result["msg"])
    assert jobs(emu) == []
