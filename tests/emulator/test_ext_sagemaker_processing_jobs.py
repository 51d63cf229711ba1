"""emulator/extensions/sagemaker_processing_jobs.py: a processing job runs its image in the
local Docker engine with SageMaker Processing's inputs and outputs. The model image's
python runs a small script here (ContainerEntrypoint), so the test needs no `monitor` entry."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.sagemaker_fixtures import (
    ROLE_ARN,
    connect_runtime,
    new_bucket,
    processing_job,
    project_containers,
    wait_for,
)

# Counts the rows of every input file, writes a report and an exit message; fails on demand.
SCRIPT = """
import json, os, pathlib, sys
rows = sum(len(p.read_text().splitlines()) for p in pathlib.Path('/opt/ml/processing/input/data').rglob('*.csv'))
config = json.loads(pathlib.Path('/opt/ml/processing/processingjobconfig.json').read_text())
if os.environ.get('FAIL'):
    pathlib.Path('/opt/ml/output/failure').write_text('window is empty')
    sys.exit(3)
out = pathlib.Path('/opt/ml/processing/output/report')
(out / 'sub').mkdir(parents=True)
(out / 'sub' / 'report.json').write_text(json.dumps({'rows': rows, 'job': config['ProcessingJobName'],
                                                    'mode': os.environ['MODE']}))
pathlib.Path('/opt/ml/output/message').write_text(f'{rows} rows')
"""


@pytest.fixture
def env(flavour, docker_engine, model_image):
    connect_runtime(flavour, docker_engine)
    bucket = new_bucket(flavour)
    s3 = flavour.client("s3")
    s3.put_object(Bucket=bucket, Key="window/day=1/a.csv", Body=b"1,2\n3,4\n")
    s3.put_object(Bucket=bucket, Key="window/day=2/b.csv", Body=b"5,6\n")
    return flavour, bucket


def request(name: str, image: str, bucket: str, **environment) -> dict:
    return {
        "ProcessingJobName": name, "RoleArn": ROLE_ARN,
        "AppSpecification": {"ImageUri": image, "ContainerEntrypoint": ["/opt/venv/bin/python", "-c", SCRIPT]},
        "Environment": {"MODE": "test", **environment},
        "ProcessingInputs": [{"InputName": "data", "S3Input": {
            "S3Uri": f"s3://{bucket}/window/", "LocalPath": "/opt/ml/processing/input/data",
            "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "report", "S3Output": {
            "S3Uri": f"s3://{bucket}/reports/{name}", "LocalPath": "/opt/ml/processing/output/report",
            "S3UploadMode": "EndOfJob"}}]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                  "VolumeSizeInGB": 10}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 300},
    }


def test_a_processing_job_runs_its_image_on_its_inputs_and_uploads_its_outputs(env, model_image, docker_engine):
    emu, bucket = env
    sagemaker = emu.client("sagemaker")
    sagemaker.create_processing_job(**request("count-1", model_image, bucket))
    assert sagemaker.describe_processing_job(ProcessingJobName="count-1")["ProcessingJobStatus"] == "InProgress"
    with pytest.raises(ClientError) as err:  # names are unique
        sagemaker.create_processing_job(**request("count-1", model_image, bucket))
    assert err.value.response["Error"]["Code"] == "ResourceInUse"

    job = processing_job(sagemaker, "count-1")
    assert job["ProcessingJobStatus"] == "Completed", job.get("FailureReason")
    assert job["ExitMessage"] == "3 rows"
    assert job["Environment"] == {"MODE": "test"}
    assert job["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 1
    assert job["ProcessingStartTime"] <= job["ProcessingEndTime"]
    report = emu.client("s3").get_object(Bucket=bucket, Key="reports/count-1/sub/report.json")["Body"].read()
    assert json.loads(report) == {"rows": 3, "job": "count-1", "mode": "test"}
    [summary] = sagemaker.list_processing_jobs()["ProcessingJobSummaries"]
    assert summary["ProcessingJobStatus"] == "Completed"
    assert not project_containers(docker_engine, "processing")  # the container is gone


def test_a_failing_processing_job_reports_why_and_uploads_nothing(env, model_image):
    emu, bucket = env
    sagemaker = emu.client("sagemaker")
    sagemaker.create_processing_job(**request("count-bad", model_image, bucket, FAIL="1"))
    job = processing_job(sagemaker, "count-bad")
    assert job["ProcessingJobStatus"] == "Failed"
    assert job["FailureReason"] == "AlgorithmError: window is empty, exit code: 3"
    assert emu.client("s3").list_objects_v2(Bucket=bucket, Prefix="reports/").get("KeyCount", 0) == 0


def test_a_processing_job_past_its_max_runtime_or_asked_to_stop_is_stopped(env, model_image, docker_engine):
    emu, bucket = env
    sagemaker = emu.client("sagemaker")
    for name, limit in (("count-slow", 2), ("count-stopped", 300)):
        slow = request(name, model_image, bucket)
        slow["AppSpecification"]["ContainerEntrypoint"] = ["/opt/venv/bin/python", "-c", "import time; time.sleep(60)"]
        slow["StoppingCondition"] = {"MaxRuntimeInSeconds": limit}
        sagemaker.create_processing_job(**slow)
        assert sagemaker.describe_processing_job(ProcessingJobName=name)["ProcessingJobStatus"] == "InProgress"
    wait_for(lambda: project_containers(docker_engine, "processing"), bool, timeout=60)  # it is running
    sagemaker.stop_processing_job(ProcessingJobName="count-stopped")
    job = processing_job(sagemaker, "count-stopped", timeout=60)
    assert job["ProcessingJobStatus"] == "Stopped" and "FailureReason" not in job
    job = processing_job(sagemaker, "count-slow", timeout=60)
    assert job["ProcessingJobStatus"] == "Stopped"
    assert "MaxRuntimeInSeconds=2" in job["FailureReason"]
    with pytest.raises(ClientError) as err:  # only a running job can be stopped
        sagemaker.stop_processing_job(ProcessingJobName="count-slow")
    assert err.value.response["Error"]["Code"] == "ValidationException"
