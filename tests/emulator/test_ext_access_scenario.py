"""The access scenario the estate's stack must make true, built with boto3 (no CFN).

With IAM enforced: user vera (in a group whose inline policy allows sts:AssumeRole on role
`developer`, whose trust policy names the account root) assumes developer and then, over
HTTPS, writes, reads, overwrites, lists and deletes (versions too) in the private bucket
(versioned, SSE, policy: deny s3:* when aws:SecureTransport is false). Over HTTP the same
calls are denied by that policy. As developer she may not write to the public bucket or
any other bucket, nor change IAM. A user outside the group cannot assume the role. An
anonymous client reads the public bucket's objects and nothing of the private bucket.

Runs on our emulator (must pass) and on stock moto (strict xfail: stock denies the
account-root trust, denies every private-bucket call over HTTPS, answers anonymous calls
with HTTP 500 and lets ListBucket through over HTTP).
"""

from __future__ import annotations

import pytest

from tests.emulator.tls import SecuredEmulator, access_keys, error_code, policy, session_keys

PRIVATE, PUBLIC, OTHER = "estate-private", "estate-public", "estate-other"
ALLOWED, DENIED = "allowed", "denied"


@pytest.fixture(params=[
    pytest.param("stock", marks=pytest.mark.xfail(strict=True, reason="moto's access-control gaps")),
    "ours",
])
def secured(request, tmp_path):
    emu = SecuredEmulator(tmp_path, stock=request.param == "stock")
    yield emu
    emu.stop()


