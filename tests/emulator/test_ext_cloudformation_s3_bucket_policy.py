"""AWS::S3::BucketPolicy is applied, updated and removed with its stack
(extension: emulator/extensions/cloudformation_s3_bucket_policy.py)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def template(statements: list | None) -> str:
    resources: dict = {"Bucket": {"Type": "AWS::S3::Bucket"}}
    if statements is not None:
        resources["Policy"] = {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "Bucket"},  # a name, from Ref
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}}  # a dict, not a string
    return json.dumps({"Resources": resources, "Outputs": {"Name": {"Value": {"Ref": "Bucket"}}}})


def read_only(sid: str) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}


def test_bucket_policy_follows_the_stack(flavour):
    cfn, s3 = flavour.client("cloudformation"), flavour.client("s3")
    cfn.create_stack(StackName="policy", TemplateBody=template([read_only("First")]))
    bucket = cfn.describe_stacks(StackName="policy")["Stacks"][0]["Outputs"][0]["OutputValue"]

    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["First"]
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{bucket}/*"
    resources = cfn.describe_stack_resources(StackName="policy")["StackResources"]
    assert {"Policy": bucket} == {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources
                                  if r["ResourceType"] == "AWS::S3::BucketPolicy"}

    cfn.update_stack(StackName="policy", TemplateBody=template([read_only("Second")]))
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["Second"]

    cfn.update_stack(StackName="policy", TemplateBody=template(None))  # resource removed
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=bucket)

    cfn.update_stack(StackName="policy", TemplateBody=template([read_only("Third")]))
    cfn.delete_stack(StackName="policy")  # the policy goes, then the (empty) bucket
    assert s3.list_buckets()["Buckets"] == []
