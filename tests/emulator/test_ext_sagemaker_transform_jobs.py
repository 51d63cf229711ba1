"""emulator/extensions/sagemaker_transform_jobs.py: a batch transform job runs the model's
`serve` container and writes one `.out` object per input object. The artefact is a real
one, made by the emulator's training job (`trained_models`)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from emulator.extensions import sagemaker_transform_jobs as transform
from tests.sagemaker_fixtures import (
    ROW,
    connect_runtime,
    deploy_model,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    predict_many,
    project_containers,
    trained_models,  # noqa: F401 (fixture)
    transform_job,
)

OTHER = "3,4,1,0,48,50,0,0,2,2500"   # another trip, in the model's FEATURES order
REFUSED = "8,2,0,1,132,236,0,1,1,1"  # 1 m: the container refuses it (400)


@pytest.fixture
def env(flavour, docker_engine, model_image, trained_models):  # noqa: F811 (fixtures)
    connect_runtime(flavour, docker_engine)
    bucket = new_bucket(flavour)
    deploy_model(flavour, "eta-a", model_image, trained_models["a"], bucket)
    return flavour, bucket


def request(name: str, bucket: str, prefix: str, **overrides) -> dict:
    return {"TransformJobName": name, "ModelName": "eta-a", "BatchStrategy": "MultiRecord", "MaxPayloadInMB": 1,
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                "S3Uri": f"s3://{bucket}/{prefix}"}},
                               "ContentType": "text/csv", "SplitType": "Line"},
            "TransformOutput": {"S3OutputPath": f"s3://{bucket}/scored/{name}", "Accept": "text/csv",
                                "AssembleWith": "Line"},
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}, **overrides}


def test_a_transform_job_scores_every_object_and_joins_the_ids(env, docker_engine):
    emu, bucket = env
    s3, sagemaker = emu.client("s3"), emu.client("sagemaker")
    s3.put_object(Bucket=bucket, Key="trips/day=1/part-0.csv", Body=f"t1,{ROW}\nt2,{OTHER}\n".encode())
    s3.put_object(Bucket=bucket, Key="trips/day=1/part-1.csv", Body=f"t3,{ROW}\n".encode())
    # The id column is not a feature: InputFilter drops it, JoinSource puts it back, OutputFilter
    # keeps the id and the prediction.
    sagemaker.create_transform_job(**request("score-1", bucket, "trips/", DataProcessing={
        "InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"}))
    assert sagemaker.describe_transform_job(TransformJobName="score-1")["TransformJobStatus"] == "InProgress"
    with pytest.raises(ClientError) as err:  # names are unique
        sagemaker.create_transform_job(**request("score-1", bucket, "trips/"))
    assert err.value.response["Error"]["Code"] == "ResourceInUse"

    job = transform_job(sagemaker, "score-1")
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    expected = predict_many(emu, "eta-a", bucket, [ROW, OTHER])
    first = s3.get_object(Bucket=bucket, Key="scored/score-1/day=1/part-0.csv.out")["Body"].read().decode()
    assert first == f"t1,{expected[0]}\nt2,{expected[1]}\n"
    second = s3.get_object(Bucket=bucket, Key="scored/score-1/day=1/part-1.csv.out")["Body"].read().decode()
    assert second == f"t3,{expected[0]}\n"
    assert job["TransformEndTime"] >= job["TransformStartTime"]
    assert not project_containers(docker_engine, "transform")  # the container is gone


def test_a_record_the_container_refuses_fails_the_job(env):
    emu, bucket = env
    s3, sagemaker = emu.client("s3"), emu.client("sagemaker")
    s3.put_object(Bucket=bucket, Key="bad/part-0.csv", Body=f"{ROW}\n{REFUSED}\n".encode())
    sagemaker.create_transform_job(**request("score-bad", bucket, "bad/", BatchStrategy="SingleRecord"))
    job = transform_job(sagemaker, "score-bad")
    assert job["TransformJobStatus"] == "Failed"
    assert job["FailureReason"].startswith(f"ClientError: the model container answered 400 for s3://{bucket}/bad/")
    assert "trip_distance_m" in job["FailureReason"]
    assert s3.list_objects_v2(Bucket=bucket, Prefix="scored/").get("KeyCount", 0) == 0


def test_the_jsonpath_subset_and_the_json_join(monkeypatch):
    """The record logic alone: `_invoke` (the container's HTTP call) is replaced by a fixed
    answer, because this test is about what is sent and how answers are joined."""
    record = {"id": "t1", "features": [8, 2, 0, 1], "meta": {"day": 3}}
    assert transform.json_path("$", record) is record
    assert transform.json_path("$.features[1:3]", record) == [2, 0]
    assert transform.json_path("$['meta'].day", record) == 3
    assert transform.json_path("$[0,-1]", ["a", "b", "c"]) == ["a", "c"]
    with pytest.raises(transform.JobFailure, match="not supported here"):
        transform.json_path("$..features", record)
    # JSON lines in, the features sent, each answer joined under SageMakerOutput, filtered.
    sent = []
    monkeypatch.setattr(transform, "_invoke", lambda _i, body, *_a: sent.append(body) or b'{"eta": 60}')
    job = type("Job", (), {"transform_input": {"ContentType": "application/json", "SplitType": "Line"},
                           "transform_output": {"Accept": "application/json", "AssembleWith": "Line"},
                           "data_processing": {"InputFilter": "$.features", "JoinSource": "Input",
                                               "OutputFilter": "$['id','SageMakerOutput']"},
                           "batch_strategy": "SingleRecord", "max_payload_in_mb": 6})()
    with pytest.raises(transform.JobFailure):  # a list of names is not in the subset
        transform.transform_object(job, None, b'{"id": "t1", "features": [1, 2]}\n', "s3://b/k")
    job.data_processing["OutputFilter"] = "$.SageMakerOutput"
    out = transform.transform_object(job, None, b'{"id": "t1", "features": [1, 2]}\n{"id": "t2", "features": [3]}\n',
                           "s3://b/k")
    assert sent[-2:] == [b"[1,2]", b"[3]"]
    assert out == b'{"eta":60}\n{"eta":60}\n'
