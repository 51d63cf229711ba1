"""emulator/extensions/cloudformation_ec2_eip.py: deleting the stack releases its Elastic
IP (fails on stock moto, where the address stays allocated)."""

from __future__ import annotations

import json

TEMPLATE = json.dumps({"Resources": {"Address": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}}},
                       "Outputs": {"Ip": {"Value": {"Ref": "Address"}}}})


def test_stack_delete_releases_the_address(flavour):
    cfn, ec2 = flavour.client("cloudformation"), flavour.client("ec2")
    cfn.create_stack(StackName="eip", TemplateBody=TEMPLATE)
    assert len(ec2.describe_addresses()["Addresses"]) == 1

    cfn.delete_stack(StackName="eip")
    assert ec2.describe_addresses()["Addresses"] == []
