"""The retraining trigger through roles/monitoring on the emulator: the drift and quality
alarms, the EventBridge rule and its SQS queue. A drift alarm driven into ALARM by the
monitoring job's metric (PutMetricData, evaluated by the emulator) and a quality alarm set
to ALARM each put exactly one CloudWatch Alarm State Change event on the queue; the same
alarms going back to OK, and another alarm entering ALARM, put nothing there."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from tests.conftest import PROJECT_DIR, run_playbook

# The section's play (playbooks/monitoring.yml, its connection defaults) with the trigger
# entry point alone: no endpoint, no monitoring run.
SECTION_PLAY = yaml.safe_load((PROJECT_DIR / "playbooks" / "monitoring.yml").read_text())[-1]
PLAY = {"name": "Monitoring trigger", "hosts": "aws_control", "gather_facts": False,
        "module_defaults": SECTION_PLAY["module_defaults"],
        "tasks": [{"name": "Alarms, dashboard, trigger", "ansible.builtin.include_role":
                   {"name": "monitoring", "tasks_from": "trigger"}}]}
NAMESPACE = "/aws/sagemaker/Endpoint/data-metrics"
DIMENSIONS = [{"Name": "Endpoint", "Value": "eta"}, {"Name": "MonitoringSchedule", "Value": "eta-monitoring"}]


@pytest.fixture(scope="module")
def trigger(emulator, tmp_path_factory):
    """The trigger as the role makes it, run twice (the second must change nothing)."""
    emulator.reset()
    playbook = tmp_path_factory.mktemp("monitoring") / "trigger.yml"
    playbook.write_text(yaml.safe_dump([PLAY]))
    first = run_playbook(emulator, str(playbook))
    assert first.rc == 0, first.stdout[-4000:]
    again = run_playbook(emulator, str(playbook))
    assert again.rc == 0 and again.recap["changed"] == 0, again.stdout[-4000:]
    sqs = emulator.client("sqs")
    return emulator, sqs.get_queue_url(QueueName="eta-retraining")["QueueUrl"]


def drain(sqs, url: str) -> list[dict]:
    """Every message now on the queue, deleted once read."""
    events = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       VisibilityTimeout=0).get("Messages", []):
        for message in batch:
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return events


def test_role_makes_the_alarms_rule_queue_and_dashboard(trigger):
    emu, url = trigger
    cloudwatch, events = emu.client("cloudwatch"), emu.client("events")
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNamePrefix="eta-")["MetricAlarms"]}
    assert alarms["eta-drift"]["MetricName"] == "drift_alerts"
    assert alarms["eta-drift"]["Namespace"] == NAMESPACE
    assert alarms["eta-model-quality"]["MetricName"] == "model_mae"
    assert alarms["eta-model-quality"]["Threshold"] == 300.0
    pattern = json.loads(events.describe_rule(Name="eta-retrain-on-alarm")["EventPattern"])
    assert pattern["detail"] == {"alarmName": ["eta-drift", "eta-model-quality"], "state": {"value": ["ALARM"]}}
    targets = events.list_targets_by_rule(Rule="eta-retrain-on-alarm")["Targets"]
    assert [t["Arn"].rsplit(":", 1)[1] for t in targets] == ["eta-retraining"]
    policy = json.loads(emu.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
                        ["Attributes"]["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(":rule/eta-retrain-on-alarm")
    body = json.loads(cloudwatch.get_dashboard(DashboardName="eta-monitoring")["DashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == ["Traffic (invocations)", "Latency", "Errors", "Drift (alerts, prediction PSI)",
                      "Model quality vs ground truth", "Alarms"]
    assert body["widgets"][-1]["properties"]["alarms"][0].endswith(":alarm:eta-drift")


def test_drift_metric_over_threshold_reaches_the_queue(trigger):
    emu, url = trigger
    sqs, cloudwatch = emu.client("sqs"), emu.client("cloudwatch")
    drain(sqs, url)
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[
        {"MetricName": "drift_alerts", "Dimensions": DIMENSIONS, "Value": 4.0, "Unit": "Count",
         "Timestamp": datetime.now(UTC)}])
    assert cloudwatch.describe_alarms(AlarmNames=["eta-drift"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    delivered = drain(sqs, url)
    assert [(e["detail-type"], e["detail"]["alarmName"], e["detail"]["state"]["value"]) for e in delivered] == [
        ("CloudWatch Alarm State Change", "eta-drift", "ALARM")]
    assert delivered[0]["source"] == "aws.cloudwatch"


def test_non_matching_state_changes_do_not(trigger):
    emu, url = trigger
    sqs, cloudwatch = emu.client("sqs"), emu.client("cloudwatch")
    drain(sqs, url)
    # Back to OK: the rule's pattern wants ALARM only.
    cloudwatch.set_alarm_state(AlarmName="eta-drift", StateValue="OK", StateReason="test: recovered")
    # Another alarm entering ALARM (the endpoint's latency alarm is not a retraining cause).
    cloudwatch.put_metric_alarm(AlarmName="eta-AllTraffic-model-latency", Namespace="AWS/SageMaker",
                                MetricName="ModelLatency", Statistic="Average", Period=60, EvaluationPeriods=1,
                                Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
    cloudwatch.set_alarm_state(AlarmName="eta-AllTraffic-model-latency", StateValue="ALARM", StateReason="test")
    assert drain(sqs, url) == []
    # The quality alarm entering ALARM does (the control: the queue and rule still work).
    cloudwatch.set_alarm_state(AlarmName="eta-model-quality", StateValue="ALARM", StateReason="test: MAE 412 s")
    assert [e["detail"]["alarmName"] for e in drain(sqs, url)] == ["eta-model-quality"]


def test_absent_removes_the_trigger(trigger, tmp_path):
    """Last in the module: monitoring_state=absent deletes what the trigger made, and again changes nothing."""
    emu, _ = trigger
    play = {**PLAY, "tasks": [{"name": "Whole role, absent", "ansible.builtin.include_role": {"name": "monitoring"}}]}
    playbook = tmp_path / "absent.yml"
    playbook.write_text(yaml.safe_dump([play]))
    for changed in (True, False):
        run = run_playbook(emu, str(playbook), extra_vars={"monitoring_state": "absent"})
        assert run.rc == 0 and (run.recap["changed"] > 0) == changed, run.stdout[-4000:]
    assert emu.client("events").list_rules(NamePrefix="eta-retrain")["Rules"] == []
    assert emu.client("sqs").list_queues(QueueNamePrefix="eta-retraining").get("QueueUrls", []) == []
    assert emu.client("cloudwatch").list_dashboards()["DashboardEntries"] == []
    names = [a["AlarmName"] for a in emu.client("cloudwatch").describe_alarms()["MetricAlarms"]]
    assert "eta-drift" not in names and "eta-model-quality" not in names
