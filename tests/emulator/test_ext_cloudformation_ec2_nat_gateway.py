"""emulator/extensions/cloudformation_ec2_nat_gateway.py: deleting the stack deletes its
NAT gateway (fails on stock moto, where the gateway stays available)."""

from __future__ import annotations

import json

TEMPLATE = json.dumps({"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.40.0.0/16"}},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.40.0.0/24"}},
    "Address": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
    "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {
        "SubnetId": {"Ref": "Subnet"}, "AllocationId": {"Fn::GetAtt": ["Address", "AllocationId"]}}},
}})


def test_stack_delete_deletes_the_nat_gateway(flavour):
    cfn, ec2 = flavour.client("cloudformation"), flavour.client("ec2")
    stack_id = cfn.create_stack(StackName="nat", TemplateBody=TEMPLATE)["StackId"]
    nat = ec2.describe_nat_gateways()["NatGateways"][0]
    eni = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]

    cfn.delete_stack(StackName="nat")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "deleted"
    assert ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni]}])[
        "NetworkInterfaces"] == []
