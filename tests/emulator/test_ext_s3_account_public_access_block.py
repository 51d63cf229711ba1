"""s3_account_public_access_block: the account's Block Public Access settings (s3control)
bind every bucket of the account, whatever the bucket's own settings (stock moto: strict
xfail; ours: pass). IAM is not enforced here."""

from __future__ import annotations

from botocore import UNSIGNED
from botocore.config import Config

from tests.emulator.tls import error_code as code
from tests.emulator.tls import policy

BUCKET = "account-blocked"


def _account_block(flavour, on: bool) -> None:
    account = flavour.client("sts").get_caller_identity()["Account"]
    s3control = flavour.client("s3control")
    # boto3 sends s3control calls to "{AccountId}.<endpoint host>"; the emulator is one
    # loopback address, so send them to the endpoint itself (moto reads the x-amz-account-id header).
    s3control.meta.events.register("before-sign.s3-control.*", lambda request, **_: setattr(
        request, "url", request.url.replace(f"//{account}.", "//", 1)))
    s3control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={
        "BlockPublicAcls": on, "IgnorePublicAcls": on, "BlockPublicPolicy": on, "RestrictPublicBuckets": on})


def test_the_account_settings_bind_every_bucket(flavour):
    s3 = flavour.client("s3")
    anonymous = flavour.client("s3", config=Config(signature_version=UNSIGNED))
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="by-acl", Body=b"a", ACL="public-read")  # public while nothing blocks it
    public = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                     "Resource": f"arn:aws:s3:::{BUCKET}/*"})
    _account_block(flavour, True)

    assert code(lambda: s3.put_bucket_policy(Bucket=BUCKET, Policy=public)) == "AccessDenied"
    assert code(lambda: s3.put_object(Bucket=BUCKET, Key="p", Body=b"p", ACL="public-read")) == "AccessDenied"
    assert code(lambda: s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read")) == "AccessDenied"
    assert code(lambda: anonymous.get_object(Bucket=BUCKET, Key="by-acl")) == "AccessDenied"  # IgnorePublicAcls

    _account_block(flavour, False)  # the bucket has no settings of its own: public again
    assert anonymous.get_object(Bucket=BUCKET, Key="by-acl")["Body"].read() == b"a"
    assert code(lambda: s3.put_bucket_policy(Bucket=BUCKET, Policy=public)) is None
