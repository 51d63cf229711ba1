"""emulator/extensions/cloudformation_elbv2_target_group.py: deleting the stack deletes its
target group (fails on stock moto, where the target group stays)."""

from __future__ import annotations

import json

TEMPLATE = json.dumps({"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.90.0.0/16"}},
    "Targets": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "Protocol": "HTTP", "Port": 80, "TargetType": "instance"}},
}})


def test_stack_delete_deletes_the_target_group(flavour):
    cfn, elbv2 = flavour.client("cloudformation"), flavour.client("elbv2")
    cfn.create_stack(StackName="tg", TemplateBody=TEMPLATE)
    assert len(elbv2.describe_target_groups()["TargetGroups"]) == 1

    cfn.delete_stack(StackName="tg")
    assert elbv2.describe_target_groups()["TargetGroups"] == []
