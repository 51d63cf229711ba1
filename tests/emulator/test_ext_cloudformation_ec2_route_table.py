"""emulator/extensions/cloudformation_ec2_route_table.py: deleting a stack's route and
route table deletes them (fails on stock moto, where both stay in the VPC)."""

from __future__ import annotations

import json

TEMPLATE = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.60.0.0/16"}},
    # Properties given: moto takes a resource without them for modified on every update.
    "Gateway": {"Type": "AWS::EC2::InternetGateway", "Properties": {"Tags": [{"Key": "Name", "Value": "web"}]}},
    "Attachment": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gateway"}}},
    "Routes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    "Default": {"Type": "AWS::EC2::Route", "DependsOn": "Attachment", "Properties": {
        "RouteTableId": {"Ref": "Routes"}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "Gateway"}}},
}, "Outputs": {"Vpc": {"Value": {"Ref": "Vpc"}}, "Routes": {"Value": {"Ref": "Routes"}}}}


def test_route_and_route_table_are_deleted(flavour):
    cfn, ec2 = flavour.client("cloudformation"), flavour.client("ec2")
    stack = cfn.describe_stacks(StackName=cfn.create_stack(StackName="rtb", TemplateBody=json.dumps(TEMPLATE))[
        "StackId"])["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    # An update that drops the route deletes it from the table.
    kept = {**TEMPLATE, "Resources": {k: v for k, v in TEMPLATE["Resources"].items() if k != "Default"}}
    cfn.update_stack(StackName="rtb", TemplateBody=json.dumps(kept))
    table = ec2.describe_route_tables(RouteTableIds=[outputs["Routes"]])["RouteTables"][0]
    assert [r["DestinationCidrBlock"] for r in table["Routes"]] == ["10.60.0.0/16"]  # the local route only

    cfn.delete_stack(StackName="rtb")
    assert cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [outputs["Vpc"]]}])["RouteTables"] == []
