"""A bucket whose Object Ownership is BucketOwnerEnforced refuses ACL writes, as on AWS.

Gap (moto 5.2.5, moto/s3/responses.py): the bucket's ownership controls are stored and
returned, but ACLs are still accepted and stored on such a bucket: PutBucketAcl,
PutObjectAcl, and PutObject / CopyObject / CreateMultipartUpload with `x-amz-acl:
public-read` or an `x-amz-grant-*` header all succeed.

What AWS does (S3 User Guide, "Controlling ownership of objects and disabling ACLs for
your bucket" and "Troubleshooting" for Object Ownership; S3 API Reference, PutBucketAcl
and PutObjectAcl): with the Bucket owner enforced setting, ACLs are disabled. Requests
to set or update ACLs fail with HTTP 400 and the error code AccessControlListNotSupported
("The bucket does not allow ACLs"); reading ACLs still works. PUT requests must either
specify no ACL or the `bucket-owner-full-control` canned ACL, otherwise they fail the
same way.

This module checks each S3 request right after it is authorized and before moto acts on
it: on a BucketOwnerEnforced bucket, PutBucketAcl and PutObjectAcl are refused, and so is
any PUT or POST carrying an `x-amz-grant-*` header or an `x-amz-acl` other than
bucket-owner-full-control. Grant headers are refused even when they would only grant the
owner full control (AWS accepts that equivalence only as an XML ACL; when unsure, the
emulator refuses). Not modelled: CreateBucket's InvalidBucketAclWithObjectOwnership.
"""

from __future__ import annotations

from typing import Any

from emulator.extensions import s3_request_authorization

ALLOWED_CANNED_ACL = "bucket-owner-full-control"


def owner_enforced(bucket: Any) -> bool:
    """True when the bucket's Object Ownership is BucketOwnerEnforced (ACLs disabled)."""
    return bucket is not None and "BucketOwnerEnforced" in str(getattr(bucket, "ownership_rule", None) or "")


def sets_acl(method: str, query: dict, headers: Any) -> bool:
    """True when a request sets an ACL other than bucket-owner-full-control."""
    if method not in ("PUT", "POST"):
        return False
    if method == "PUT" and "acl" in query:
        return True  # PutBucketAcl / PutObjectAcl
    canned = headers.get("x-amz-acl")
    grants = any(str(name).lower().startswith("x-amz-grant-") for name, _value in headers.items())
    return grants or (canned is not None and canned != ALLOWED_CANNED_ACL)


def apply() -> None:
    from moto.s3.exceptions import S3ClientError
    from moto.s3.responses import S3Response

    s3_request_authorization.apply()  # wrap its authorization step
    if getattr(S3Response, "_emulator_object_ownership_acls", False):
        return
    authorize = S3Response._authenticate_and_authorize_s3_action

    def authorize_then_check(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
        authorize(self, bucket_name=bucket_name, key_name=key_name)
        if bucket_name and owner_enforced(s3_request_authorization._bucket(bucket_name)) \
                and sets_acl(self.method.upper(), s3_request_authorization._query(self), self.headers):
            raise S3ClientError("AccessControlListNotSupported", "The bucket does not allow ACLs")

    S3Response._authenticate_and_authorize_s3_action = authorize_then_check
    S3Response._emulator_object_ownership_acls = True
