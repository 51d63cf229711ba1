"""A stack whose resource cannot be deleted ends DELETE_FAILED and can be deleted again; a
deleted stack stays deleted (extension: emulator/extensions/cloudformation_stack_delete.py)."""

from __future__ import annotations

import json

TEMPLATE = json.dumps({"Resources": {"Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "kept-data"}}},
                       "Outputs": {"Bucket": {"Value": {"Ref": "Data"}}}})


def test_delete_failed_then_retried(flavour):
    cfn, s3 = flavour.client("cloudformation"), flavour.client("s3")
    stack_id = cfn.create_stack(StackName="data", TemplateBody=TEMPLATE)["StackId"]
    s3.put_object(Bucket="kept-data", Key="model.bin", Body=b"weights")

    cfn.delete_stack(StackName="data")  # returns; the failure shows on the stack, as on AWS
    stack = cfn.describe_stacks(StackName="data")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    reason = cfn.describe_stack_events(StackName="data")["StackEvents"][0]["ResourceStatusReason"]  # newest first
    assert "BucketNotEmpty" in reason
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["kept-data"]

    s3.delete_object(Bucket="kept-data", Key="model.bin")
    cfn.delete_stack(StackName="data")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert s3.list_buckets()["Buckets"] == []  # describing the deleted stack did not bring it back
