"""emulator/extensions/cloudformation_ec2_internet_gateway.py: deleting the stack detaches
and deletes its internet gateway (fails on stock moto, where it stays attached)."""

from __future__ import annotations

import json

TEMPLATE = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.50.0.0/16"}},
    # Properties given: moto takes a resource without them for modified on every update.
    "Gateway": {"Type": "AWS::EC2::InternetGateway", "Properties": {"Tags": [{"Key": "Name", "Value": "web"}]}},
    "Attachment": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gateway"}}},
}}


def test_stack_delete_detaches_and_deletes_the_gateway(flavour):
    cfn, ec2 = flavour.client("cloudformation"), flavour.client("ec2")
    stack_id = cfn.create_stack(StackName="igw", TemplateBody=json.dumps(TEMPLATE))["StackId"]
    gateway = ec2.describe_internet_gateways()["InternetGateways"][0]
    assert [a["State"] for a in gateway["Attachments"]] == ["available"]

    # An update that drops the attachment detaches the gateway and keeps it.
    kept = {"Resources": {k: v for k, v in TEMPLATE["Resources"].items() if k != "Attachment"}}
    cfn.update_stack(StackName="igw", TemplateBody=json.dumps(kept))
    assert ec2.describe_internet_gateways()["InternetGateways"][0]["Attachments"] == []

    cfn.delete_stack(StackName="igw")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert ec2.describe_internet_gateways()["InternetGateways"] == []
