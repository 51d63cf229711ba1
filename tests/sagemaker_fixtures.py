"""Fixtures for the SageMaker tests (the real model image is `model_image` from
tests/conftest.py, built once per session in its Docker engine): an emulator connected to
that engine, training data in its S3 and trained artefacts.

Test modules import what they use (`from tests.sagemaker_fixtures import ...`); the
fixtures build on `docker_engine`, `base_image` and `emulator` from tests/conftest.py.
"""

from __future__ import annotations

import io
import secrets
import sys
import tarfile
import time

import pytest

from emulator import launcher
from tests.conftest import PROJECT_DIR

MODEL_IMAGE_DIR = PROJECT_DIR / "files" / "model_image"
ROLE_ARN = "arn:aws:iam::123456789012:role/sagemaker-execution"
# The image's `train` prints one JSON line with these; SageMaker reads metrics from logs.
METRIC_DEFINITIONS = [{"Name": "validation:mae", "Regex": r'"mae": ([0-9.eE+-]+)'},
                      {"Name": "validation:baseline_mae", "Regex": r'"baseline_mae": ([0-9.eE+-]+)'}]
FAST_HYPERPARAMETERS = {"max_iter": "40", "early_stopping": "false"}


def _import_sample_data():
    if str(MODEL_IMAGE_DIR) not in sys.path:
        sys.path.insert(0, str(MODEL_IMAGE_DIR))
    import sample_data

    return sample_data


@pytest.fixture(scope="session")
def feature_csv() -> bytes:
    """The Lambda's processed feature CSV for 3,000 generated trips."""
    sample_data = _import_sample_data()
    return sample_data.processed_csv(3000, seed=7)


def connect_runtime(emu, docker_engine, **extra) -> None:
    launcher.configure(emu.admin_endpoint, {"sagemaker_containers": {"docker_host": docker_engine.host, **extra}})


def new_bucket(emu) -> str:
    name = f"sagemaker-{secrets.token_hex(4)}"
    emu.client("s3").create_bucket(Bucket=name)
    return name


def wait_for(describe, done, timeout: float = 240, interval: float = 0.5) -> dict:
    """Poll `describe()` until `done(result)`; fail with the last result after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = describe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"still not done after {timeout}s: {result}")
        time.sleep(interval)


def training_job(sagemaker, name: str, image: str, bucket: str, hyperparameters: dict | None = None,
                 **overrides) -> dict:
    """Create a training job on the feature set at s3://bucket/features/ and wait for its end."""
    request = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File",
                                   "MetricDefinitions": METRIC_DEFINITIONS},
        "RoleArn": ROLE_ARN,
        "HyperParameters": {**FAST_HYPERPARAMETERS, **(hyperparameters or {})},
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/features/",
            "S3DataDistributionType": "FullyReplicated"}},
            "ContentType": "text/csv"}],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/models"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        **overrides,
    }
    sagemaker.create_training_job(**request)
    return wait_for(lambda: sagemaker.describe_training_job(TrainingJobName=name),
                    lambda job: job["TrainingJobStatus"] not in ("InProgress", "Stopping"))


def model_tar(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def read_model_tar(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def project_containers(docker_engine, kind: str | None = None) -> list:
    """Containers the emulator started (by its labels), running or not."""
    label = "org.mlops-estate.sagemaker" + (f"={kind}" if kind else "")
    return docker_engine.client.containers.list(all=True, filters={"label": label})




# --- models and endpoints ------------------------------------------------------------------
ROW = "8,2,0,1,132,236,0,1,1,12000"   # one trip in the model's FEATURES order


@pytest.fixture(scope="session")
def trained_models(emulator, docker_engine, model_image, feature_csv) -> dict[str, bytes]:
    """Two real artefacts made by the emulator's training jobs ("a": 40 trees, "b": 5 shallow
    trees: a different model, other predictions) and a broken one (no model.npz)."""
    connect_runtime(emulator, docker_engine)
    bucket = new_bucket(emulator)
    emulator.client("s3").put_object(Bucket=bucket, Key="features/part-000.csv", Body=feature_csv)
    sagemaker, s3 = emulator.client("sagemaker"), emulator.client("s3")
    out = {}
    for name, hyperparameters in (("a", {}), ("b", {"max_iter": "5", "max_depth": "2"})):
        job_name = f"fixture-{name}-{secrets.token_hex(3)}"
        job = training_job(sagemaker, job_name, model_image, bucket, hyperparameters)
        assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
        out[name] = s3.get_object(Bucket=bucket, Key=f"models/{job_name}/output/model.tar.gz")["Body"].read()
    out["broken"] = model_tar({"README.txt": b"no model.npz in here\n"})
    return out


def deploy_model(emu, name: str, image: str, artefact: bytes, bucket: str, instance_count: int = 1,
                 environment: dict | None = None, capture_uri: str | None = None) -> str:
    """Upload an artefact, create a model and an endpoint configuration for it; return the config name."""
    emu.client("s3").put_object(Bucket=bucket, Key=f"artefacts/{name}/model.tar.gz", Body=artefact)
    sagemaker = emu.client("sagemaker")
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE_ARN, PrimaryContainer={
        "Image": image, "ModelDataUrl": f"s3://{bucket}/artefacts/{name}/model.tar.gz",
        "Environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "1", **(environment or {})}})
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "primary", "ModelName": name, "InstanceType": "ml.m5.large",
        "InitialInstanceCount": instance_count, "InitialVariantWeight": 1.0}],
        **({"DataCaptureConfig": {"EnableCapture": True, "InitialSamplingPercentage": 100,
                                  "DestinationS3Uri": capture_uri,
                                  "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]}}
           if capture_uri else {}))
    return name


def predict(emu, endpoint: str) -> float:
    answer = emu.client("sagemaker-runtime").invoke_endpoint(EndpointName=endpoint, ContentType="text/csv",
                                                            Accept="text/csv", Body=ROW)
    return float(answer["Body"].read().decode())


def wait_endpoint(sagemaker, name: str, timeout: float = 180) -> dict:
    return wait_for(lambda: sagemaker.describe_endpoint(EndpointName=name),
                    lambda e: e["EndpointStatus"] not in ("Creating", "Updating"), timeout)


# --- processing, transform and monitoring jobs ----------------------------------------------

def processing_job(sagemaker, name: str, timeout: float = 240) -> dict:
    """Wait for a processing job's end; its DescribeProcessingJob."""
    return wait_for(lambda: sagemaker.describe_processing_job(ProcessingJobName=name),
                    lambda job: job["ProcessingJobStatus"] not in ("InProgress", "Stopping"), timeout)


def transform_job(sagemaker, name: str, timeout: float = 240) -> dict:
    """Wait for a transform job's end; its DescribeTransformJob."""
    return wait_for(lambda: sagemaker.describe_transform_job(TransformJobName=name),
                    lambda job: job["TransformJobStatus"] not in ("InProgress", "Stopping"), timeout)


def predict_many(emu, config: str, bucket: str, rows: list[str]) -> list[str]:
    """What an endpoint of `config` answers for each row (text/csv), for comparing with a batch job."""
    sagemaker, name = emu.client("sagemaker"), f"{config}-reference"
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config)
    try:
        assert wait_endpoint(sagemaker, name)["EndpointStatus"] == "InService"
        runtime = emu.client("sagemaker-runtime")
        return [runtime.invoke_endpoint(EndpointName=name, ContentType="text/csv", Accept="text/csv",
                                        Body=row)["Body"].read().decode().strip() for row in rows]
    finally:
        sagemaker.delete_endpoint(EndpointName=name)
