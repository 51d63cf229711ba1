"""library/sagemaker_endpoint.py against the real parts: the emulator's SageMaker with the
model image really serving in the session's Docker engine (emulator/extensions/
sagemaker_endpoints.py), artefacts made by real training jobs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import run_module
from tests.sagemaker_fixtures import (
    ROLE_ARN,
    connect_runtime,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    predict,
    project_containers,
    trained_models,  # noqa: F401 (fixture)
)

CANARY = {"type": "CANARY", "step_percent": 50, "wait_interval_seconds": 1, "termination_wait_seconds": 0}


@pytest.fixture
def aws(emulator, docker_engine, model_image, trained_models):  # noqa: F811 (fixtures)
    """A clean emulator connected to the engine, and the artefacts in a bucket: {name: s3 uri}."""
    emulator.reset()
    connect_runtime(emulator, docker_engine)
    bucket = new_bucket(emulator)
    uris = {}
    for name, data in trained_models.items():
        emulator.client("s3").put_object(Bucket=bucket, Key=f"{name}/model.tar.gz", Body=data)
        uris[name] = f"s3://{bucket}/{name}/model.tar.gz"
    return emulator, uris


def rollout(emu, image: str, artefact: str, *flags: str, **extra) -> tuple[dict, str]:
    params = {"name": "eta", "model": {"image": image, "model_data_url": artefact, "execution_role_arn": ROLE_ARN,
                                       "environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}},
              "deployment": CANARY, "wait_timeout": 240, **extra}
    return run_module(emu, "sagemaker_endpoint", params, *flags)


def exists(call, **kwargs) -> bool:
    try:
        call(**kwargs)
    except ClientError as err:
        assert "Could not find" in err.response["Error"]["Message"]
        return False
    return True


def test_create_rerun_check_update_and_remove(aws, model_image, docker_engine):
    emu, uris = aws
    sagemaker = emu.client("sagemaker")

    created, _ = rollout(emu, model_image, uris["a"])
    assert created.get("failed") is not True, created
    assert created["changed"] is True and created["endpoint_status"] == "InService"
    assert "diff" not in created  # diff only in diff mode
    first_config, first_model = created["endpoint_config_name"], created["model_name"]
    assert sagemaker.describe_endpoint(EndpointName="eta")["EndpointConfigName"] == first_config
    answer_a = predict(emu, "eta")

    again, _ = rollout(emu, model_image, uris["a"], "--diff")
    assert again["changed"] is False and again["endpoint_config_name"] == first_config
    assert again["diff"]["before"] == again["diff"]["after"]

    # Check mode on a new model: reports the change, creates and updates nothing.
    models_before = {m["ModelName"] for m in sagemaker.list_models()["Models"]}
    checked, _ = rollout(emu, model_image, uris["b"], "--check", "--diff")
    assert checked["changed"] is True
    assert checked["diff"]["before"]["model_data_url"] == uris["a"]
    assert checked["diff"]["after"]["model_data_url"] == uris["b"]
    assert {m["ModelName"] for m in sagemaker.list_models()["Models"]} == models_before
    assert sagemaker.describe_endpoint(EndpointName="eta")["EndpointConfigName"] == first_config

    # A new model: a blue/green update; what it superseded is deleted.
    updated, _ = rollout(emu, model_image, uris["b"])
    assert updated.get("failed") is not True, updated
    assert updated["changed"] is True and updated["endpoint_config_name"] != first_config
    endpoint = sagemaker.describe_endpoint(EndpointName="eta")
    assert endpoint["EndpointConfigName"] == updated["endpoint_config_name"]
    assert endpoint["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    assert set(updated["deleted"]) == {first_config, first_model}
    assert not exists(sagemaker.describe_endpoint_config, EndpointConfigName=first_config)
    assert not exists(sagemaker.describe_model, ModelName=first_model)
    assert predict(emu, "eta") != answer_a

    removed, _ = rollout(emu, model_image, uris["b"], state="absent")
    assert removed["changed"] is True
    assert set(removed["deleted"]) == {updated["endpoint_config_name"], updated["model_name"]}
    assert not exists(sagemaker.describe_endpoint, EndpointName="eta")
    assert not project_containers(docker_engine, "endpoint")
    gone, _ = rollout(emu, model_image, uris["b"], state="absent")
    assert gone["changed"] is False


def test_a_failing_update_is_reported_and_the_old_model_keeps_answering(aws, model_image):
    emu, uris = aws
    sagemaker = emu.client("sagemaker")
    created, _ = rollout(emu, model_image, uris["a"])
    assert created["changed"] is True, created
    answer = predict(emu, "eta")

    failed, _ = rollout(emu, model_image, uris["broken"])
    assert failed["failed"] is True and failed["rolled_back"] is True
    assert "did not pass the ping health check" in failed["msg"]
    assert f"{created['endpoint_config_name']} still serves" in failed["msg"]
    endpoint = sagemaker.describe_endpoint(EndpointName="eta")
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == created["endpoint_config_name"]
    assert predict(emu, "eta") == answer
    # What the failed update made is gone; what serves is kept.
    assert not exists(sagemaker.describe_endpoint_config, EndpointConfigName=failed["endpoint_config_name"])
    assert not exists(sagemaker.describe_model, ModelName=failed["model_name"])
    assert exists(sagemaker.describe_model, ModelName=created["model_name"])


def test_bad_input_fails_before_any_change(aws, model_image):
    emu, uris = aws
    result, _ = rollout(emu, model_image, uris["a"], variant={"instance_count": 0})
    assert result["failed"] is True and "variant.instance_count" in result["msg"]
    assert emu.client("sagemaker").list_models()["Models"] == []
