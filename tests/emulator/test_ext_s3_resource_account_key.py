"""s3_resource_account_key: aws:ResourceAccount in S3 requests is the bucket owner's
account, so a policy scoped to the caller's own account works (fails on stock moto,
which ignores conditions)."""

from __future__ import annotations

from tests.emulator.tls import access_keys, error_code, policy, secured_fixture

secured = secured_fixture("conditions on aws:ResourceAccount are not evaluated")

OWN_ACCOUNT = "${aws:PrincipalAccount}"


def _user_with(aws, name: str, *statements: dict) -> dict:
    iam = aws.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
    return access_keys(iam, name)


def _read_own_logs_if_resource_account_is(account: str) -> dict:
    return {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::own", "arn:aws:s3:::own/*"],
            "Condition": {"StringEquals": {"aws:ResourceAccount": account}}}


def test_the_condition_compares_with_the_bucket_owner(aws):
    aws.client("s3").create_bucket(Bucket="own")
    aws.client("s3").put_object(Bucket="own", Key="logs/a.log", Body=b"a")
    own = _user_with(aws, "dana", _read_own_logs_if_resource_account_is(OWN_ACCOUNT))
    other = _user_with(aws, "eve", _read_own_logs_if_resource_account_is("999999999999"))
    aws.enforce_iam()
    s3 = aws.client("s3", https=True, credentials=own)
    assert error_code(lambda: s3.get_object(Bucket="own", Key="logs/a.log")) is None
    assert error_code(lambda: s3.list_objects_v2(Bucket="own")) is None
    s3 = aws.client("s3", https=True, credentials=other)
    assert error_code(lambda: s3.get_object(Bucket="own", Key="logs/a.log")) == "AccessDenied"
    assert error_code(lambda: s3.list_objects_v2(Bucket="own")) == "AccessDenied"


def test_a_perimeter_deny_spares_the_own_account(aws):
    aws.client("s3").create_bucket(Bucket="own")
    aws.client("s3").put_object(Bucket="own", Key="k", Body=b"v")
    keys = _user_with(aws, "dana", {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {
        "Effect": "Deny", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:ResourceAccount": OWN_ACCOUNT}}})
    aws.enforce_iam()
    s3 = aws.client("s3", https=True, credentials=keys)
    assert error_code(lambda: s3.get_object(Bucket="own", Key="k")) is None
