"""The approval gate through roles/sagemaker, end to end on the emulator: the model image is
pushed to the emulator's ECR (a real registry), training jobs run it in the session's Docker
engine, endpoints serve it; the data is the Lambda section's feature set (its bucket and
prefix, as the Lambda writes it). A weak model stays PendingManualApproval with its reasons and
nothing is deployed; approved by hand, the next run deploys it; a better model is approved
by the gate and rolled out blue/green (canary) in its place."""

from __future__ import annotations

import pytest
import yaml

from emulator import registry as registries
from tests import state_snapshot
from tests.conftest import PROJECT_DIR, run_module, run_playbook
from tests.sagemaker_fixtures import connect_runtime, feature_csv  # noqa: F401 (fixture)

LAMBDA_BUCKET = "lambda-data-123456789012-us-east-1"

pytestmark = pytest.mark.slow

# The section's own play (playbooks/sagemaker.yml) without the local engine play before it:
# the session's engine is connected below (that play would start the inventory's engine).
SECTION_PLAY = yaml.safe_load((PROJECT_DIR / "playbooks" / "sagemaker.yml").read_text())[-1]
COMMON = {"sagemaker_iam_propagation_seconds": 0, "sagemaker_traffic_wait_seconds": 1,
          "sagemaker_model_environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}}
WEAK = {"max_iter": 1, "max_depth": 1, "early_stopping": "false"}
BETTER = {"max_iter": 60, "early_stopping": "false"}


@pytest.fixture
def estate(emulator, docker_engine, registry, model_image, feature_csv, tmp_path):  # noqa: F811 (fixture)
    """A clean emulator whose ECR holds the model image, whose SageMaker runs containers, and
    whose S3 holds a feature set where the Lambda section writes it."""
    emulator.reset()
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=LAMBDA_BUCKET)
    s3.put_object(Bucket=LAMBDA_BUCKET, Key="processed/raw/trips.csv/v=1/records.csv", Body=feature_csv)
    connect_runtime(emulator, docker_engine)
    registries.connect(registry.registry, emulator.admin_endpoint)
    emulator.client("ecr").create_repository(repositoryName="eta-model")
    pushed, _ = run_module(emulator, "ecr_image_push", {"repository": "eta-model", "image": model_image,
                                                        "tag": "gate", "docker_host": docker_engine.host})
    assert pushed.get("failed") is not True, pushed.get("msg")
    playbook = tmp_path / "sagemaker.yml"
    playbook.write_text(yaml.safe_dump([SECTION_PLAY]))
    return emulator, str(playbook)


def run(emu, playbook: str, hyperparameters: dict, *flags: str):
    result = run_playbook(emu, playbook, *flags, extra_vars={**COMMON, "sagemaker_hyperparameters": hyperparameters})
    assert result.rc == 0, result.stdout[-5000:]
    return result


def packages(sagemaker) -> list[dict]:
    summaries = sagemaker.list_model_packages(ModelPackageGroupName="eta", SortBy="CreationTime",
                                              SortOrder="Ascending")["ModelPackageSummaryList"]
    return [sagemaker.describe_model_package(ModelPackageName=s["ModelPackageArn"]) for s in summaries]


def served_artefact(sagemaker) -> str:
    endpoint = sagemaker.describe_endpoint(EndpointName="eta")
    assert endpoint["EndpointStatus"] == "InService", endpoint
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    return model["PrimaryContainer"]["ModelDataUrl"]


def test_weak_waits_for_a_person_then_a_better_model_replaces_it(estate):
    emu, playbook = estate
    sagemaker = emu.client("sagemaker")

    weak = run(emu, playbook, WEAK)
    [job] = sagemaker.list_training_jobs()["TrainingJobSummaries"]
    channel = sagemaker.describe_training_job(TrainingJobName=job["TrainingJobName"])["InputDataConfig"][0]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{LAMBDA_BUCKET}/processed/"
    [v1] = packages(sagemaker)
    assert v1["ModelApprovalStatus"] == "PendingManualApproval"
    said = " ".join(weak.stdout.split())
    # Why, in the run's output: thresholds and the baseline (a one-tree stump fails them all).
    for reason in ("stays PendingManualApproval", "above the threshold 300", "below the threshold 0.5",
                   "does not beat the report"):
        assert reason in said, (reason, said[-3000:])
    assert "nothing to deploy" in said
    assert sagemaker.list_endpoints()["Endpoints"] == []

    # A person approves it: the next run (nothing new: no training) deploys it.
    sagemaker.update_model_package(ModelPackageArn=v1["ModelPackageArn"], ModelApprovalStatus="Approved")
    again = run(emu, playbook, WEAK)
    assert len(sagemaker.list_training_jobs()["TrainingJobSummaries"]) == 1
    assert served_artefact(sagemaker) == v1["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    assert "Endpoint eta (version 1) predicts" in " ".join(again.stdout.split())

    # A better model passes the gate (it beats version 1) and replaces it blue/green.
    better = run(emu, playbook, BETTER)
    v1_after, v2 = packages(sagemaker)
    assert v1_after["ModelApprovalStatus"] == "Approved"  # a person's decision is never changed
    assert v2["ModelApprovalStatus"] == "Approved"
    assert "beats version 1" in v2["ApprovalDescription"]
    assert served_artefact(sagemaker) == v2["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    assert "Endpoint eta (version 2) predicts" in " ".join(better.stdout.split())
    configs = [c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]]
    assert len(configs) == 1, configs  # the superseded configuration was removed

    # Converged: a preview reports no change and changes nothing.
    before = state_snapshot.take(emu.client)
    check = run(emu, playbook, BETTER, "--check", "--diff")
    assert check.recap["changed"] == 0, check.stdout[-4000:]
    assert state_snapshot.differences(before, state_snapshot.take(emu.client)) == []
