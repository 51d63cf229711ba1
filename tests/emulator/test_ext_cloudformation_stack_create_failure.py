"""A resource that cannot be created fails the stack, not the CreateStack call: rollback,
delete or keep as OnFailure says (extension: emulator/extensions/cloudformation_stack_create_failure.py)."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config

TEMPLATE = json.dumps({"Resources": {
    "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "made-first"}},
    "Access": {"Type": "AWS::IAM::ManagedPolicy", "DependsOn": "Data", "Properties": {
        "Roles": ["ghost-role"],  # no such role: the attachment fails
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}},
}})


@pytest.mark.parametrize(("on_failure", "status", "left"), [
    ("ROLLBACK", "ROLLBACK_COMPLETE", []),
    ("DELETE", "DELETE_COMPLETE", []),
    ("DO_NOTHING", "CREATE_FAILED", ["made-first"]),
])
def test_failed_resource_fails_the_stack(flavour, on_failure, status, left):
    cfn = flavour.client("cloudformation", config=Config(retries={"max_attempts": 1}))
    s3, iam = flavour.client("s3"), flavour.client("iam")
    stack_id = cfn.create_stack(StackName="broken", TemplateBody=TEMPLATE, OnFailure=on_failure)["StackId"]

    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert stack["StackStatus"] == status
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    reasons = [e.get("ResourceStatusReason") or "" for e in events]
    assert any("ghost-role" in r for r in reasons)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == left
    assert iam.list_policies(Scope="Local")["Policies"] == []  # the half-made policy is not left behind
