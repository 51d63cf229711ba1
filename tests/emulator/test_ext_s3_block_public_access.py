"""s3_block_public_access: a bucket that blocks public access refuses public policies and
public ACLs (stock moto: strict xfail; ours: pass). IAM is not enforced here."""

from __future__ import annotations

from tests.emulator.tls import error_code as code
from tests.emulator.tls import policy

BUCKET = "locked"


def _block(s3, bucket: str, on: bool) -> None:
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": on, "IgnorePublicAcls": on, "BlockPublicPolicy": on, "RestrictPublicBuckets": on})


def test_public_policy_and_acls_are_refused(flavour):
    bucket = BUCKET
    s3 = flavour.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    _block(s3, bucket, True)
    public = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                     "Resource": f"arn:aws:s3:::{bucket}/*"})
    scoped = policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                     "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"})

    assert code(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=public)) == "AccessDenied"
    assert code(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=scoped)) is None
    assert code(lambda: s3.put_object(Bucket=bucket, Key="p", Body=b"p", ACL="public-read")) == "AccessDenied"
    assert code(lambda: s3.head_object(Bucket=bucket, Key="p")) == "404"  # nothing was stored
    assert code(lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")) == "AccessDenied"
    assert code(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="authenticated-read")) == "AccessDenied"
    assert code(lambda: s3.put_object(Bucket=bucket, Key="q", Body=b"q", ACL="private")) is None

    _block(s3, bucket, False)  # public on purpose: now allowed
    assert code(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=public)) is None
    assert code(lambda: s3.put_object(Bucket=bucket, Key="p", Body=b"p", ACL="public-read")) is None
