"""A stack update that replaces a resource (new name) also updates what refers to it, and
deletes the old resource last (extension: emulator/extensions/cloudformation_update_dependents.py)."""

from __future__ import annotations

import json

TEMPLATE = json.dumps({
    "Parameters": {"Suffix": {"Type": "String"}},
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "data-${Suffix}"}}},
        "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "Bucket"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["Role", "Arn"]}}, "Action": "s3:GetObject",
                "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}}},
        "User": {"Type": "AWS::IAM::User", "Properties": {"UserName": {"Fn::Sub": "user-${Suffix}"}}},
        "Group": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "readers"}},
        "Membership": {"Type": "AWS::IAM::UserToGroupAddition", "Properties": {
            "GroupName": {"Ref": "Group"}, "Users": [{"Ref": "User"}]}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": {"Fn::Sub": "role-${Suffix}"},
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["User", "Arn"]}},
                "Action": "sts:AssumeRole"}]}}},
        "Access": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Roles": [{"Ref": "Role"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}}},
    },
})


def deploy(cfn, suffix: str, update: bool) -> None:
    call = cfn.update_stack if update else cfn.create_stack
    call(StackName="renames", TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Suffix", "ParameterValue": suffix}])


def test_renamed_resources_carry_their_dependents(flavour):
    cfn, s3, iam = flavour.client("cloudformation"), flavour.client("s3"), flavour.client("iam")
    deploy(cfn, "a", update=False)
    deploy(cfn, "b", update=True)
    assert cfn.describe_stacks(StackName="renames")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"

    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["data-b"]
    statement = json.loads(s3.get_bucket_policy(Bucket="data-b")["Policy"])["Statement"][0]
    assert statement["Resource"] == "arn:aws:s3:::data-b/*"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:role/role-b"}

    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["user-b"]
    assert [u["UserName"] for u in iam.get_group(GroupName="readers")["Users"]] == ["user-b"]
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["role-b"]
    trust = iam.get_role(RoleName="role-b")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:user/user-b"}
    policy_arn = iam.list_attached_role_policies(RoleName="role-b")["AttachedPolicies"][0]["PolicyArn"]
    version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
    assert document["Statement"][0]["Resource"] == "arn:aws:s3:::data-b/*"

    cfn.delete_stack(StackName="renames")
    assert s3.list_buckets()["Buckets"] == [] and iam.list_users()["Users"] == [] and iam.list_roles()["Roles"] == []
