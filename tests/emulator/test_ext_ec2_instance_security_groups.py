"""emulator/extensions/ec2_instance_security_groups.py: groups given on the primary
network interface are the instance's security groups (fails on stock moto)."""

from __future__ import annotations


def test_interface_groups_are_the_instance_groups(flavour):
    ec2 = flavour.client("ec2")
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=subnet["VpcId"])["GroupId"]
    image = ec2.describe_images(Owners=["137112412989"])["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                                    NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet["SubnetId"],
                                                        "Groups": [group]}])["Instances"][0]["InstanceId"]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert [g["GroupId"] for g in instance["SecurityGroups"]] == [group]
    assert [g["GroupId"] for g in instance["NetworkInterfaces"][0]["Groups"]] == [group]
