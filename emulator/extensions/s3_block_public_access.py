"""Block Public Access refuses public bucket policies and public ACLs, as on AWS.

Gap (moto 5.2.5, moto/s3/models.py): a bucket's PublicAccessBlockConfiguration is stored
and returned, but `BlockPublicPolicy` and `BlockPublicAcls` are never enforced:
PutBucketPolicy with a policy granting "*" and PutObject with `x-amz-acl: public-read`
both succeed on a bucket that blocks public access. (The two other settings,
`IgnorePublicAcls` and `RestrictPublicBuckets`, act when requests are authorized: see
s3_request_authorization.)

What AWS does (S3 User Guide, "Blocking public access to your Amazon S3 storage" -
"Block public access settings"): with `BlockPublicPolicy`, PutBucketPolicy is rejected
(403 AccessDenied) if the new policy is public; with `BlockPublicAcls`, PutBucketAcl,
PutObjectAcl, and PutObject / CopyObject / CreateMultipartUpload / CreateBucket requests
carrying a public ACL (a canned ACL or grant to AllUsers or AuthenticatedUsers) are
rejected the same way. Existing policies and ACLs are not changed.

The checks sit in the S3 backend for policies and ACL documents (so CloudFormation stacks
meet them too) and in moto's parsing of ACL headers for object uploads, before anything
is stored. "Public" is AWS's definition, from s3_public_policy; a setting is in force when
the bucket or its account (s3_account_public_access_block) sets it.
"""

from __future__ import annotations

from typing import Any

from emulator.extensions import s3_public_policy
from emulator.extensions.s3_account_public_access_block import setting as _blocks

_PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def _public(acl: Any) -> bool:
    return acl is not None and any(getattr(g, "uri", "") in _PUBLIC_GROUPS
                                   for grant in acl.grants for g in grant.grantees)


def _refuse(bucket_name: str) -> None:
    from moto.s3.exceptions import BucketAccessDeniedError

    raise BucketAccessDeniedError(bucket=bucket_name)


def apply() -> None:
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    if getattr(S3Backend, "_emulator_block_public_access", False):
        return
    put_bucket_policy, put_bucket_acl = S3Backend.put_bucket_policy, S3Backend.put_bucket_acl
    put_object_acl, acl_from_headers = S3Backend.put_object_acl, S3Response._acl_from_headers

    def checked_put_bucket_policy(self: Any, bucket_name: str, policy: bytes) -> None:
        if _blocks(self.get_bucket(bucket_name), "block_public_policy") and s3_public_policy.is_public(policy):
            _refuse(bucket_name)
        put_bucket_policy(self, bucket_name, policy)

    def checked_put_bucket_acl(self: Any, bucket_name: str, acl: Any) -> None:
        if _blocks(self.get_bucket(bucket_name), "block_public_acls") and _public(acl):
            _refuse(bucket_name)
        put_bucket_acl(self, bucket_name, acl)

    def checked_put_object_acl(self: Any, bucket_name: str, key_name: str, acl: Any, *args: Any,
                               **kwargs: Any) -> None:
        if _blocks(self.get_bucket(bucket_name), "block_public_acls") and _public(acl):
            _refuse(bucket_name)
        put_object_acl(self, bucket_name, key_name, acl, *args, **kwargs)

    def checked_acl_from_headers(self: Any, headers: Any) -> Any:
        acl = acl_from_headers(self, headers)
        name = getattr(self, "bucket_name", None)
        if name and _public(acl):
            try:
                bucket = self.backend.get_bucket(name)
            except MissingBucket:  # CreateBucket: no settings yet
                return acl
            if _blocks(bucket, "block_public_acls"):
                _refuse(name)
        return acl

    S3Backend.put_bucket_policy = checked_put_bucket_policy
    S3Backend.put_bucket_acl = checked_put_bucket_acl
    S3Backend.put_object_acl = checked_put_object_acl
    S3Response._acl_from_headers = checked_acl_from_headers
    S3Backend._emulator_block_public_access = True
