"""emulator/extensions/sagemaker_endpoints.py: endpoints run the model image's `serve` in
the local Docker engine; updates are blue/green with rollback; InvokeEndpoint reaches the
container. Artefacts are real ones, made by the emulator's training jobs."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.sagemaker_fixtures import (
    ROW,
    connect_runtime,
    deploy_model,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    predict,
    project_containers,
    trained_models,  # noqa: F401 (fixture)
    wait_endpoint,
)

CANARY = {"BlueGreenUpdatePolicy": {
    "TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 2,
                                    "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50}},
    "TerminationWaitInSeconds": 0, "MaximumExecutionTimeoutInSeconds": 600}}


def serve_model_a(emu, bucket: str, image: str, models: dict) -> float:
    """Endpoint `eta` serving model a (InService); returns its prediction for ROW."""
    emu.client("sagemaker").create_endpoint(EndpointName="eta",
                                            EndpointConfigName=deploy_model(emu, "eta-a", image, models["a"], bucket))
    assert wait_endpoint(emu.client("sagemaker"), "eta")["EndpointStatus"] == "InService"
    return predict(emu, "eta")


@pytest.fixture
def env(flavour, docker_engine, model_image, trained_models):  # noqa: F811 (fixtures)
    connect_runtime(flavour, docker_engine)
    return flavour, new_bucket(flavour)


def test_an_endpoint_serves_the_model_container_and_invoke_reaches_it(env, model_image, trained_models,  # noqa: F811
                                                                       docker_engine):
    emu, bucket = env
    sagemaker = emu.client("sagemaker")
    config = deploy_model(emu, "eta-a", model_image, trained_models["a"], bucket,
                          capture_uri=f"s3://{bucket}/capture")
    sagemaker.create_endpoint(EndpointName="eta", EndpointConfigName=config)
    assert sagemaker.describe_endpoint(EndpointName="eta")["EndpointStatus"] == "Creating"
    endpoint = wait_endpoint(sagemaker, "eta")
    assert endpoint["EndpointStatus"] == "InService", endpoint.get("FailureReason")
    assert endpoint["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == model_image
    assert len(project_containers(docker_engine, "endpoint")) == 1

    value = predict(emu, "eta")
    assert 60 < value < 7200  # seconds for a 12 km trip: the container's real prediction, not a canned body
    # Data capture: the request and the container's answer, as SageMaker's JSON lines.
    s3 = emu.client("s3")
    [captured] = s3.list_objects_v2(Bucket=bucket, Prefix="capture/eta/primary/")["Contents"]
    event = json.loads(s3.get_object(Bucket=bucket, Key=captured["Key"])["Body"].read())
    assert event["captureData"]["endpointInput"] == {"observedContentType": "text/csv", "mode": "INPUT",
                                                     "data": ROW, "encoding": "CSV"}
    assert float(event["captureData"]["endpointOutput"]["data"]) == value

    runtime = emu.client("sagemaker-runtime")
    with pytest.raises(ClientError) as err:
        runtime.invoke_endpoint(EndpointName="eta", ContentType="text/csv", Body="8,2,0,1,132,236,0,1,1,1")
    assert err.value.response["Error"]["Code"] == "ModelError"
    assert err.value.response["OriginalStatusCode"] == 400  # the container's own answer, passed on
    assert "trip_distance_m" in err.value.response["OriginalMessage"]

    with pytest.raises(ClientError) as err:
        runtime.invoke_endpoint(EndpointName="nope", ContentType="text/csv", Body="1")
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert err.value.response["Error"]["Message"] == "Endpoint nope of account 123456789012 not found."

    sagemaker.delete_endpoint(EndpointName="eta")
    assert not project_containers(docker_engine, "endpoint")


def test_an_update_is_blue_green_and_the_old_fleet_goes_after_it(env, model_image, trained_models,  # noqa: F811
                                                                 docker_engine):
    emu, bucket = env
    sagemaker = emu.client("sagemaker")
    before = serve_model_a(emu, bucket, model_image, trained_models)
    deploy_model(emu, "eta-b", model_image, trained_models["b"], bucket)
    no_size = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 1}}}
    with pytest.raises(ClientError, match="CanarySize must be specified"):
        sagemaker.update_endpoint(EndpointName="eta", EndpointConfigName="eta-b", DeploymentConfig=no_size)
    sagemaker.update_endpoint(EndpointName="eta", EndpointConfigName="eta-b", DeploymentConfig=CANARY)
    during = sagemaker.describe_endpoint(EndpointName="eta")
    assert during["EndpointStatus"] == "Updating" and during["EndpointConfigName"] == "eta-a"
    assert predict(emu, "eta") in (before, pytest.approx(before))  # blue serves while green starts
    with pytest.raises(ClientError, match="in-progress"):
        sagemaker.update_endpoint(EndpointName="eta", EndpointConfigName="eta-a")
    after = wait_endpoint(sagemaker, "eta")
    assert after["EndpointStatus"] == "InService" and after["EndpointConfigName"] == "eta-b"
    assert "FailureReason" not in after
    assert after["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    assert predict(emu, "eta") != before  # model b answers now
    running = project_containers(docker_engine, "endpoint")
    assert [c.labels["org.mlops-estate.sagemaker.config"] for c in running] == ["eta-b"]


def test_a_failed_update_keeps_the_old_configuration_serving(env, model_image, trained_models):  # noqa: F811
    emu, bucket = env
    sagemaker = emu.client("sagemaker")
    before = serve_model_a(emu, bucket, model_image, trained_models)
    deploy_model(emu, "eta-broken", model_image, trained_models["broken"], bucket)
    sagemaker.update_endpoint(EndpointName="eta", EndpointConfigName="eta-broken")
    assert sagemaker.describe_endpoint(EndpointName="eta")["EndpointStatus"] == "Updating"
    after = wait_endpoint(sagemaker, "eta")
    assert after["EndpointStatus"] == "InService" and after["EndpointConfigName"] == "eta-a"
    assert "did not pass the ping health check" in after["FailureReason"]
    assert "model.npz does not exist" in after["FailureReason"]  # the container's own reason
    assert predict(emu, "eta") == before


def test_an_alarm_during_the_canary_rolls_the_update_back(env, model_image, trained_models):  # noqa: F811
    emu, bucket = env
    sagemaker, cloudwatch = emu.client("sagemaker"), emu.client("cloudwatch")
    serve_model_a(emu, bucket, model_image, trained_models)
    cloudwatch.put_metric_alarm(AlarmName="eta-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold",
                                Dimensions=[{"Name": "EndpointName", "Value": "eta"}])
    deploy_model(emu, "eta-b", model_image, trained_models["b"], bucket)
    guarded = {**CANARY, "BlueGreenUpdatePolicy": {**CANARY["BlueGreenUpdatePolicy"], "TrafficRoutingConfiguration": {
        **CANARY["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"], "WaitIntervalInSeconds": 30}},
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "eta-5xx"}]}}
    sagemaker.update_endpoint(EndpointName="eta", EndpointConfigName="eta-b", DeploymentConfig=guarded)
    time.sleep(1)
    cloudwatch.set_alarm_state(AlarmName="eta-5xx", StateValue="ALARM", StateReason="test: 5xx during the canary")
    after = wait_endpoint(sagemaker, "eta", timeout=60)
    assert after["EndpointStatus"] == "InService" and after["EndpointConfigName"] == "eta-a"
    assert "eta-5xx" in after["FailureReason"] and "rolled back" in after["FailureReason"]
