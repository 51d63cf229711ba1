"""emulator/extensions/ec2_nat_gateway_delete.py: DeleteNatGateway deletes the gateway's
interface and disassociates, without releasing, its Elastic IP (fails on stock moto)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_deleted_gateway_frees_its_interface_and_address(flavour):
    ec2 = flavour.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    eni = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]

    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "deleted"
    assert ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni]}])[
        "NetworkInterfaces"] == []
    address = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0]  # kept, as on AWS
    assert "AssociationId" not in address
    assert not address.get("NetworkInterfaceId")
    with pytest.raises(ClientError, match="NatGatewayNotFound"):
        ec2.delete_nat_gateway(NatGatewayId="nat-0123456789abcdef0")