def build_estate(aws: SecuredEmulator) -> dict:
    """What the stack declares, made with boto3 while IAM is not yet enforced."""
    s3, iam = aws.client("s3", https=True), aws.client("iam")
    account = aws.client("sts").get_caller_identity()["Account"]
    role_arn = f"arn:aws:iam::{account}:role/developer"

    s3.create_bucket(Bucket=PRIVATE)
    s3.put_bucket_versioning(Bucket=PRIVATE, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=PRIVATE, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_public_access_block(Bucket=PRIVATE, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    s3.put_object(Bucket=PRIVATE, Key="secret.txt", Body=b"private")
    s3.put_bucket_policy(Bucket=PRIVATE, Policy=policy({
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{PRIVATE}", f"arn:aws:s3:::{PRIVATE}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))


    s3.create_bucket(Bucket=PUBLIC)
    s3.put_bucket_policy(Bucket=PUBLIC, Policy=policy({
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{PUBLIC}/*"}))
    s3.put_object(Bucket=PUBLIC, Key="index.html", Body=b"<h1>public</h1>")
    s3.create_bucket(Bucket=OTHER)

    iam.create_role(RoleName="developer", AssumeRolePolicyDocument=policy({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}))
    objects = iam.create_policy(PolicyName="developer-objects", PolicyDocument=policy({
        "Effect": "Allow", "Resource": f"arn:aws:s3:::{PRIVATE}/*",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject",
                   "s3:DeleteObjectVersion"]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="developer", PolicyArn=objects)  # managed
    iam.put_role_policy(RoleName="developer", PolicyName="list", PolicyDocument=policy({  # inline
        "Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
        "Resource": f"arn:aws:s3:::{PRIVATE}"}))

    iam.create_group(GroupName="developers")
    iam.put_group_policy(GroupName="developers", PolicyName="assume-developer", PolicyDocument=policy({
        "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}))
    iam.create_user(UserName="vera")
    iam.add_user_to_group(GroupName="developers", UserName="vera")
    iam.create_user(UserName="mallory")  # not in the group
    return {"role_arn": role_arn, "vera": access_keys(iam, "vera"), "mallory": access_keys(iam, "mallory")}


def test_who_may_do_what(secured):
    aws = secured
    estate = build_estate(aws)
    aws.enforce_iam()
    results: dict[str, tuple[str, str | None]] = {}  # label -> (expected, error code or None)

    def check(label: str, expected: str, call) -> None:
        results[label] = (expected, error_code(call))

    def assume(keys: dict, name: str) -> dict | None:
        try:
            return session_keys(aws.client("sts", https=True, credentials=keys).assume_role(
                RoleArn=estate["role_arn"], RoleSessionName=name)["Credentials"])
        except Exception:  # noqa: BLE001 (recorded below as a mismatch)
            return None

    check("mallory (not in the group) assumes developer", DENIED, lambda: aws.client(
        "sts", https=True, credentials=estate["mallory"]).assume_role(
        RoleArn=estate["role_arn"], RoleSessionName="mallory"))
    vera_s3 = aws.client("s3", https=True, credentials=estate["vera"])
    check("vera herself reads the private bucket", DENIED, lambda: vera_s3.list_objects_v2(Bucket=PRIVATE))

    developer = assume(estate["vera"], "vera")
    results["vera assumes developer (trust names the account root)"] = (
        ALLOWED, None if developer else "AccessDenied")
    if developer:
        s3 = aws.client("s3", https=True, credentials=developer)
        plain = aws.client("s3", credentials=developer)
        iam = aws.client("iam", https=True, credentials=developer)
        check("HTTPS put", ALLOWED, lambda: s3.put_object(Bucket=PRIVATE, Key="data.csv", Body=b"v1"))
        check("HTTPS get", ALLOWED, lambda: s3.get_object(Bucket=PRIVATE, Key="data.csv")["Body"].read())
        check("HTTPS overwrite", ALLOWED, lambda: s3.put_object(Bucket=PRIVATE, Key="data.csv", Body=b"v2"))
        check("HTTPS list", ALLOWED, lambda: s3.list_objects_v2(Bucket=PRIVATE))
        check("HTTP put", DENIED, lambda: plain.put_object(Bucket=PRIVATE, Key="data.csv", Body=b"x"))
        check("HTTP get", DENIED, lambda: plain.get_object(Bucket=PRIVATE, Key="data.csv"))
        check("HTTP list", DENIED, lambda: plain.list_objects_v2(Bucket=PRIVATE))
        check("HTTP delete", DENIED, lambda: plain.delete_object(Bucket=PRIVATE, Key="data.csv"))
        check("HTTPS delete (delete marker)", ALLOWED, lambda: s3.delete_object(Bucket=PRIVATE, Key="data.csv"))

        def delete_versions() -> None:
            listing = s3.list_object_versions(Bucket=PRIVATE, Prefix="data.csv")
            entries = listing.get("Versions", []) + listing.get("DeleteMarkers", [])
            assert len(entries) == 3, entries  # two versions and the delete marker
            for entry in entries:
                s3.delete_object(Bucket=PRIVATE, Key=entry["Key"], VersionId=entry["VersionId"])

        check("HTTPS list and delete every version", ALLOWED, delete_versions)
        check("put to the public bucket", DENIED, lambda: s3.put_object(Bucket=PUBLIC, Key="x", Body=b"x"))
        check("put to another bucket", DENIED, lambda: s3.put_object(Bucket=OTHER, Key="x", Body=b"x"))
        check("iam:CreateUser", DENIED, lambda: iam.create_user(UserName="intruder"))

    for https in (True, False):
        anon = aws.client("s3", https=https, anonymous=True)
        scheme = "HTTPS" if https else "HTTP"
        check(f"anonymous {scheme} get public object", ALLOWED,
              lambda anon=anon: anon.get_object(Bucket=PUBLIC, Key="index.html")["Body"].read())
    anon = aws.client("s3", https=True, anonymous=True)
    check("anonymous list public bucket (not granted)", DENIED, lambda: anon.list_objects_v2(Bucket=PUBLIC))
    check("anonymous put to public bucket", DENIED, lambda: anon.put_object(Bucket=PUBLIC, Key="x", Body=b"x"))
    check("anonymous list private bucket", DENIED, lambda: anon.list_objects_v2(Bucket=PRIVATE))
    check("anonymous get private object", DENIED, lambda: anon.get_object(Bucket=PRIVATE, Key="secret.txt"))

    wrong = {label: (expected, code) for label, (expected, code) in results.items()
             if (code is None) != (expected == ALLOWED) or (expected == DENIED and code != "AccessDenied")}
    assert not wrong, "\n".join(f"{label}: expected {expected}, got {code or 'success'}"
                                for label, (expected, code) in wrong.items())
    assert len(results) == 22  # every check ran
