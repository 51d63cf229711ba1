"""AWS::IAM::ManagedPolicy with Roles: updates and deletes with its stack
(extension: emulator/extensions/cloudformation_iam_managed_policy.py)."""

from __future__ import annotations

import json

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def template(action: str, roles: list[str]) -> str:
    return json.dumps({"Resources": {
        "Dev": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Ops": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Access": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Roles": [{"Ref": r} for r in roles],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": "arn:aws:s3:::private/*"}]}}},
    }})


def attached(iam, arn: str) -> list[str]:
    return sorted(r["RoleName"] for r in iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"])


def test_managed_policy_updates_and_deletes(flavour):
    cfn, iam = flavour.client("cloudformation"), flavour.client("iam")
    cfn.create_stack(StackName="access", TemplateBody=template("s3:GetObject", ["Dev"]))
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                 for r in cfn.describe_stack_resources(StackName="access")["StackResources"]}
    arn = resources["Access"]
    assert attached(iam, arn) == [resources["Dev"]]

    cfn.update_stack(StackName="access", TemplateBody=template("s3:PutObject", ["Ops"]))
    policy = iam.get_policy(PolicyArn=arn)["Policy"]  # same policy, new default version
    assert policy["DefaultVersionId"] == "v2"
    document = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"]
    assert document["Statement"][0]["Action"] == "s3:PutObject"
    assert attached(iam, arn) == [resources["Ops"]]

    cfn.delete_stack(StackName="access")
    assert cfn.list_stacks()["StackSummaries"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.list_roles()["Roles"] == []
