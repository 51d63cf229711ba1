"""emulator/extensions/ec2_network_interface_association.py: an instance without a
public address shows no Association on its interface (fails on stock moto)."""

from __future__ import annotations


def _launch(ec2, **kwargs) -> dict:
    image = ec2.describe_images(Owners=["137112412989"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023.*-kernel-6.1-x86_64"]}])["Images"][0]["ImageId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                                    NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet["SubnetId"],
                                                        **kwargs}])["Instances"][0]["InstanceId"]
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def test_private_instance_interface_has_no_association(flavour):
    ec2 = flavour.client("ec2")
    instance = _launch(ec2, AssociatePublicIpAddress=False)
    assert "PublicIpAddress" not in instance
    assert "Association" not in instance["NetworkInterfaces"][0]
    eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assert "Association" not in ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]


def test_public_instance_interface_keeps_its_association(emulator):
    """Not a gap: a public address is still reported where AWS reports it."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    instance = _launch(ec2, AssociatePublicIpAddress=True)
    association = instance["NetworkInterfaces"][0]["Association"]
    assert association["PublicIp"] == instance["PublicIpAddress"]
