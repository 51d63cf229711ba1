"""AWS::IAM::Role: ManagedPolicyArns, and updates of trust, inline and managed policies
(extension: emulator/extensions/cloudformation_iam_role.py)."""

from __future__ import annotations

import json


def trust(service: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}


def template(service: str, inline: str | None, managed: bool, seconds: int) -> str:
    properties: dict = {"RoleName": "worker", "AssumeRolePolicyDocument": trust(service),
                        "MaxSessionDuration": seconds, "Description": f"runs on {service}"}
    if inline:
        properties["Policies"] = [{"PolicyName": inline, "PolicyDocument": INLINE}]
    if managed:
        properties["ManagedPolicyArns"] = [{"Ref": "Read"}]
    return json.dumps({"Resources": {
        "Read": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}},
        "Worker": {"Type": "AWS::IAM::Role", "Properties": properties}}})


def test_role_properties_follow_the_stack(flavour):
    cfn, iam = flavour.client("cloudformation"), flavour.client("iam")
    cfn.create_stack(StackName="worker", TemplateBody=template("lambda.amazonaws.com", "queues", True, 3600))
    read = cfn.describe_stack_resource(StackName="worker", LogicalResourceId="Read")[
        "StackResourceDetail"]["PhysicalResourceId"]
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="worker")["AttachedPolicies"]] == [read]
    assert iam.get_role_policy(RoleName="worker", PolicyName="queues")["PolicyDocument"] == INLINE

    cfn.update_stack(StackName="worker", TemplateBody=template("ecs-tasks.amazonaws.com", "tasks", False, 7200))
    role = iam.get_role(RoleName="worker")["Role"]
    assert role["AssumeRolePolicyDocument"] == trust("ecs-tasks.amazonaws.com")
    assert (role["MaxSessionDuration"], role["Description"]) == (7200, "runs on ecs-tasks.amazonaws.com")
    assert iam.list_role_policies(RoleName="worker")["PolicyNames"] == ["tasks"]
    assert iam.list_attached_role_policies(RoleName="worker")["AttachedPolicies"] == []

    cfn.update_stack(StackName="worker", TemplateBody=template("ecs-tasks.amazonaws.com", None, True, 7200))
    cfn.delete_stack(StackName="worker")  # the role still has a managed policy attached: detached first
    assert iam.list_roles()["Roles"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
