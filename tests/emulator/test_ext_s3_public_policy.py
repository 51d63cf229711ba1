"""s3_public_policy: "public" as the S3 User Guide defines it, for BlockPublicPolicy,
GetBucketPolicyStatus and RestrictPublicBuckets (stock moto: strict xfail; ours: pass)."""

from __future__ import annotations

from tests.emulator.tls import access_keys, error_code, policy, secured_fixture

BUCKET = "public-meaning"
OTHER_ACCOUNT = "001234567890"
ANYONE = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}


def _anyone_if(condition: dict) -> str:
    return policy({**ANYONE, "Condition": condition})


PUBLIC = {
    "a condition AWS does not list": _anyone_if({"Bool": {"aws:SecureTransport": "true"}}),
    "a wildcard value": _anyone_if({"StringLike": {"aws:SourceVpc": "vpc-*"}}),
    "a negated operator": _anyone_if({"StringNotEquals": {"aws:SourceAccount": "123456789012"}}),
    "IfExists": _anyone_if({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}),
    "a CIDR broader than /8": _anyone_if({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/1"]}}),
    "a policy variable": _anyone_if({"StringEquals": {"aws:userid": "${aws:userid}"}}),
    "a Federated principal": policy({**ANYONE, "Principal": {"Federated": "graph.facebook.com"}}),
    "AWS *": policy({**ANYONE, "Principal": {"AWS": ["arn:aws:iam::123456789012:root", "*"]}}),
}
NOT_PUBLIC = {
    "a fixed aws:SourceVpc": _anyone_if({"StringEquals": {"aws:SourceVpc": "vpc-91237329"}}),
    "narrow CIDRs": _anyone_if({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}),
    "a fixed organization": _anyone_if({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
    "an access point of a fixed account": _anyone_if(
        {"ArnLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-east-1:123456789012:accesspoint/*"}}),
    "a service principal": policy({**ANYONE, "Principal": {"Service": "cloudtrail.amazonaws.com"}}),
    "an account principal": policy({**ANYONE, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}),
}


def _block_public_policy(s3) -> None:
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})


def test_block_public_policy_follows_the_meaning_of_public(flavour):
    s3 = flavour.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC["a condition AWS does not list"])
    assert s3.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"]["IsPublic"] is True
    s3.delete_bucket_policy(Bucket=BUCKET)
    _block_public_policy(s3)

    refused = {why for why, document in PUBLIC.items()
               if error_code(lambda d=document: s3.put_bucket_policy(Bucket=BUCKET, Policy=d)) == "AccessDenied"}
    assert refused == set(PUBLIC)
    for why, document in NOT_PUBLIC.items():
        assert error_code(lambda d=document: s3.put_bucket_policy(Bucket=BUCKET, Policy=d)) is None, why
        assert s3.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"]["IsPublic"] is False, why


secured = secured_fixture("moto's definition of a public bucket policy")


def test_restrict_public_buckets_blocks_even_delegation_to_an_account(aws):
    """The guide's example: with a public statement in the policy, RestrictPublicBuckets
    also cuts the grant to a named account; without it, the account regains access."""
    s3 = aws.client("s3", https=True)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="o", Body=b"o")
    other = aws.client("iam", account=OTHER_ACCOUNT)
    other.create_user(UserName="partner")
    partner = aws.client("s3", https=True, credentials=access_keys(other, "partner"))
    to_partner = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                  "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    tls_anyone = {**ANYONE, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(to_partner, tls_anyone))
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True})

    assert error_code(lambda: partner.get_object(Bucket=BUCKET, Key="o")) == "AccessDenied"
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(to_partner))
    assert partner.get_object(Bucket=BUCKET, Key="o")["Body"].read() == b"o"
