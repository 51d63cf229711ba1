#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: a SageMaker monitoring schedule (Model Monitor), and its NOW executions."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_monitoring_schedule
short_description: Create, update or delete a SageMaker monitoring schedule; wait for a one-time execution
version_added: 1.0.0
author: MLOps estate project
description:
  - Makes the monitoring schedule I(name) hold I(config) (the API's
    C(MonitoringScheduleConfig)); amazon.aws and community.aws have no Model Monitor module.
  - I(config) is compared with the stored configuration (only the keys given), so a rerun
    with the same configuration reports no change and starts nothing.
  - A recurring schedule (C(cron(...))) is updated in place. A one-time schedule
    (C(ScheduleExpression=NOW)) runs once when created, so a changed one is deleted and
    created again (UpdateMonitoringSchedule does not rerun it on AWS); with I(wait) the
    module waits for that execution and returns its outcome.
  - Check mode changes nothing and reports what would change; the diff (before/after
    configuration) is returned only in diff mode.
options:
  name:
    description: Schedule name (also the C(MonitoringSchedule) dimension of the job's metrics).
    type: str
    required: true
  config:
    description: C(MonitoringScheduleConfig) (C(ScheduleConfig), C(MonitoringJobDefinition), C(MonitoringType)...).
    type: dict
  tags:
    description: Tags set when the schedule is created.
    type: dict
    default: {}
  state:
    description: C(present) creates or updates the schedule, C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: For a NOW schedule that this run started, wait for its execution to end.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the execution.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Analyse the last hour of the endpoint's capture now
  sagemaker_monitoring_schedule:
    name: eta-monitoring
    config:
      ScheduleConfig: {ScheduleExpression: NOW, DataAnalysisStartTime: -PT1H, DataAnalysisEndTime: -PT0H}
      MonitoringJobDefinition:
        MonitoringInputs:
          - EndpointInput: {EndpointName: eta, LocalPath: /opt/ml/processing/input/endpoint}
        MonitoringOutputConfig:
          MonitoringOutputs:
            - S3Output: {S3Uri: "s3://bucket/monitoring/reports", LocalPath: /opt/ml/processing/resultdata}
        MonitoringResources:
          ClusterConfig: {InstanceCount: 1, InstanceType: ml.m5.large, VolumeSizeInGB: 10}
        MonitoringAppSpecification: {ImageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/eta-model@sha256:...",
                                     ContainerArguments: [monitor]}
        RoleArn: arn:aws:iam::123456789012:role/eta-sagemaker-execution
  register: monitoring
"""

RETURN = r"""
schedule_arn:
  description: The schedule's ARN (null when absent or only previewed).
  returned: always
  type: str
status:
  description: C(MonitoringScheduleStatus).
  returned: when the schedule exists
  type: str
execution:
  description: >-
    The last execution (C(MonitoringExecutionStatus), C(ProcessingJobArn), C(FailureReason)...)
    as DescribeMonitoringSchedule's C(LastMonitoringExecutionSummary) reports it, after the wait.
  returned: when the schedule has run
  type: dict
started:
  description: Whether this run created a NOW schedule (so started an execution).
  returned: always
  type: bool
"""

import contextlib
import time

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

ENDED = {"Completed", "CompletedWithViolations", "Failed", "Stopped"}


def describe(client, name: str) -> dict | None:
    try:
        return client.describe_monitoring_schedule(aws_retry=True, MonitoringScheduleName=name)
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] in ("ResourceNotFound", "ValidationException"):
            return None
        raise


def subset(wanted, stored) -> bool:
    """True when every key of `wanted` holds the same value in `stored` (the service adds defaults)."""
    if isinstance(wanted, dict):
        return isinstance(stored, dict) and all(subset(v, stored.get(k)) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(stored, list) and len(wanted) == len(stored) and all(map(subset, wanted, stored))
    return wanted == stored or str(wanted) == str(stored)


def wait_execution(module, client, name: str) -> dict | None:
    deadline = time.monotonic() + module.params["wait_timeout"]
    while True:
        summary = (describe(client, name) or {}).get("LastMonitoringExecutionSummary")
        if summary and summary.get("MonitoringExecutionStatus") in ENDED:
            return summary
        if time.monotonic() > deadline:
            module.fail_json(msg=f"monitoring schedule {name}: no finished execution after "
                                 f"{module.params['wait_timeout']} s (wait_timeout)", execution=summary)
        time.sleep(2)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "config": {"type": "dict"},
            "tags": {"type": "dict", "default": {}},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "wait": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 1800},
        },
        required_if=[("state", "present", ["config"])],
        supports_check_mode=True,
    )
    p = module.params
    client = module.client("sagemaker", retry_decorator=AWSRetry.jittered_backoff())
    name = p["name"]
    try:
        before = describe(client, name)
        stored = (before or {}).get("MonitoringScheduleConfig")
        if p["state"] == "absent":
            changed = before is not None
            if changed and not module.check_mode:
                client.delete_monitoring_schedule(aws_retry=True, MonitoringScheduleName=name)
            result = {"changed": changed, "schedule_arn": None, "started": False}
            if module._diff:
                result["diff"] = {"before": stored or {}, "after": {}}
            module.exit_json(**result)

        config = p["config"]
        once = config.get("ScheduleConfig", {}).get("ScheduleExpression") == "NOW"
        changed = before is None or not subset(config, stored)
        result = {"changed": changed, "started": changed and once, "schedule_arn": (before or {}).get(
            "MonitoringScheduleArn")}
        if module._diff:
            result["diff"] = {"before": stored or {}, "after": config}
        if changed and not module.check_mode:
            if before is not None and once:
                # A one-time schedule runs when created: a new window is a new schedule.
                client.delete_monitoring_schedule(aws_retry=True, MonitoringScheduleName=name)
                before = None
            if before is None:
                tags = [{"Key": k, "Value": str(v)} for k, v in p["tags"].items()]
                result["schedule_arn"] = client.create_monitoring_schedule(
                    aws_retry=True, MonitoringScheduleName=name, MonitoringScheduleConfig=config,
                    **({"Tags": tags} if tags else {}))["MonitoringScheduleArn"]
            else:
                client.update_monitoring_schedule(aws_retry=True, MonitoringScheduleName=name,
                                                  MonitoringScheduleConfig=config)
        if result["started"] and p["wait"] and not module.check_mode:
            result["execution"] = wait_execution(module, client, name)
        now = describe(client, name) if not module.check_mode or before else before
        if now:
            result["status"] = now.get("MonitoringScheduleStatus")
            result.setdefault("execution", now.get("LastMonitoringExecutionSummary"))
        if (result.get("execution") or {}).get("MonitoringExecutionStatus") == "Failed" and result["started"]:
            module.fail_json(msg=f"monitoring execution of {name} failed: "
                                 f"{result['execution'].get('FailureReason', 'no FailureReason')}", **result)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"managing SageMaker monitoring schedule {name}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
