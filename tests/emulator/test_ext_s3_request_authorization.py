"""s3_request_authorization: bucket policies, identity policies, ACLs and Block Public
Access decide S3 calls as on AWS, over the HTTP and the HTTPS listener.

Each test runs on an emulator of our own (some switch IAM enforcement on): stock moto
fails each (strict xfail), ours passes.
"""

from __future__ import annotations

from tests.emulator.tls import access_keys, error_code, policy, secured_fixture

OTHER_ACCOUNT = "001234567890"


secured = secured_fixture("moto's S3 authorization gaps")



def _tls_only(bucket: str) -> str:
    return policy({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                   "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}})


def test_tls_only_policy_without_enforcement(aws):
    """moto's default mode (IAM not enforced): the bucket policy still applies, with its
    condition evaluated against the listener the request came in on."""
    aws.client("s3").create_bucket(Bucket="tls-only")
    aws.client("s3").put_bucket_policy(Bucket="tls-only", Policy=_tls_only("tls-only"))
    tls, plain = aws.client("s3", https=True), aws.client("s3")

    assert error_code(lambda: tls.put_object(Bucket="tls-only", Key="k", Body=b"v")) is None
    assert tls.get_object(Bucket="tls-only", Key="k")["Body"].read() == b"v"
    assert tls.list_objects_v2(Bucket="tls-only")["KeyCount"] == 1
    for call in (lambda: plain.put_object(Bucket="tls-only", Key="k", Body=b"x"),
                 lambda: plain.get_object(Bucket="tls-only", Key="k"),
                 lambda: plain.list_objects_v2(Bucket="tls-only"),  # a bucket-level call
                 lambda: plain.get_bucket_versioning(Bucket="tls-only"),
                 lambda: plain.delete_bucket(Bucket="tls-only")):
        assert error_code(call) == "AccessDenied"
    # The account's root user may always read and replace the policy (AWS's lock-out guard).
    assert error_code(lambda: plain.get_bucket_policy(Bucket="tls-only")) is None


def test_request_header_and_tls_version_conditions(aws):
    s3, plain = aws.client("s3", https=True), aws.client("s3")
    s3.create_bucket(Bucket="sse-only")
    s3.put_bucket_policy(Bucket="sse-only", Policy=policy({
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::sse-only/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}}))
    assert error_code(lambda: s3.put_object(Bucket="sse-only", Key="k", Body=b"v")) == "AccessDenied"
    assert error_code(lambda: s3.put_object(Bucket="sse-only", Key="k", Body=b"v",
                                            ServerSideEncryption="AES256")) is None
    # s3:TlsVersion is present over HTTPS only (the HTTPS listener negotiates TLS 1.2+).
    s3.create_bucket(Bucket="tls-version")
    s3.put_bucket_policy(Bucket="tls-version", Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tls-version/*",
         "Condition": {"Null": {"s3:TlsVersion": "true"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tls-version/*",
         "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}))
    s3.put_object(Bucket="tls-version", Key="k", Body=b"v")
    assert error_code(lambda: s3.get_object(Bucket="tls-version", Key="k")) is None
    assert error_code(lambda: plain.get_object(Bucket="tls-version", Key="k")) == "AccessDenied"


def test_bucket_policy_grants_and_identity_policies_with_enforcement(aws):
    s3, iam = aws.client("s3", https=True), aws.client("iam")
    account = aws.client("sts").get_caller_identity()["Account"]
    s3.create_bucket(Bucket="team")
    s3.put_object(Bucket="team", Key="a/1", Body=b"1")
    s3.put_object(Bucket="team", Key="b/1", Body=b"1")
    for user in ("reader", "delegated", "cleaner"):
        iam.create_user(UserName=user)
    s3.put_bucket_policy(Bucket="team", Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/reader"},
         "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::team", "arn:aws:s3:::team/*"]},
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team/*"}))
    iam.put_user_policy(UserName="cleaner", PolicyName="clean-a", PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["s3:DeleteObject", "s3:GetObject"], "Resource": "arn:aws:s3:::team/a/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::team/copies/*"}))
    keys = {user: access_keys(iam, user) for user in ("reader", "delegated", "cleaner")}
    aws.enforce_iam()
    reader, delegated, cleaner = (aws.client("s3", https=True, credentials=keys[u])
                                  for u in ("reader", "delegated", "cleaner"))

    # Named in the bucket policy: allowed with no identity policy at all.
    assert reader.get_object(Bucket="team", Key="a/1")["Body"].read() == b"1"
    assert error_code(lambda: reader.head_bucket(Bucket="team")) is None  # HeadBucket is s3:ListBucket
    assert error_code(lambda: reader.put_object(Bucket="team", Key="c", Body=b"c")) == "AccessDenied"
    # Naming the account only delegates to identity policies, which grant nothing here.
    assert error_code(lambda: delegated.get_object(Bucket="team", Key="a/1")) == "AccessDenied"
    # CopyObject needs s3:PutObject on the target and s3:GetObject on the source.
    assert error_code(lambda: cleaner.copy_object(Bucket="team", Key="copies/1",
                                                  CopySource={"Bucket": "team", "Key": "a/1"})) is None
    assert error_code(lambda: cleaner.copy_object(Bucket="team", Key="copies/2",
                                                  CopySource={"Bucket": "team", "Key": "b/1"})) == "AccessDenied"
    # DeleteObjects is decided key by key.
    result = cleaner.delete_objects(Bucket="team", Delete={"Objects": [{"Key": "a/1"}, {"Key": "b/1"}]})
    assert [d["Key"] for d in result.get("Deleted", [])] == ["a/1"]
    assert [(e["Key"], e["Code"]) for e in result.get("Errors", [])] == [("b/1", "AccessDenied")]
    # A missing key is NoSuchKey only for callers who may list the bucket.
    assert error_code(lambda: reader.get_object(Bucket="team", Key="nothing")) == "NoSuchKey"
    assert error_code(lambda: cleaner.get_object(Bucket="team", Key="a/nothing")) == "AccessDenied"


def test_cross_account_access_needs_both_accounts(aws):
    """A caller in another account (created through moto's x-moto-account-id header while
    IAM is not enforced; its access keys then belong to that account)."""
    s3, iam = aws.client("s3", https=True), aws.client("iam")
    s3.create_bucket(Bucket="partner-data")
    s3.put_object(Bucket="partner-data", Key="o", Body=b"o")
    iam.create_user(UserName="owner")
    iam.put_user_policy(UserName="owner", PolicyName="s3", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    owner = access_keys(iam, "owner")
    other = aws.client("iam", account=OTHER_ACCOUNT)
    for user in ("bob", "carl"):
        other.create_user(UserName=user)
    other.put_user_policy(UserName="bob", PolicyName="s3", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    bob_keys, carl_keys = access_keys(other, "bob"), access_keys(other, "carl")
    aws.enforce_iam()
    bob = aws.client("s3", https=True, credentials=bob_keys)
    carl = aws.client("s3", https=True, credentials=carl_keys)

    assert error_code(lambda: bob.get_object(Bucket="partner-data", Key="o")) == "AccessDenied"  # no grant yet
    grant = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::partner-data/*"})
    aws.client("s3", https=True, credentials=owner).put_bucket_policy(Bucket="partner-data", Policy=grant)
    assert aws.client("s3", https=True, credentials=owner).get_bucket_policy(Bucket="partner-data")["Policy"] == grant
    assert bob.get_object(Bucket="partner-data", Key="o")["Body"].read() == b"o"
    assert error_code(lambda: bob.put_object(Bucket="partner-data", Key="n", Body=b"n")) == "AccessDenied"
    assert error_code(lambda: carl.get_object(Bucket="partner-data", Key="o")) == "AccessDenied"  # own account says no


def test_block_public_access_and_acls(aws):
    s3 = aws.client("s3", https=True)
    anon = aws.client("s3", https=True, anonymous=True)
    public_read = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                          "Resource": "arn:aws:s3:::site/*"})
    s3.create_bucket(Bucket="site")
    s3.put_object(Bucket="site", Key="by-policy", Body=b"p")
    s3.put_object(Bucket="site", Key="by-acl", Body=b"a", ACL="public-read")
    s3.put_bucket_policy(Bucket="site", Policy=public_read)
    assert anon.get_object(Bucket="site", Key="by-acl")["Body"].read() == b"a"
    assert anon.get_object(Bucket="site", Key="by-policy")["Body"].read() == b"p"

    s3.put_public_access_block(Bucket="site", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True})
    assert error_code(lambda: anon.get_object(Bucket="site", Key="by-acl")) == "AccessDenied"
    assert error_code(lambda: anon.get_object(Bucket="site", Key="by-policy")) == "AccessDenied"
