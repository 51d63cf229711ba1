#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: publish metric data to CloudWatch (PutMetricData)."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_metric_data
short_description: Publish metric data points to CloudWatch
version_added: 1.0.0
author: MLOps estate project
description:
  - Sends data points to CloudWatch with C(PutMetricData), 20 per call (amazon.aws and
    community.aws have no module for it). Used to publish what a job wrote in PutMetricData's
    shape (for instance the model-quality numbers of a processing job's C(metrics.json)).
  - A data point is an event, not a state; the task always reports a change when it sends
    something. Make the task itself run once per event (the caller records what it published).
  - Check mode sends nothing. A diff (namespace, metric names) is returned only in diff mode.
options:
  namespace:
    description: The metrics' namespace.
    type: str
    required: true
  metric_data:
    description: PutMetricData's MetricDatum objects (C(MetricName), C(Value), C(Unit), C(Dimensions), C(Timestamp)).
    type: list
    elements: dict
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Publish the model-quality numbers of a report
  cloudwatch_metric_data:
    namespace: /aws/sagemaker/Endpoint/data-metrics
    metric_data:
      - MetricName: model_mae
        Value: 412.5
        Unit: Seconds
        Dimensions: [{Name: Endpoint, Value: eta}, {Name: MonitoringSchedule, Value: eta-monitoring}]
"""

RETURN = r"""
published:
  description: Names of the metrics sent (would be sent, in check mode).
  returned: always
  type: list
  elements: str
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

BATCH = 20  # data points per PutMetricData call that every SDK accepts


def main():
    module = AnsibleAWSModule(
        argument_spec={"namespace": {"type": "str", "required": True},
                       "metric_data": {"type": "list", "elements": "dict", "required": True}},
        supports_check_mode=True,
    )
    p = module.params
    if not p["namespace"] or p["namespace"].startswith("AWS/"):
        module.fail_json(msg=f"namespace {p['namespace']!r} must be set and must not start with AWS/ (reserved)")
    for i, datum in enumerate(p["metric_data"]):
        if not datum.get("MetricName") or not isinstance(datum.get("Value"), (int, float)):
            module.fail_json(msg=f"metric_data[{i}] needs a MetricName and a numeric Value: {datum}")
    names = [d["MetricName"] for d in p["metric_data"]]
    diff = {"diff": {"before": {}, "after": {"namespace": p["namespace"], "metrics": names}}} if module._diff else {}
    if module.check_mode or not names:
        module.exit_json(changed=bool(names), published=names, **diff)
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    try:
        for start in range(0, len(names), BATCH):
            client.put_metric_data(aws_retry=True, Namespace=p["namespace"],
                                   MetricData=p["metric_data"][start:start + BATCH])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"publishing {names} to {p['namespace']}")
    module.exit_json(changed=True, published=names, **diff)


if __name__ == "__main__":
    main()
