"""emulator/extensions/sagemaker_monitoring_schedules.py: monitoring schedules as the API's
records; a one-time (NOW) schedule runs its job as a processing job on the endpoint's data
capture, and the metrics it publishes drive a CloudWatch alarm to EventBridge. The
container is the model image's python running a small analysis script (no `monitor` entry
needed)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.sagemaker_fixtures import (
    ROLE_ARN,
    connect_runtime,
    deploy_model,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    predict,
    processing_job,
    trained_models,  # noqa: F401 (fixture)
    wait_endpoint,
    wait_for,
)

NAMESPACE = "/aws/sagemaker/Endpoint/data-metrics"
# Reads the window's capture and the baseline, writes a report, a drift metric and the exit message.
ANALYSIS = """
import json, os, pathlib
records = [json.loads(line) for path in sorted(pathlib.Path(os.environ['dataset_source']).rglob('*.jsonl'))
           for line in path.read_text().splitlines() if line.strip()]
predictions = [float(r['captureData']['endpointOutput']['data']) for r in records]
baseline = json.loads(pathlib.Path(os.environ['baseline_constraints']).read_text())
drift = abs(sum(predictions) / len(predictions) - baseline['mean']) / baseline['mean']
out = pathlib.Path(os.environ['output_path'])
(out / 'report.json').write_text(json.dumps({'records': len(records), 'drift': drift,
                                             'format': json.loads(os.environ['dataset_format']),
                                             'endpoint': os.environ['sagemaker_endpoint_name']}))
pathlib.Path('/opt/ml/output/metrics/cloudwatch/drift.json').write_text(json.dumps({
    'MetricName': 'prediction_drift', 'Timestamp': os.environ['end_time'], 'Value': drift,
    'Dimensions': [{'Name': 'Endpoint', 'Value': os.environ['sagemaker_endpoint_name']},
                   {'Name': 'MonitoringSchedule', 'Value': os.environ['sagemaker_monitoring_schedule_name']}]}))
pathlib.Path('/opt/ml/output/message').write_text(
    'CompletedWithViolations: prediction drift' if drift > 0.2 else 'Completed')
