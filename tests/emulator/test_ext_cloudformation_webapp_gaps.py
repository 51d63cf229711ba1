"""Extensions that the web-application template needs: Fn::Cidr, ScalingPolicy, and
"No updates are to be performed" for an unchanged stack."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from emulator.extensions.cloudformation_fn_cidr import cidr

VPC_TEMPLATE = {
    "Parameters": {"Cidr": {"Type": "String", "Default": "10.20.0.0/16"}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "Cidr"}}},
        "SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"},
            "CidrBlock": {"Fn::Select": [1, {"Fn::Cidr": [{"Ref": "Cidr"}, 4, 12]}]}}},
    },
}

ASG_TEMPLATE = {
    "Parameters": {"Target": {"Type": "Number", "Default": 50}},
    "Resources": {
        "Config": {"Type": "AWS::AutoScaling::LaunchConfiguration",
                   "Properties": {"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"}},
        "Group": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
            "LaunchConfigurationName": {"Ref": "Config"}, "MinSize": "0", "MaxSize": "2",
            "AvailabilityZones": ["us-east-1a"]}},
        "Cpu": {"Type": "AWS::AutoScaling::ScalingPolicy", "Properties": {
            "AutoScalingGroupName": {"Ref": "Group"}, "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                "TargetValue": {"Ref": "Target"}}}},
    },
    "Outputs": {"PolicyArn": {"Value": {"Ref": "Cpu"}}},
}


def test_cidr_follows_the_user_guide():
    assert cidr("10.0.0.0/16", 3, 8) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert cidr("2001:db8::/56", 2, 64) == ["2001:db8::/64", "2001:db8:0:1::/64"]
    with pytest.raises(Exception, match="fewer than"):
        cidr("10.0.0.0/30", 8, 1)


def test_fn_cidr_carves_subnets(flavour):
    cfn = flavour.client("cloudformation")
    cfn.create_stack(StackName="net", TemplateBody=json.dumps(VPC_TEMPLATE))
    subnets = flavour.client("ec2").describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.20.16.0/20"]}])
    assert len(subnets["Subnets"]) == 1


def test_scaling_policy_is_created_updated_and_deleted(flavour):
    cfn, autoscaling = flavour.client("cloudformation"), flavour.client("autoscaling")
    cfn.create_stack(StackName="asg", TemplateBody=json.dumps(ASG_TEMPLATE))
    policies = autoscaling.describe_policies()["ScalingPolicies"]
    assert [p["TargetTrackingConfiguration"]["TargetValue"] for p in policies] == [50.0]
    assert policies[0]["PolicyName"].startswith("asg-Cpu-")
    outputs = cfn.describe_stacks(StackName="asg")["Stacks"][0]["Outputs"]
    assert outputs[0]["OutputValue"] == policies[0]["PolicyARN"]
    cfn.update_stack(StackName="asg", TemplateBody=json.dumps(ASG_TEMPLATE),
                     Parameters=[{"ParameterKey": "Target", "ParameterValue": "60"}])
    policies = autoscaling.describe_policies()["ScalingPolicies"]
    assert [p["TargetTrackingConfiguration"]["TargetValue"] for p in policies] == [60.0]
    cfn.delete_stack(StackName="asg")
    assert autoscaling.describe_policies()["ScalingPolicies"] == []


def test_unchanged_update_is_refused(flavour):
    check_unchanged_update_is_refused(flavour, parameters=[])


def test_unchanged_update_with_explicit_parameters_is_refused(clean_emulator):
    # Stock moto already handles this form; it must stay so with the extension.
    check_unchanged_update_is_refused(clean_emulator, [{"ParameterKey": "Cidr", "ParameterValue": "10.20.0.0/16"}])


def check_unchanged_update_is_refused(emu, parameters):
    cfn = emu.client("cloudformation")
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Parameters": {"Cidr": {"Type": "String", "Default": "10.20.0.0/16"}}}
    cfn.create_stack(StackName="same", TemplateBody=json.dumps(template))
    with pytest.raises(ClientError, match="No updates are to be performed"):
        cfn.update_stack(StackName="same", TemplateBody=json.dumps(template), Parameters=parameters)
    # A real change (a new parameter value, or new tags) is still applied.
    cfn.update_stack(StackName="same", TemplateBody=json.dumps(template),
                     Tags=[{"Key": "team", "Value": "ml"}])
    assert cfn.describe_stacks(StackName="same")["Stacks"][0]["Tags"] == [{"Key": "team", "Value": "ml"}]
