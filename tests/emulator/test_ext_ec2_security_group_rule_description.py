"""emulator/extensions/ec2_security_group_rule_description.py: a rule that references a
security group keeps its description (fails on stock moto)."""

from __future__ import annotations


def test_group_referencing_rule_keeps_its_description(flavour):
    ec2 = flavour.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306,
        "UserIdGroupPairs": [{"GroupId": app, "Description": "MySQL from app"}]}])
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "HTTPS from the VPN"}]}])

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [db]}])["SecurityGroupRules"]
    described = {(r["FromPort"], r.get("Description")) for r in rules if not r["IsEgress"]}
    assert described == {(3306, "MySQL from app"), (443, "HTTPS from the VPN")}