"""


def schedule_config(image: str, bucket: str, expression: str = "NOW", **timing) -> dict:
    return {
        "ScheduleConfig": {"ScheduleExpression": expression, **timing},
        "MonitoringType": "DataQuality",
        "MonitoringJobDefinition": {
            "BaselineConfig": {"ConstraintsResource": {"S3Uri": f"s3://{bucket}/baseline/constraints.json"}},
            "MonitoringInputs": [{"EndpointInput": {"EndpointName": "eta",
                                                    "LocalPath": "/opt/ml/processing/input/endpoint"}}],
            "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {
                "S3Uri": f"s3://{bucket}/monitoring/reports", "LocalPath": "/opt/ml/processing/output",
                "S3UploadMode": "EndOfJob"}}]},
            "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                      "VolumeSizeInGB": 10}},
            "MonitoringAppSpecification": {"ImageUri": image,
                                           "ContainerEntrypoint": ["/opt/venv/bin/python", "-c", ANALYSIS]},
            "StoppingCondition": {"MaxRuntimeInSeconds": 300},
            "RoleArn": ROLE_ARN,
        },
    }


@pytest.fixture
def env(flavour, docker_engine, model_image, trained_models):  # noqa: F811 (fixtures)
    connect_runtime(flavour, docker_engine)
    bucket = new_bucket(flavour)
    sagemaker = flavour.client("sagemaker")
    sagemaker.create_endpoint(EndpointName="eta", EndpointConfigName=deploy_model(
        flavour, "eta-a", model_image, trained_models["a"], bucket, capture_uri=f"s3://{bucket}/capture"))
    assert wait_endpoint(sagemaker, "eta")["EndpointStatus"] == "InService"
    yield flavour, bucket
    sagemaker.delete_endpoint(EndpointName="eta")


def test_a_now_schedule_analyses_the_capture_and_its_metric_fires_an_alarm(env, model_image):
    emu, bucket = env
    sagemaker, cloudwatch, s3 = emu.client("sagemaker"), emu.client("cloudwatch"), emu.client("s3")
    sqs, events = emu.client("sqs"), emu.client("events")
    prediction = predict(emu, "eta")
    predict(emu, "eta")
    s3.put_object(Bucket=bucket, Key="baseline/constraints.json", Body=json.dumps({"mean": prediction / 2}))
    queue = sqs.create_queue(QueueName="retrain")["QueueUrl"]
    events.put_rule(Name="drift", EventPattern=json.dumps({"source": ["aws.cloudwatch"],
                                                           "detail": {"alarmName": ["eta-drift"]}}))
    events.put_targets(Rule="drift", Targets=[{"Id": "q", "Arn": sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]}])
    cloudwatch.put_metric_alarm(
        AlarmName="eta-drift", Namespace=NAMESPACE, MetricName="prediction_drift", Statistic="Maximum",
        Dimensions=[{"Name": "Endpoint", "Value": "eta"}, {"Name": "MonitoringSchedule", "Value": "eta-now"}],
        Period=3600, EvaluationPeriods=1, Threshold=0.2, ComparisonOperator="GreaterThanThreshold")

    with pytest.raises(ClientError) as err:  # NOW needs the window
        sagemaker.create_monitoring_schedule(MonitoringScheduleName="eta-now",
                                             MonitoringScheduleConfig=schedule_config(model_image, bucket))
    assert "DataAnalysisStartTime is required" in err.value.response["Error"]["Message"]
    arn = sagemaker.create_monitoring_schedule(
        MonitoringScheduleName="eta-now", MonitoringScheduleConfig=schedule_config(
            model_image, bucket, DataAnalysisStartTime="-PT1H", DataAnalysisEndTime="-PT0H"))["MonitoringScheduleArn"]

    [execution] = sagemaker.list_monitoring_executions(MonitoringScheduleName="eta-now")[
        "MonitoringExecutionSummaries"]
    job_name = execution["ProcessingJobArn"].rsplit("/", 1)[1]
    job = processing_job(sagemaker, job_name)
    assert job["ProcessingJobStatus"] == "Completed", job.get("FailureReason")
    assert job["MonitoringScheduleArn"] == arn
    assert job["Environment"]["sagemaker_monitoring_schedule_name"] == "eta-now"
    report = json.loads(s3.get_object(Bucket=bucket, Key="monitoring/reports/report.json")["Body"].read())
    assert report["records"] == 2 and report["endpoint"] == "eta"
    assert report["format"] == {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
    assert report["drift"] == pytest.approx(1.0, abs=0.01)

    schedule = sagemaker.describe_monitoring_schedule(MonitoringScheduleName="eta-now")
    assert schedule["MonitoringScheduleStatus"] == "Scheduled" and schedule["EndpointName"] == "eta"
    assert schedule["LastMonitoringExecutionSummary"]["MonitoringExecutionStatus"] == "CompletedWithViolations"
    # The published metric moved the alarm, and EventBridge delivered the change.
    assert cloudwatch.describe_alarms(AlarmNames=["eta-drift"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    message = wait_for(lambda: sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1), lambda m: m.get("Messages"),
                       timeout=10)["Messages"][0]
    assert json.loads(message["Body"])["detail"]["state"]["value"] == "ALARM"


def test_schedules_are_records_that_stop_start_update_and_delete(env, model_image):
    emu, bucket = env
    sagemaker = emu.client("sagemaker")
    daily = schedule_config(model_image, bucket, "cron(0 3 ? * * *)")
    sagemaker.create_monitoring_schedule(MonitoringScheduleName="eta-daily", MonitoringScheduleConfig=daily)
    with pytest.raises(ClientError) as err:
        sagemaker.create_monitoring_schedule(MonitoringScheduleName="eta-daily", MonitoringScheduleConfig=daily)
    assert err.value.response["Error"]["Code"] == "ResourceInUse"
    [summary] = sagemaker.list_monitoring_schedules(EndpointName="eta")["MonitoringScheduleSummaries"]
    assert summary["MonitoringScheduleName"] == "eta-daily" and summary["MonitoringScheduleStatus"] == "Scheduled"
    assert sagemaker.list_monitoring_executions(MonitoringScheduleName="eta-daily")[
        "MonitoringExecutionSummaries"] == []  # recurring: a record, not run here

    sagemaker.stop_monitoring_schedule(MonitoringScheduleName="eta-daily")
    assert sagemaker.describe_monitoring_schedule(MonitoringScheduleName="eta-daily")[
        "MonitoringScheduleStatus"] == "Stopped"
    sagemaker.start_monitoring_schedule(MonitoringScheduleName="eta-daily")
    hourly = schedule_config(model_image, bucket, "cron(0 * ? * * *)")
    sagemaker.update_monitoring_schedule(MonitoringScheduleName="eta-daily", MonitoringScheduleConfig=hourly)
    described = sagemaker.describe_monitoring_schedule(MonitoringScheduleName="eta-daily")
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    assert described["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"

    sagemaker.delete_monitoring_schedule(MonitoringScheduleName="eta-daily")
    with pytest.raises(ClientError) as err:
        sagemaker.describe_monitoring_schedule(MonitoringScheduleName="eta-daily")
    assert err.value.response["Error"]["Code"] == "ResourceNotFound"
