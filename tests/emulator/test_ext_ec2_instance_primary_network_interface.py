"""emulator/extensions/ec2_instance_primary_network_interface.py: the interface that EC2
creates at launch is deleted with its instance (fails on stock moto)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def _image(ec2) -> str:
    return ec2.describe_images(Owners=["137112412989"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023.*-kernel-6.1-x86_64"]}])["Images"][0]["ImageId"]


def test_primary_interface_goes_with_the_instance(flavour):
    ec2 = flavour.client("ec2")
    instance = ec2.run_instances(ImageId=_image(ec2), MinCount=1, MaxCount=1,
                                 InstanceType="t3.micro")["Instances"][0]
    eni = instance["NetworkInterfaces"][0]
    assert eni["Attachment"]["DeleteOnTermination"] is True

    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    with pytest.raises(ClientError, match=r"InvalidNetworkInterfaceID\.NotFound"):
        ec2.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])


def test_interface_given_at_launch_keeps_its_setting(emulator):
    """Not a gap: an existing interface attached at launch outlives the instance."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    eni = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
    instance = ec2.run_instances(ImageId=_image(ec2), MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                 NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": eni}])["Instances"][0]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    assert [n["NetworkInterfaceId"] for n in ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])[
        "NetworkInterfaces"]] == [eni]
