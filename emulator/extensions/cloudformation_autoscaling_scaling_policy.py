"""CloudFormation `AWS::AutoScaling::ScalingPolicy`: stock moto silently ignores it.

Gap: moto has no CloudFormation model for this type, so a stack with a target-tracking
policy says CREATE_COMPLETE while DescribePolicies returns nothing. The Auto Scaling
backend itself implements PutScalingPolicy/DeletePolicy; only the CloudFormation glue
is missing.

AWS (CloudFormation User Guide, AWS::AutoScaling::ScalingPolicy): properties mirror
PutScalingPolicy (AutoScalingGroupName, PolicyType, TargetTrackingConfiguration,
AdjustmentType, ScalingAdjustment, Cooldown, StepAdjustments, MetricAggregationType,
MinAdjustmentMagnitude, EstimatedInstanceWarmup); the generated policy name is
`<stack>-<logical id>-<suffix>`; `Ref` returns the policy ARN; `Fn::GetAtt Arn` too.
An update re-puts the policy under the same name; delete removes it.
"""

from __future__ import annotations

from typing import Any

from moto.autoscaling.models import autoscaling_backends
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

_registered: list[type] = []


class ScalingPolicyResource(CloudFormationModel):
    def __init__(self, policy, account_id: str, region_name: str):
        self.policy = policy
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AutoScaling::ScalingPolicy"

    @staticmethod
    def cloudformation_name_type() -> str:
        # Not a real property: makes moto generate "<stack>-<logical id>-<suffix>".
        return "PolicyName"

    @property
    def physical_resource_id(self) -> str:
        return self.policy.arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "PolicyName")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "Arn":
            return self.policy.arn
        if attribute_name == "PolicyName":
            return self.policy.name
        raise NotImplementedError(attribute_name)

    @staticmethod
    def _put(name: str, props: dict[str, Any], account_id: str, region_name: str):
        backend = autoscaling_backends[account_id][region_name]
        return backend.put_scaling_policy(
            name=name,
            policy_type=props.get("PolicyType", "SimpleScaling"),
            metric_aggregation_type=props.get("MetricAggregationType"),
            adjustment_type=props.get("AdjustmentType"),
            as_name=props["AutoScalingGroupName"],
            min_adjustment_magnitude=props.get("MinAdjustmentMagnitude"),
            scaling_adjustment=int(props["ScalingAdjustment"]) if "ScalingAdjustment" in props else None,
            cooldown=int(props["Cooldown"]) if "Cooldown" in props else None,
            target_tracking_config=props.get("TargetTrackingConfiguration"),
            step_adjustments=props.get("StepAdjustments"),
            estimated_instance_warmup=props.get("EstimatedInstanceWarmup"),
            predictive_scaling_configuration=props.get("PredictiveScalingConfiguration"),
        )

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = cloudformation_json["Properties"]
        props.pop("PolicyName", None)
        policy = cls._put(resource_name, props, account_id, region_name)
        return cls(policy, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        props.pop("PolicyName", None)
        policy = cls._put(original_resource.policy.name, props, account_id, region_name)
        return cls(policy, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        autoscaling_backends[account_id][region_name].delete_policy(self.policy.name)


def apply() -> None:
    if not _registered:
        _registered.append(ScalingPolicyResource)
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
