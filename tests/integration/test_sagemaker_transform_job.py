"""library/sagemaker_transform_job.py against the emulator, whose transform jobs run the real
model image's `serve` in the session's Docker engine (tests/sagemaker_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.conftest import run_module
from tests.sagemaker_fixtures import (
    ROLE_ARN,
    ROW,
    connect_runtime,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    trained_models,  # noqa: F401 (fixture)
)


@pytest.fixture
def aws(emulator, docker_engine, model_image, trained_models):  # noqa: F811 (fixture)
    """A clean emulator connected to the engine, model `eta` (artefact "a"), two days of rows under input/."""
    emulator.reset()
    connect_runtime(emulator, docker_engine)
    bucket = new_bucket(emulator)
    s3 = emulator.client("s3")
    s3.put_object(Bucket=bucket, Key="artefacts/a/model.tar.gz", Body=trained_models["a"])
    emulator.client("sagemaker").create_model(ModelName="eta", ExecutionRoleArn=ROLE_ARN, PrimaryContainer={
        "Image": model_image, "ModelDataUrl": f"s3://{bucket}/artefacts/a/model.tar.gz"})
    s3.put_object(Bucket=bucket, Key="batch/input/day-1.csv", Body=(ROW + "\n") * 3)
    s3.put_object(Bucket=bucket, Key="batch/input/sub/day-2.csv", Body=ROW + "\n")
    return emulator, bucket


def params(bucket: str, **overrides) -> dict:
    return {"name_prefix": "eta-batch", "model_name": "eta", "input_s3_uri": f"s3://{bucket}/batch/input/",
            "output_s3_uri": f"s3://{bucket}/batch/output", "wait_timeout": 300, **overrides}


def jobs(emu) -> list[str]:
    return sorted(j["TransformJobName"]
                  for j in emu.client("sagemaker").list_transform_jobs()["TransformJobSummaries"])


def test_scores_once_per_model_and_input(aws):
    emu, bucket = aws
    s3 = emu.client("s3")
    first, _ = run_module(emu, "sagemaker_transform_job", params(bucket))
    assert first.get("failed") is not True, first.get("msg")
    assert (first["changed"], first["status"], first["objects"]) == (True, "Completed", 2)
    assert first["transform_job_name"] == "eta-batch-" + first["inputs_sha256"][:12]
    assert "diff" not in first
    # Where SageMaker puts them: <output>/<key relative to the input prefix>.out, a prediction per row.
    out = s3.get_object(Bucket=bucket, Key="batch/output/day-1.csv.out")["Body"].read().decode().split()
    assert len(out) == 3 and len(set(out)) == 1 and float(out[0]) > 0
    assert len(s3.get_object(Bucket=bucket, Key="batch/output/sub/day-2.csv.out")["Body"].read().split()) == 1

    # Nothing new: the same job, not scored again.
    again, _ = run_module(emu, "sagemaker_transform_job", params(bucket), "--diff")
    assert (again["changed"], again["transform_job_name"]) == (False, first["transform_job_name"])
    assert again["diff"]["before"] == again["diff"]["after"]
    assert jobs(emu) == [first["transform_job_name"]]

    # A new object, check mode: a new job would score it; nothing is created.
    s3.put_object(Bucket=bucket, Key="batch/input/day-3.csv", Body=ROW + "\n")
    preview, _ = run_module(emu, "sagemaker_transform_job", params(bucket), "--check", "--diff")
    assert preview["changed"] is True and preview["transform_job_name"] != first["transform_job_name"]
    assert preview["diff"]["before"] == {} and preview["diff"]["after"]["input_objects"] == 3
    assert jobs(emu) == [first["transform_job_name"]]


def test_a_failed_job_reports_its_reason(aws):
    emu, bucket = aws
    emu.client("s3").put_object(Bucket=bucket, Key="bad/input/rows.csv", Body=b"not,a,trip\n")
    result, _ = run_module(emu, "sagemaker_transform_job",
                           params(bucket, input_s3_uri=f"s3://{bucket}/bad/input/"))
    assert result["failed"] is True and result["status"] == "Failed"
    assert result["failure_reason"].startswith("ClientError") and result["failure_reason"] in result["msg"]


@pytest.mark.parametrize(("overrides", "named"), [
    ({"model_name": "no-such-model"}, "model_name"),
    ({"model_name": None, "endpoint_name": "no-such-endpoint"}, "endpoint_name"),
    ({"input_s3_uri": "batch/input/"}, "input_s3_uri"),
    ({"max_payload_mb": 0}, "max_payload_mb"),
    ({"name_prefix": "x" * 51}, "name_prefix"),
])
def test_bad_input_fails_before_any_job(aws, overrides, named):
    emu, bucket = aws
    result, _ = run_module(emu, "sagemaker_transform_job", params(bucket, **overrides))
    assert result["failed"] is True and named in result["msg"]
    assert jobs(emu) == []
