"""emulator/extensions/sagemaker_training_jobs.py: a training job runs the model image's
`train` in the local Docker engine and reports its artefact, metrics and failures."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.sagemaker_fixtures import (
    connect_runtime,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    project_containers,
    read_model_tar,
    training_job,
)


@pytest.fixture
def sagemaker_env(flavour, docker_engine, model_image, feature_csv):  # noqa: F811 (fixtures)
    connect_runtime(flavour, docker_engine)
    bucket = new_bucket(flavour)
    flavour.client("s3").put_object(Bucket=bucket, Key="features/part-000.csv", Body=feature_csv)
    return flavour, bucket


def test_a_training_job_runs_train_and_writes_the_artefact_where_sagemaker_does(sagemaker_env, model_image,
                                                                                docker_engine):
    emu, bucket = sagemaker_env
    sagemaker = emu.client("sagemaker")
    sagemaker.create_training_job(
        TrainingJobName="eta-1", RoleArn="arn:aws:iam::123456789012:role/x",
        AlgorithmSpecification={"TrainingImage": model_image, "TrainingInputMode": "File",
                                "MetricDefinitions": [{"Name": "validation:mae", "Regex": r'"mae": ([0-9.eE+-]+)'}]},
        HyperParameters={"max_iter": "40", "early_stopping": "false"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/features/"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/models"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    # It is running, not born finished.
    assert sagemaker.describe_training_job(TrainingJobName="eta-1")["TrainingJobStatus"] == "InProgress"
    with pytest.raises(ClientError) as err:  # names are unique
        sagemaker.create_training_job(
            TrainingJobName="eta-1", RoleArn="arn:aws:iam::123456789012:role/x",
            AlgorithmSpecification={"TrainingImage": model_image, "TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": f"s3://{bucket}/models"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 600})
    assert err.value.response["Error"]["Code"] == "ResourceInUse"

    from tests.sagemaker_fixtures import wait_for
    job = wait_for(lambda: sagemaker.describe_training_job(TrainingJobName="eta-1"),
                   lambda j: j["TrainingJobStatus"] != "InProgress")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    artefact = f"s3://{bucket}/models/eta-1/output/model.tar.gz"
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == artefact
    files = read_model_tar(emu.client("s3").get_object(Bucket=bucket, Key="models/eta-1/output/model.tar.gz")
                           ["Body"].read())
    assert {"model.npz", "model.json", "evaluation.json"} <= set(files)
    report = json.loads(files["evaluation.json"])
    assert json.loads(files["model.json"])["hyperparameters"]["max_iter"] == 40  # hyperparameters.json reached it
    # The metric is what the container logged: the report's own MAE.
    [metric] = job["FinalMetricDataList"]
    assert metric["MetricName"] == "validation:mae"
    assert metric["Value"] == pytest.approx(report["regression_metrics"]["mae"]["value"], rel=1e-6)
    assert job["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] == "validation:mae"
    assert not project_containers(docker_engine, "training")  # the container is gone


def test_a_failing_training_job_reports_the_failure_file(sagemaker_env, model_image):
    emu, bucket = sagemaker_env
    sagemaker = emu.client("sagemaker")
    job = training_job(sagemaker, "eta-bad", model_image, bucket, hyperparameters={"learning_rate": "7"})
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("AlgorithmError: hyperparameter learning_rate=7.0 must be in (0, 1]")
    assert emu.client("s3").list_objects_v2(Bucket=bucket, Prefix="models/").get("KeyCount", 0) == 0
