"""emulator/extensions/cloudformation_ec2_subnet_route_table_association.py: the stack's
association really associates the subnet, `Ref` is its id, and deleting it disassociates
(fails on stock moto, where the subnet is never associated)."""

from __future__ import annotations

import json

TEMPLATE = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.70.0.0/16"}},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.70.0.0/24"}},
    "Routes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    "Association": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
        "SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Routes"}}},
}, "Outputs": {"Association": {"Value": {"Ref": "Association"}},
               "AssociationId": {"Value": {"Fn::GetAtt": ["Association", "Id"]}}}}


def test_association_is_made_and_removed(flavour):
    cfn, ec2 = flavour.client("cloudformation"), flavour.client("ec2")
    stack_id = cfn.create_stack(StackName="assoc", TemplateBody=json.dumps(TEMPLATE))["StackId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.70.0.0/24"]}])["Subnets"][0]
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet["SubnetId"]]}])
    associations = [a for t in tables["RouteTables"] for a in t["Associations"]]
    assert [a["SubnetId"] for a in associations] == [subnet["SubnetId"]]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName="assoc")["Stacks"][0]["Outputs"]}
    assert outputs == {"Association": associations[0]["RouteTableAssociationId"],
                       "AssociationId": associations[0]["RouteTableAssociationId"]}

    cfn.delete_stack(StackName="assoc")  # the table can go only once the subnet is disassociated
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [subnet["VpcId"]]}])["RouteTables"] == []
