"""CloudFormation `AWS::S3::BucketPolicy`: create, update and delete the bucket policy.

Gap: moto 5.2 has no model for `AWS::S3::BucketPolicy`. The parser logs "No Moto
CloudFormation support" and skips the resource, the stack still reaches CREATE_COMPLETE,
and the bucket has no policy (GetBucketPolicy says NoSuchBucketPolicy).

What AWS does (CloudFormation template reference, AWS::S3::BucketPolicy): `Bucket` (the
bucket name, usually `!Ref TheBucket`) and `PolicyDocument` (a JSON object or string) are
required. Create calls PutBucketPolicy; an update with a new document calls
PutBucketPolicy again; a new `Bucket` replaces the resource (the policy moves); delete
calls DeleteBucketPolicy. `Ref` returns the bucket name (the resource's primary
identifier). A policy whose bucket is already gone counts as deleted.

The model below goes through the S3 backend's own put/delete calls, so any checks the
backend makes (for example Block Public Access) apply to stacks exactly as to the API.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from emulator.extensions.cloudformation_update_dependents import defer_cleanup


def _s3(account_id: str, region_name: str):
    return s3_backends[account_id][get_partition(region_name)]


def _document(properties: dict[str, Any]) -> bytes:
    document = properties["PolicyDocument"]
    if not isinstance(document, str):
        document = json.dumps(document)
    return document.encode()


class CfnBucketPolicy(CloudFormationModel):
    """The stack's record of one bucket policy (the policy itself lives on the bucket)."""

    def __init__(self, bucket_name: str):
        self.bucket_name = bucket_name

    @property
    def physical_resource_id(self) -> str:
        return self.bucket_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> CfnBucketPolicy:
        properties = cloudformation_json["Properties"]
        bucket_name = properties["Bucket"]
        _s3(account_id, region_name).put_bucket_policy(bucket_name, _document(properties))
        return cls(bucket_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: CfnBucketPolicy, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> CfnBucketPolicy:
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                  region_name)
        if new.bucket_name != original_resource.bucket_name:  # Bucket changed: replacement
            defer_cleanup(lambda: cls.delete_from_cloudformation_json(original_resource.bucket_name, {}, account_id,
                                                                      region_name))
        return new

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        with contextlib.suppress(MissingBucket):  # the bucket, and so its policy, is already gone
            _s3(account_id, region_name).delete_bucket_policy(resource_name)

    def is_created(self) -> bool:
        return True


def apply() -> None:
    # Defining the class registered it (moto lists CloudFormationModel subclasses); moto
    # caches that list on first use, so drop the cache in case a stack was parsed already.
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    if parsing.resource_class_from_type("AWS::S3::BucketPolicy") is not CfnBucketPolicy:
        raise RuntimeError("another model claims AWS::S3::BucketPolicy")
