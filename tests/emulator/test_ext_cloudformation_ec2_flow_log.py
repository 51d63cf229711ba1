"""emulator/extensions/cloudformation_ec2_flow_log.py: deleting the stack deletes its flow
log (fails on stock moto, where the flow log stays)."""

from __future__ import annotations

import json

TEMPLATE = json.dumps({"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.80.0.0/16"}},
    "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/vpc/flow"}},
    "FlowLog": {"Type": "AWS::EC2::FlowLog", "Properties": {
        "ResourceId": {"Ref": "Vpc"}, "ResourceType": "VPC", "TrafficType": "ALL",
        "LogDestinationType": "cloud-watch-logs", "LogGroupName": {"Ref": "Logs"},
        "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/flow-logs"}},
}})


def test_stack_delete_deletes_the_flow_log(flavour):
    cfn, ec2 = flavour.client("cloudformation"), flavour.client("ec2")
    cfn.create_stack(StackName="flow", TemplateBody=TEMPLATE)
    assert len(ec2.describe_flow_logs()["FlowLogs"]) == 1

    cfn.delete_stack(StackName="flow")
    assert ec2.describe_flow_logs()["FlowLogs"] == []
