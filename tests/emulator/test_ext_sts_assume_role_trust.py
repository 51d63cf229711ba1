"""sts_assume_role_trust: AssumeRole follows the trust policy as AWS evaluates it.

IAM enforced, on an emulator of our own: stock moto fails each test (strict xfail), ours
passes.
"""

from __future__ import annotations

import pytest

from tests.emulator.tls import access_keys, error_code, policy, secured_fixture, session_keys

OTHER_ACCOUNT = "001234567890"


secured = secured_fixture("moto's trust-policy matching")



def _trust(principal) -> str:
    return policy({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


def _assume(aws, keys, role_arn):
    return lambda: aws.client("sts", credentials=keys).assume_role(RoleArn=role_arn, RoleSessionName="test")


@pytest.mark.parametrize("account_principal", ["arn:aws:iam::{account}:root", "{account}"])
def test_trust_in_the_account_delegates_to_identity_policies(aws, account_principal):
    iam = aws.client("iam")
    account = aws.client("sts").get_caller_identity()["Account"]
    role = iam.create_role(RoleName="developer",
                           AssumeRolePolicyDocument=_trust(account_principal.format(account=account)))["Role"]["Arn"]
    # The role's own permissions: one inline policy, one customer managed policy.
    iam.put_role_policy(RoleName="developer", PolicyName="list", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}))
    managed = iam.create_policy(PolicyName="read-users", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="developer", PolicyArn=managed)
    iam.create_group(GroupName="developers")
    iam.put_group_policy(GroupName="developers", PolicyName="assume", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}))
    for user in ("vera", "mallory"):
        iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName="developers", UserName="vera")
    vera, mallory = access_keys(iam, "vera"), access_keys(iam, "mallory")
    aws.enforce_iam()

    assert error_code(_assume(aws, mallory, role)) == "AccessDenied"  # trusted account, no permission
    session = session_keys(_assume(aws, vera, role)()["Credentials"])
    who = aws.client("sts", credentials=session).get_caller_identity()["Arn"]
    assert who == f"arn:aws:sts::{account}:assumed-role/developer/test"
    assert error_code(aws.client("s3", credentials=session).list_buckets) is None  # inline policy
    assert error_code(aws.client("iam", credentials=session).list_users) is None  # managed policy
    assert error_code(lambda: aws.client("iam", credentials=session).create_user(UserName="x")) == "AccessDenied"


def test_trust_naming_the_user_needs_no_identity_policy_but_a_deny_wins(aws):
    iam = aws.client("iam")
    account = aws.client("sts").get_caller_identity()["Account"]
    role = iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=_trust(
        [f"arn:aws:iam::{account}:user/ann", f"arn:aws:iam::{account}:user/dan"]))["Role"]["Arn"]
    for user in ("ann", "dan", "eve"):
        iam.create_user(UserName=user)
    iam.put_user_policy(UserName="eve", PolicyName="assume-all", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    iam.put_user_policy(UserName="dan", PolicyName="no-roles", PolicyDocument=policy(
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}))
    keys = {user: access_keys(iam, user) for user in ("ann", "dan", "eve")}
    aws.enforce_iam()

    assert error_code(_assume(aws, keys["ann"], role)) is None  # named in the trust policy
    assert error_code(_assume(aws, keys["dan"], role)) == "AccessDenied"  # explicit deny
    assert error_code(_assume(aws, keys["eve"], role)) == "AccessDenied"  # not trusted, whatever she may do


def test_cross_account_needs_the_trust_policy_and_the_callers_identity_policy(aws):
    iam = aws.client("iam")
    account = aws.client("sts").get_caller_identity()["Account"]
    shared = iam.create_role(RoleName="shared", AssumeRolePolicyDocument=_trust(
        f"arn:aws:iam::{OTHER_ACCOUNT}:root"))["Role"]["Arn"]
    internal = iam.create_role(RoleName="internal", AssumeRolePolicyDocument=_trust(
        f"arn:aws:iam::{account}:root"))["Role"]["Arn"]
    other = aws.client("iam", account=OTHER_ACCOUNT)  # the caller's account
    for user in ("bob", "carl"):
        other.create_user(UserName=user)
    other.put_user_policy(UserName="bob", PolicyName="assume-all", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    bob, carl = access_keys(other, "bob"), access_keys(other, "carl")
    aws.enforce_iam()

    assert error_code(_assume(aws, bob, shared)) is None
    assert error_code(_assume(aws, carl, shared)) == "AccessDenied"  # no identity permission
    assert error_code(_assume(aws, bob, internal)) == "AccessDenied"  # the role does not trust bob's account


def test_service_and_federated_principals_never_match_an_iam_caller(aws):
    """Principal {"Service": ...} names only that service, {"Federated": ...} only callers
    federated through that provider; {"AWS": "*"} names every AWS principal."""
    iam = aws.client("iam")
    roles = {name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
        for name, principal in {"for-ec2": {"Service": "ec2.amazonaws.com"},
                                "for-google": {"Federated": "accounts.google.com"},
                                "for-any-aws": {"AWS": "*"}}.items()}
    iam.create_user(UserName="eve")
    iam.put_user_policy(UserName="eve", PolicyName="assume-all", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    eve = access_keys(iam, "eve")
    aws.enforce_iam()

    assert error_code(_assume(aws, eve, roles["for-ec2"])) == "AccessDenied"
    assert error_code(_assume(aws, eve, roles["for-google"])) == "AccessDenied"
    assert error_code(_assume(aws, eve, roles["for-any-aws"])) is None
