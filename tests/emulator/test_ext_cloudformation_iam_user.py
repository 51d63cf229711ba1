"""AWS::IAM::User: Groups, Policies, ManagedPolicyArns; in-place updates of a named user
(extension: emulator/extensions/cloudformation_iam_user.py)."""

from __future__ import annotations

import json

READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def template(groups: list[str], inline: bool, managed: bool, path: str = "/") -> str:
    user: dict = {"UserName": "vera", "Path": path, "Groups": [{"Ref": g} for g in groups]}
    if inline:
        user["Policies"] = [{"PolicyName": "read", "PolicyDocument": READ}]
    if managed:
        user["ManagedPolicyArns"] = [{"Ref": "Read"}]
    return json.dumps({"Resources": {
        "Readers": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "readers"}},
        "Writers": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "writers"}},
        "Read": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": READ}},
        "Vera": {"Type": "AWS::IAM::User", "Properties": user}}})


def groups_of(iam) -> list[str]:
    return sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName="vera")["Groups"])


def test_user_properties_follow_the_stack(flavour):
    cfn, iam = flavour.client("cloudformation"), flavour.client("iam")
    cfn.create_stack(StackName="people", TemplateBody=template(["Readers"], inline=True, managed=True))
    assert groups_of(iam) == ["readers"]
    assert iam.list_user_policies(UserName="vera")["PolicyNames"] == ["read"]
    assert len(iam.list_attached_user_policies(UserName="vera")["AttachedPolicies"]) == 1

    # A named user is updated in place (moto would try to create a second "vera").
    cfn.update_stack(StackName="people", TemplateBody=template(["Writers"], inline=False, managed=False,
                                                               path="/staff/"))
    assert cfn.describe_stacks(StackName="people")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert iam.get_user(UserName="vera")["User"]["Path"] == "/staff/"
    assert groups_of(iam) == ["writers"]
    assert iam.list_user_policies(UserName="vera")["PolicyNames"] == []
    assert iam.list_attached_user_policies(UserName="vera")["AttachedPolicies"] == []

    cfn.update_stack(StackName="people", TemplateBody=template(["Writers"], inline=True, managed=True))
    cfn.delete_stack(StackName="people")
    assert iam.list_users()["Users"] == []
    assert iam.list_groups()["Groups"] == []
