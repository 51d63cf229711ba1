"""emulator/extensions/cloudwatch_alarm_evaluation.py: PutMetricData evaluates the alarms on
that metric, a state change is recorded in the alarm's history and reaches EventBridge rules
as AWS's "CloudWatch Alarm State Change" event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

NAMESPACE = "/aws/sagemaker/Endpoint/data-metrics"
DIMENSIONS = [{"Name": "Endpoint", "Value": "eta"}, {"Name": "MonitoringSchedule", "Value": "eta-drift"}]
PATTERN = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
           "detail": {"state": {"value": ["ALARM"]}}}


def drift_alarm(cloudwatch, name: str = "eta-drift", **overrides) -> None:
    statistic = {} if "ExtendedStatistic" in overrides else {"Statistic": overrides.pop("Statistic", "Maximum")}
    cloudwatch.put_metric_alarm(**statistic, **{
        "AlarmName": name, "AlarmDescription": "prediction drift", "Namespace": NAMESPACE,
        "MetricName": "feature_baseline_drift_prediction", "Dimensions": DIMENSIONS,
        "Period": 3600, "EvaluationPeriods": 1, "Threshold": 0.2, "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "missing", **overrides})


def put(cloudwatch, *values: float, at: datetime, name: str = "feature_baseline_drift_prediction") -> None:
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[
        {"MetricName": name, "Dimensions": DIMENSIONS, "Value": v, "Timestamp": at} for v in values])


def state(cloudwatch, name: str) -> dict:
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def test_datapoints_move_the_alarm_and_the_change_reaches_eventbridge(flavour):
    cloudwatch, events, sqs = flavour.client("cloudwatch"), flavour.client("events"), flavour.client("sqs")
    queue = sqs.create_queue(QueueName="retrain")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="drift-alarm", EventPattern=json.dumps(PATTERN))
    # A Lambda target beside the queue: not run here, and it must not stop the queue's delivery.
    events.put_targets(Rule="drift-alarm", Targets=[
        {"Id": "lambda", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:retrain"},
        {"Id": "queue", "Arn": queue_arn}])

    drift_alarm(cloudwatch)
    assert state(cloudwatch, "eta-drift")["StateValue"] == "INSUFFICIENT_DATA"
    window = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    put(cloudwatch, 0.05, 0.31, at=window + timedelta(minutes=10))  # a day's window, analysed later

    alarm = state(cloudwatch, "eta-drift")
    assert alarm["StateValue"] == "ALARM"
    assert alarm["StateReason"] == (
        f"Threshold Crossed: 1 out of the last 1 datapoints [0.31 ({window:%d/%m/%y %H:%M:%S})] was greater than "
        "the threshold (0.2) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).")
    reason_data = json.loads(alarm["StateReasonData"])
    assert reason_data["recentDatapoints"] == [0.31] and reason_data["statistic"] == "Maximum"

    [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    event = json.loads(message["Body"])
    assert event["source"] == "aws.cloudwatch" and event["detail-type"] == "CloudWatch Alarm State Change"
    assert event["resources"] == [alarm["AlarmArn"]]
    detail = event["detail"]
    assert detail["alarmName"] == "eta-drift"
    assert detail["state"]["value"] == "ALARM" and detail["state"]["reason"] == alarm["StateReason"]
    assert detail["previousState"]["value"] == "INSUFFICIENT_DATA"
    assert detail["configuration"]["description"] == "prediction drift"
    assert detail["configuration"]["metrics"][0]["metricStat"] == {
        "metric": {"namespace": NAMESPACE, "name": "feature_baseline_drift_prediction",
                   "dimensions": {"Endpoint": "eta", "MonitoringSchedule": "eta-drift"}},
        "period": 3600, "stat": "Maximum"}
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

    put(cloudwatch, 0.1, at=window + timedelta(hours=1, minutes=10))  # the next window is fine
    assert state(cloudwatch, "eta-drift")["StateValue"] == "OK"
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)  # the rule wants ALARM only
    drift_alarm(cloudwatch)  # an update keeps the state
    assert state(cloudwatch, "eta-drift")["StateValue"] == "OK"

    history = cloudwatch.describe_alarm_history(AlarmName="eta-drift", HistoryItemType="StateUpdate")
    assert [i["HistorySummary"] for i in history["AlarmHistoryItems"]] == [
        "Alarm updated from ALARM to OK", "Alarm updated from INSUFFICIENT_DATA to ALARM"]
    data = json.loads(history["AlarmHistoryItems"][0]["HistoryData"])
    assert data["oldState"]["stateValue"] == "ALARM" and data["newState"]["stateValue"] == "OK"


def test_percentiles_datapoints_to_alarm_and_set_alarm_state(flavour):
    cloudwatch = flavour.client("cloudwatch")
    minute = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    for name, operator in (("p90-at-9", "GreaterThanOrEqualToThreshold"), ("p90-over-9", "GreaterThanThreshold")):
        drift_alarm(cloudwatch, name, MetricName="latency", ExtendedStatistic="p90", Period=60,
                    Threshold=9.0, ComparisonOperator=operator)
    drift_alarm(cloudwatch, "two-of-three", MetricName="errors", Statistic="Sum", Period=60, EvaluationPeriods=3,
                DatapointsToAlarm=2, Threshold=0.0)
    put(cloudwatch, *[float(v) for v in range(1, 11)], at=minute, name="latency")  # p90 of 1..10 is 9
    assert state(cloudwatch, "p90-at-9")["StateValue"] == "ALARM"
    assert state(cloudwatch, "p90-over-9")["StateValue"] == "OK"

    for treatment in ("breaching", "notBreaching"):
        drift_alarm(cloudwatch, f"gaps-{treatment}", MetricName="errors", Statistic="Sum", Period=60,
                    EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=5.0, TreatMissingData=treatment)
    put(cloudwatch, 1.0, at=minute, name="errors")
    assert state(cloudwatch, "two-of-three")["StateValue"] == "OK"  # 1 of the last 3 minutes breached
    # The two minutes before have no data: counted as breaching, or not.
    assert state(cloudwatch, "gaps-breaching")["StateValue"] == "ALARM"
    assert state(cloudwatch, "gaps-notBreaching")["StateValue"] == "OK"
    put(cloudwatch, 2.0, at=minute + timedelta(minutes=2), name="errors")
    assert state(cloudwatch, "two-of-three")["StateValue"] == "ALARM"  # 2 of 3

    cloudwatch.set_alarm_state(AlarmName="p90-over-9", StateValue="ALARM", StateReason="test")
    [item] = cloudwatch.describe_alarm_history(AlarmName="p90-over-9", HistoryItemType="StateUpdate",
                                               MaxRecords=1)["AlarmHistoryItems"]
    assert item["HistorySummary"] == "Alarm updated from OK to ALARM"
