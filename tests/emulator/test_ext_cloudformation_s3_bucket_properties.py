"""AWS::S3::Bucket security properties are applied on create, changed and removed on update
(extension: emulator/extensions/cloudformation_s3_bucket_properties.py)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

SECURE = {
    "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                       "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
    "VersioningConfiguration": {"Status": "Enabled"},
    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    "BucketEncryption": {"ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
    "LifecycleConfiguration": {"Rules": [{"Id": "old-versions", "Status": "Enabled",
                                          "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                                          "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]},
    "LoggingConfiguration": {"DestinationBucketName": "cfn-logs-bucket", "LogFilePrefix": "data/"},
    "Tags": [{"Key": "access", "Value": "private"}],
}
RELAXED = {  # a public-on-purpose bucket: block ACLs only
    "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                       "BlockPublicPolicy": False, "RestrictPublicBuckets": False},
    "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
    "Tags": [{"Key": "access", "Value": "public"}],
}
LOG_DELIVERY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
    "Resource": "arn:aws:s3:::cfn-logs-bucket/*"}]}


def template(properties: dict) -> str:
    return json.dumps({"Resources": {"Data": {"Type": "AWS::S3::Bucket", "Properties": properties}},
                       "Outputs": {"Data": {"Value": {"Ref": "Data"}}}})  # the bucket's generated name


def missing(call, **kwargs) -> str:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"]


def test_bucket_properties_follow_the_stack(flavour):
    cfn, s3 = flavour.client("cloudformation"), flavour.client("s3")
    s3.create_bucket(Bucket="cfn-logs-bucket")  # an account's existing log bucket
    s3.put_bucket_policy(Bucket="cfn-logs-bucket", Policy=json.dumps(LOG_DELIVERY))
    cfn.create_stack(StackName="data", TemplateBody=template(SECURE))
    bucket = cfn.describe_stacks(StackName="data")["Stacks"][0]["Outputs"][0]["OutputValue"]

    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"] == [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]
    rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert (rule["ID"], rule["Status"], rule["NoncurrentVersionExpiration"]["NoncurrentDays"],
            rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]) == ("old-versions", "Enabled", 90, 7)
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {
        "TargetBucket": "cfn-logs-bucket", "TargetPrefix": "data/"}
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "access", "Value": "private"}]

    # Update in place: changed properties change, removed ones are removed (versioning suspends).
    cfn.update_stack(StackName="data", TemplateBody=template(RELAXED))
    assert cfn.describe_stacks(StackName="data")["Stacks"][0]["Outputs"][0]["OutputValue"] == bucket
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is False
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "ObjectWriter"}]
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "access", "Value": "public"}]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    assert missing(s3.get_bucket_encryption, Bucket=bucket) == "ServerSideEncryptionConfigurationNotFoundError"
    assert missing(s3.get_bucket_lifecycle_configuration, Bucket=bucket) == "NoSuchLifecycleConfiguration"
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)

    cfn.update_stack(StackName="data", TemplateBody=template({}))
    assert missing(s3.get_public_access_block, Bucket=bucket) == "NoSuchPublicAccessBlockConfiguration"
    assert missing(s3.get_bucket_ownership_controls, Bucket=bucket) == "OwnershipControlsNotFoundError"
    assert missing(s3.get_bucket_tagging, Bucket=bucket) == "NoSuchTagSet"
