"""Fn::GetAtt on a type the emulator cannot model is a clear ValidationError, not an HTTP 500
(extension: emulator/extensions/cloudformation_getatt.py)."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

TEMPLATE = json.dumps({"Resources": {
    "Bucket": {"Type": "AWS::S3::Bucket"},
    "Point": {"Type": "AWS::S3::AccessPoint", "Properties": {"Bucket": {"Ref": "Bucket"}}},
}, "Outputs": {"Alias": {"Value": {"Fn::GetAtt": ["Point", "Alias"]}}}})


def test_getatt_on_unsupported_type_is_a_validation_error(flavour):
    cfn = flavour.client("cloudformation", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName="points", TemplateBody=TEMPLATE)
    error = err.value.response["Error"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "ValidationError"
    assert "Point.Alias" in error["Message"] and "AWS::S3::AccessPoint" in error["Message"]
