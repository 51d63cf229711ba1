"""Account-level Block Public Access (s3control) applies to every bucket of the account.

Gap (moto 5.2.5, moto/s3control/models.py): PutPublicAccessBlock on the account is stored
and GetPublicAccessBlock returns it, but no bucket obeys it: with all four account-level
settings on, a bucket without its own configuration still accepts a public bucket policy
and public ACLs, and serves them.

What AWS does (S3 User Guide, "Blocking public access to your Amazon S3 storage"): Block
Public Access settings apply to access points, buckets and the whole account; when they
differ, Amazon S3 applies the most restrictive combination of the access point, bucket
and account settings. So each of BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and
RestrictPublicBuckets is in force for a bucket when it is set on the bucket OR on the
bucket owner's account.

`setting(bucket, name)` is that combination; s3_block_public_access (BlockPublicAcls,
BlockPublicPolicy) and s3_request_authorization (IgnorePublicAcls, RestrictPublicBuckets)
read every setting through it, so `apply()` has nothing to patch itself.
"""

from __future__ import annotations

from typing import Any

SETTINGS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")


def account_block(account_id: str, partition: str = "aws") -> Any:
    """The account's s3control PublicAccessBlock, or None."""
    from moto.s3control.models import s3control_backends

    return s3control_backends[account_id][partition].public_access_block


def setting(bucket: Any, name: str) -> bool:
    """True when the Block Public Access setting `name` is on for the bucket or its account."""
    if name not in SETTINGS:
        raise ValueError(f"unknown Block Public Access setting {name!r}")
    if bucket is None:
        return False
    blocks = (getattr(bucket, "public_access_block", None),
              account_block(bucket.account_id, getattr(bucket, "partition", "aws")))
    return any(block is not None and bool(getattr(block, name)) for block in blocks)


def apply() -> None:
    """Nothing to patch: the S3 extensions call `setting` (see the module docstring)."""
