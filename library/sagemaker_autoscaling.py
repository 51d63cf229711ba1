#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: target-tracking autoscaling of a SageMaker endpoint variant (Application Auto Scaling)."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_autoscaling
short_description: Scale a SageMaker endpoint variant on invocations per instance (target tracking)
version_added: 1.0.0
author: MLOps estate project
description:
  - Registers the variant C(endpoint/<endpoint>/variant/<variant>) as an Application Auto
    Scaling target (C(sagemaker:variant:DesiredInstanceCount), I(min_capacity) to
    I(max_capacity)) and keeps one target-tracking policy on the predefined metric
    C(SageMakerVariantInvocationsPerInstance).
  - C(community.aws.application_autoscaling_policy) (10.0) does not accept the
    C(sagemaker) namespace and calls the API in check mode, hence this module.
  - Only what differs is sent; an unchanged state reports no change. Check mode calls
    nothing that changes anything; a diff is returned only in diff mode.
  - C(state=absent) deletes the policy and deregisters the target.
options:
  endpoint_name:
    description: Endpoint name.
    type: str
    required: true
  variant_name:
    description: Production variant name.
    type: str
    default: AllTraffic
  state:
    description: Whether the scaling target and policy exist.
    type: str
    choices: [present, absent]
    default: present
  policy_name:
    description: Name of the scaling policy.
    type: str
    default: invocations-per-instance
  min_capacity:
    description: Fewest instances.
    type: int
    default: 1
  max_capacity:
    description: Most instances.
    type: int
    default: 2
  target_invocations_per_instance:
    description: Target of C(SageMakerVariantInvocationsPerInstance) (invocations per instance per minute).
    type: float
    default: 100.0
  scale_in_cooldown:
    description: Seconds after a scale-in before another scaling activity.
    type: int
    default: 300
  scale_out_cooldown:
    description: Seconds after a scale-out before another scaling activity.
    type: int
    default: 60
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One to four instances, about 100 invocations per instance per minute
  sagemaker_autoscaling:
    endpoint_name: eta
    variant_name: AllTraffic
    min_capacity: 1
    max_capacity: 4
    target_invocations_per_instance: 100
"""

RETURN = r"""
resource_id:
  description: The scalable target's resource id.
  returned: always
  type: str
  sample: endpoint/eta/variant/AllTraffic
policy_arn:
  description: ARN of the scaling policy (null when absent, or in check mode before creation).
  returned: always
  type: str
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

NAMESPACE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"


def policy_config(p: dict) -> dict:
    return {"TargetValue": float(p["target_invocations_per_instance"]),
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "ScaleInCooldown": p["scale_in_cooldown"], "ScaleOutCooldown": p["scale_out_cooldown"]}


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "endpoint_name": {"type": "str", "required": True},
            "variant_name": {"type": "str", "default": "AllTraffic"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "policy_name": {"type": "str", "default": "invocations-per-instance"},
            "min_capacity": {"type": "int", "default": 1},
            "max_capacity": {"type": "int", "default": 2},
            "target_invocations_per_instance": {"type": "float", "default": 100.0},
            "scale_in_cooldown": {"type": "int", "default": 300},
            "scale_out_cooldown": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present":
        if not 1 <= p["min_capacity"] <= p["max_capacity"]:
            module.fail_json(msg=f"min_capacity ({p['min_capacity']}) must be at least 1 and at most max_capacity "
                                 f"({p['max_capacity']})")
        if p["target_invocations_per_instance"] <= 0:
            module.fail_json(msg="target_invocations_per_instance must be above 0")
    client = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    resource = f"endpoint/{p['endpoint_name']}/variant/{p['variant_name']}"
    where = {"ServiceNamespace": NAMESPACE, "ScalableDimension": DIMENSION}
    try:
        targets = client.describe_scalable_targets(aws_retry=True, ResourceIds=[resource], **where)["ScalableTargets"]
        policies = client.describe_scaling_policies(aws_retry=True, ResourceId=resource, PolicyNames=[p["policy_name"]],
                                                    **where)["ScalingPolicies"]
        target, policy = (targets or [None])[0], (policies or [None])[0]
        before = {}
        if target:
            before["capacity"] = {"min": target["MinCapacity"], "max": target["MaxCapacity"]}
        if policy:
            before["policy"] = {"name": policy["PolicyName"],
                                **policy.get("TargetTrackingScalingPolicyConfiguration", {})}
        if p["state"] == "absent":
            after, changed = {}, bool(target or policy)
            if changed and not module.check_mode:
                if policy:
                    client.delete_scaling_policy(aws_retry=True, PolicyName=p["policy_name"], ResourceId=resource,
                                                 **where)
                if target:
                    client.deregister_scalable_target(aws_retry=True, ResourceId=resource, **where)
            arn = None
        else:
            wanted = policy_config(p)
            after = {"capacity": {"min": p["min_capacity"], "max": p["max_capacity"]},
                     "policy": {"name": p["policy_name"], **wanted}}
            target_changed = before.get("capacity") != after["capacity"]
            current = (policy or {}).get("TargetTrackingScalingPolicyConfiguration", {})
            policy_changed = policy is None or policy.get("PolicyType") != "TargetTrackingScaling" or any(
                current.get(k) != v for k, v in wanted.items())
            changed = target_changed or policy_changed
            arn = (policy or {}).get("PolicyARN")
            if not module.check_mode:
                if target_changed:
                    client.register_scalable_target(aws_retry=True, ResourceId=resource, MinCapacity=p["min_capacity"],
                                                    MaxCapacity=p["max_capacity"], **where)
                if policy_changed:
                    arn = client.put_scaling_policy(
                        aws_retry=True, PolicyName=p["policy_name"], ResourceId=resource,
                        PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=wanted,
                        **where)["PolicyARN"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"autoscaling of {resource}")
    result = {"changed": changed, "resource_id": resource, "policy_arn": arn}
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
