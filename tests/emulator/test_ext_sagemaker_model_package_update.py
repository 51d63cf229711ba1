"""sagemaker_model_package_update: UpdateModelPackage changes only the fields it is given."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/eta-model@sha256:" + "0" * 64


def register(sm, group: str) -> str:
    sm.create_model_package_group(ModelPackageGroupName=group)
    return sm.create_model_package(
        ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval",
        CustomerMetadataProperties={"mae": "188.2", "r2": "0.81"},
        InferenceSpecification={"Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://b/m/model.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )["ModelPackageArn"]


def test_an_approval_keeps_the_metadata_and_description(flavour):
    sm = flavour.client("sagemaker")
    arn = register(sm, "eta-keep")
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved",
                            ApprovalDescription="gate: mae 188.2 <= 300")
    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"approved_by": "gate"})
    got = sm.describe_model_package(ModelPackageName=arn)
    assert got["ModelApprovalStatus"] == "Approved"
    assert got["ApprovalDescription"] == "gate: mae 188.2 <= 300"
    assert got["CustomerMetadataProperties"] == {"mae": "188.2", "r2": "0.81", "approved_by": "gate"}


def test_properties_are_removed_by_name_only(flavour):
    sm = flavour.client("sagemaker")
    arn = register(sm, "eta-remove")
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Rejected")
    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataPropertiesToRemove=["r2"])
    got = sm.describe_model_package(ModelPackageName=arn)
    assert got["ModelApprovalStatus"] == "Rejected"
    assert got["CustomerMetadataProperties"] == {"mae": "188.2"}


def test_an_unknown_package_is_still_refused(emulator):
    sm = emulator.client("sagemaker")
    with pytest.raises(ClientError) as err:
        sm.update_model_package(ModelPackageArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/nope/1",
                                ModelApprovalStatus="Approved")
    assert err.value.response["Error"]["Code"] == "ValidationException"
