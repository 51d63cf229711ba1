"""The monitoring section's custom modules against the emulator, with the module contract
of tests/integration/test_custom_modules.py (check mode changes nothing, a diff only in
diff mode, a rerun changes nothing): cloudwatch_dashboard, sagemaker_monitoring_schedule
(a recurring schedule, a record here; a one-time schedule whose execution fails reports
SageMaker's reason)."""

from __future__ import annotations

import json

from tests.conftest import run_module
from tests.integration.test_custom_modules import assert_contract

ROLE_ARN = "arn:aws:iam::123456789012:role/eta-monitoring-execution"


def widgets(title: str) -> dict:
    return {"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
        "title": title, "region": "us-east-1", "stat": "Sum", "period": 60,
        "metrics": [["AWS/SageMaker", "Invocations", "EndpointName", "eta", "VariantName", "AllTraffic"]]}}]}


def test_cloudwatch_dashboard(clean_emulator):
    emu = clean_emulator
    cloudwatch = emu.client("cloudwatch")

    def stored():
        entries = cloudwatch.list_dashboards()["DashboardEntries"]
        return json.loads(cloudwatch.get_dashboard(DashboardName="eta")["DashboardBody"]) if entries else None

    def run(params, *flags):
        return run_module(emu, "cloudwatch_dashboard", {"name": "eta", **params}, *flags)[0]

    assert_contract(run, {"body": widgets("Traffic")}, lambda: stored() == widgets("Traffic"))
    assert_contract(run, {"body": widgets("Invocations")}, lambda: stored() == widgets("Invocations"))
    assert_contract(run, {"state": "absent"}, lambda: stored() is None)


def schedule(expression: str, endpoint: str = "eta", **timing) -> dict:
    return {
        "ScheduleConfig": {"ScheduleExpression": expression, **timing},
        "MonitoringJobDefinition": {
            "MonitoringInputs": [{"EndpointInput": {"EndpointName": endpoint,
                                                    "LocalPath": "/opt/ml/processing/input/endpoint"}}],
            "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {
                "S3Uri": "s3://bucket/monitoring/reports", "LocalPath": "/opt/ml/processing/resultdata"}}]},
            "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                      "VolumeSizeInGB": 10}},
            "MonitoringAppSpecification": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/eta-model@sha256:"
                                                       + "ab" * 32, "ContainerArguments": ["monitor"]},
            "RoleArn": ROLE_ARN,
        },
    }


def test_sagemaker_monitoring_schedule(clean_emulator):
    emu = clean_emulator
    sagemaker = emu.client("sagemaker")

    def stored():
        names = [s["MonitoringScheduleName"] for s in sagemaker.list_monitoring_schedules()[
            "MonitoringScheduleSummaries"]]
        return (sagemaker.describe_monitoring_schedule(MonitoringScheduleName="eta-hourly")
                ["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] if "eta-hourly" in names else None)

    def run(params, *flags):
        return run_module(emu, "sagemaker_monitoring_schedule", {"name": "eta-hourly", **params}, *flags)[0]

    hourly, daily = "cron(0 * ? * * *)", "cron(0 3 ? * * *)"
    assert_contract(run, {"config": schedule(hourly)}, lambda: stored() == hourly)
    assert_contract(run, {"config": schedule(daily)}, lambda: stored() == daily)
    assert run({"config": schedule(daily)})["started"] is False   # recurring: nothing ran now
    assert_contract(run, {"state": "absent"}, lambda: stored() is None)


def test_a_failed_one_time_execution_fails_with_its_reason(clean_emulator):
    result, _ = run_module(clean_emulator, "sagemaker_monitoring_schedule", {
        "name": "eta-now", "wait_timeout": 60,
        "config": schedule("NOW", endpoint="missing", DataAnalysisStartTime="-PT1H", DataAnalysisEndTime="-PT0H")})
    assert result.get("failed") is True and result["started"] is True
    assert "endpoint missing does not exist" in result["msg"], result["msg"]
    assert result["execution"]["MonitoringExecutionStatus"] == "Failed"
