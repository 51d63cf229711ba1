#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules put DOCUMENTATION/EXAMPLES/RETURN before the imports:
# ruff: noqa: E402
"""Reserved concurrency and asynchronous-invocation settings (destinations) of a Lambda function."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_invoke_config
short_description: Manage a Lambda function's reserved concurrency and async invocation config
description:
  - Sets a function's reserved concurrency (PutFunctionConcurrency) and its asynchronous
    invocation configuration (PutFunctionEventInvokeConfig) - retry attempts, maximum event
    age and the on-failure / on-success destinations. C(amazon.aws.lambda) manages neither.
  - Compares with what the function has and calls the API only on a difference, so a rerun
    reports no change; supports check mode, and diff mode (C(--diff)).
version_added: "1.0.0"
author: MLOps estate project
options:
  name:
    description: Function name or ARN.
    type: str
    required: true
  state:
    description: C(absent) removes the async invocation config and the concurrency reservation.
    type: str
    choices: [present, absent]
    default: present
  reserved_concurrency:
    description:
      - Concurrent executions reserved for (and capping) the function. Omit to leave it as it is.
    type: int
  maximum_retry_attempts:
    description: Retries Lambda makes after an asynchronous invocation fails (0-2).
    type: int
    default: 2
  maximum_event_age_in_seconds:
    description: How long Lambda keeps an event for retries (60-21600).
    type: int
    default: 21600
  on_failure_destination:
    description: ARN of the SQS queue, SNS topic, function or event bus that receives failed invocations.
    type: str
  on_success_destination:
    description: ARN that receives successful invocations' results.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Cap the function at 5 concurrent runs; failed events go to a queue after 2 retries
  lambda_invoke_config:
    name: trip-features
    reserved_concurrency: 5
    maximum_retry_attempts: 2
    maximum_event_age_in_seconds: 3600
    on_failure_destination: arn:aws:sqs:us-east-1:123456789012:trip-features-failures
"""

RETURN = r"""
reserved_concurrency:
  description: Reserved concurrency after the change (null when none is reserved).
  returned: always
  type: int
event_invoke_config:
  description: The async invocation config after the change (empty when absent).
  returned: always
  type: dict
  contains:
    maximum_retry_attempts:
      description: Retry attempts.
      type: int
    maximum_event_age_in_seconds:
      description: Maximum event age.
      type: int
    destination_config:
      description: On-failure / on-success destinations.
      type: dict
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def current_config(client, name):
    try:
        config = client.get_function_event_invoke_config(FunctionName=name, aws_retry=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        return {}
    return {
        "MaximumRetryAttempts": config.get("MaximumRetryAttempts"),
        "MaximumEventAgeInSeconds": config.get("MaximumEventAgeInSeconds"),
        "DestinationConfig": {
            kind: {"Destination": config.get("DestinationConfig", {}).get(kind, {}).get("Destination")}
            for kind in ("OnFailure", "OnSuccess")
            if config.get("DestinationConfig", {}).get(kind, {}).get("Destination")
        },
    }


def current_concurrency(client, name):
    return client.get_function_concurrency(FunctionName=name, aws_retry=True).get("ReservedConcurrentExecutions")


def desired_config(params):
    destinations = {}
    if params["on_failure_destination"]:
        destinations["OnFailure"] = {"Destination": params["on_failure_destination"]}
    if params["on_success_destination"]:
        destinations["OnSuccess"] = {"Destination": params["on_success_destination"]}
    return {
        "MaximumRetryAttempts": params["maximum_retry_attempts"],
        "MaximumEventAgeInSeconds": params["maximum_event_age_in_seconds"],
        "DestinationConfig": destinations,
    }


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "reserved_concurrency": {"type": "int"},
            "maximum_retry_attempts": {"type": "int", "default": 2},
            "maximum_event_age_in_seconds": {"type": "int", "default": 21600},
            "on_failure_destination": {"type": "str"},
            "on_success_destination": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    name = params["name"]
    if not 0 <= params["maximum_retry_attempts"] <= 2:
        module.fail_json(msg="maximum_retry_attempts must be 0, 1 or 2")
    if not 60 <= params["maximum_event_age_in_seconds"] <= 21600:
        module.fail_json(msg="maximum_event_age_in_seconds must be between 60 and 21600")
    if params["reserved_concurrency"] is not None and params["reserved_concurrency"] < 0:
        module.fail_json(msg="reserved_concurrency must be 0 or more (omit it to leave the function as it is)")
    client = module.client("lambda", retry_decorator=AWSRetry.jittered_backoff())

    try:
        before_config = current_config(client, name)
        before_concurrency = current_concurrency(client, name)
    except is_boto3_error_code("ResourceNotFoundException"):
        if params["state"] == "absent":
            module.exit_json(changed=False, reserved_concurrency=None, event_invoke_config={})
        module.fail_json(msg=f"function {name} does not exist; create it first (amazon.aws.lambda)")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"reading the invoke configuration of {name}")

    if params["state"] == "absent":
        after_config, after_concurrency = {}, None
    else:
        after_config = desired_config(params)
        after_concurrency = (params["reserved_concurrency"] if params["reserved_concurrency"] is not None
                             else before_concurrency)

    changed = False
    try:
        if after_config != before_config:
            changed = True
            if not module.check_mode:
                if after_config:
                    client.put_function_event_invoke_config(FunctionName=name, aws_retry=True, **after_config)
                else:
                    client.delete_function_event_invoke_config(FunctionName=name, aws_retry=True)
        if after_concurrency != before_concurrency:
            changed = True
            if not module.check_mode:
                if after_concurrency is None:
                    client.delete_function_concurrency(FunctionName=name, aws_retry=True)
                else:
                    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=after_concurrency,
                                                    aws_retry=True)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"updating the invoke configuration of {name}")

    result = {"changed": changed, "reserved_concurrency": after_concurrency,
              "event_invoke_config": camel_dict_to_snake_dict(after_config)}
    if module._diff:  # pylint: disable=protected-access  # the documented way to ask for --diff
        result["diff"] = {"before": {"reserved_concurrency": before_concurrency, "event_invoke_config": before_config},
                          "after": {"reserved_concurrency": after_concurrency, "event_invoke_config": after_config}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
