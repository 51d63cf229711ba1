"""s3_object_ownership_acls: a BucketOwnerEnforced bucket refuses every ACL write but
bucket-owner-full-control (stock moto: strict xfail; ours: pass)."""

from __future__ import annotations

from tests.emulator.tls import error_code as code

BUCKET = "acls-disabled"
REFUSED = "AccessControlListNotSupported"


def test_acl_writes_are_refused_when_acls_are_disabled(flavour):
    s3 = flavour.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_ownership_controls(Bucket=BUCKET, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_object(Bucket=BUCKET, Key="src", Body=b"s")
    owner = s3.get_bucket_acl(Bucket=BUCKET)["Owner"]["ID"]

    assert code(lambda: s3.put_bucket_acl(Bucket=BUCKET, ACL="private")) == REFUSED
    assert code(lambda: s3.put_object_acl(Bucket=BUCKET, Key="src", ACL="public-read")) == REFUSED
    assert code(lambda: s3.put_object(Bucket=BUCKET, Key="p", Body=b"p", ACL="public-read")) == REFUSED
    assert code(lambda: s3.put_object(Bucket=BUCKET, Key="g", Body=b"g", GrantRead=f'id="{owner}"')) == REFUSED
    assert code(lambda: s3.copy_object(Bucket=BUCKET, Key="c", ACL="authenticated-read",
                                       CopySource={"Bucket": BUCKET, "Key": "src"})) == REFUSED
    assert code(lambda: s3.create_multipart_upload(Bucket=BUCKET, Key="m", ACL="public-read")) == REFUSED
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert listed == ["src"]  # nothing refused was stored

    # No ACL, or the one canned ACL AWS accepts; reading ACLs still works.
    assert code(lambda: s3.put_object(Bucket=BUCKET, Key="n", Body=b"n")) is None
    assert code(lambda: s3.put_object(Bucket=BUCKET, Key="o", Body=b"o", ACL="bucket-owner-full-control")) is None
    assert code(lambda: s3.get_object_acl(Bucket=BUCKET, Key="o")) is None
