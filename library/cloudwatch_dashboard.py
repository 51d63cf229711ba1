#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: a CloudWatch dashboard (PutDashboard / GetDashboard / DeleteDashboards)."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Create, update or delete a CloudWatch dashboard
version_added: 1.0.0
author: MLOps estate project
description:
  - Puts a CloudWatch dashboard whose body is I(body) and deletes it with I(state=absent).
    amazon.aws and community.aws have no dashboard module.
  - The body is compared as JSON with the one stored (key order and spacing do not matter),
    so a rerun with the same body reports no change. Check mode reports what would change;
    a diff (before/after body) is returned only in diff mode.
options:
  name:
    description: Dashboard name.
    type: str
    required: true
  body:
    description:
      - The dashboard body (C(widgets) and optional C(start), C(periodOverride)...), see
        the CloudWatch dashboard body structure. Required with I(state=present).
    type: dict
  state:
    description: C(present) puts the dashboard, C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One metric widget
  cloudwatch_dashboard:
    name: eta-monitoring
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Invocations
            region: us-east-1
            metrics: [[AWS/SageMaker, Invocations, EndpointName, eta, VariantName, AllTraffic]]
"""

RETURN = r"""
dashboard_arn:
  description: The dashboard's ARN (null when absent or only previewed).
  returned: always
  type: str
body:
  description: The body now stored (or that would be, in check mode).
  returned: when state is present
  type: dict
messages:
  description: PutDashboard's validation messages (warnings about the body).
  returned: when the dashboard was put
  type: list
  elements: dict
"""

import contextlib
import json

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def current(client, name: str) -> dict | None:
    """The stored dashboard (arn, parsed body), or None when there is none."""
    try:
        got = client.get_dashboard(aws_retry=True, DashboardName=name)
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] in ("ResourceNotFound", "ResourceNotFoundException"):
            return None
        raise
    return {"arn": got.get("DashboardArn"), "body": json.loads(got.get("DashboardBody") or "{}")}


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "body": {"type": "dict"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    p = module.params
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    try:
        before = current(client, p["name"])
        # Through JSON and back, so it compares like the stored body (tuples become lists).
        wanted = json.loads(json.dumps(p["body"])) if p["state"] == "present" else None
        changed = (before or {}).get("body") != wanted
        result = {"changed": changed, "dashboard_arn": (before or {}).get("arn")}
        if p["state"] == "present":
            result["body"] = wanted
        if module._diff:
            result["diff"] = {"before": (before or {}).get("body") or {}, "after": wanted or {}}
        if changed and not module.check_mode:
            if p["state"] == "present":
                put = client.put_dashboard(aws_retry=True, DashboardName=p["name"], DashboardBody=json.dumps(wanted))
                result["messages"] = put.get("DashboardValidationMessages", [])
                result["dashboard_arn"] = current(client, p["name"])["arn"]
            else:
                client.delete_dashboards(aws_retry=True, DashboardNames=[p["name"]])
                result["dashboard_arn"] = None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"managing CloudWatch dashboard {p['name']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
