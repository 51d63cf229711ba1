"""iam_policy_evaluation: identity policies are evaluated with real conditions.

The first tests call the evaluator directly, with cases from the IAM User Guide
("Condition operators", "multivalued context keys", "Policy variables"). The last ones run
against an emulator with IAM enforced: on stock moto they fail (strict xfail), on ours
they pass.
"""

from __future__ import annotations

import pytest

from emulator.extensions.iam_policy_evaluation import (
    Caller,
    Request,
    ResourcePolicy,
    conditions_hold,
    decide,
    principal_match,
)
from tests.emulator.tls import access_keys, error_code, policy, secured_fixture

ACCOUNT = "123456789012"
VERA = Caller(kind="user", account=ACCOUNT, arn=f"arn:aws:iam::{ACCOUNT}:user/vera",
              principal_arn=f"arn:aws:iam::{ACCOUNT}:user/vera", userid="AIDAVERA", username="vera")
CTX = {"aws:securetransport": ["false"], "aws:sourceip": ["127.0.0.1"], "aws:username": ["vera"],
       "aws:principalarn": [VERA.arn], "aws:currenttime": ["2025-06-01T12:00:00Z"]}


@pytest.mark.parametrize(("condition", "expected"), [
    ({"Bool": {"aws:SecureTransport": "false"}}, True),
    ({"Bool": {"aws:SecureTransport": True}}, False),
    ({"StringEquals": {"aws:username": ["alice", "vera"]}}, True),  # values: OR
    ({"StringNotEquals": {"aws:username": ["alice", "vera"]}}, False),  # negated: none may match
    ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/v?ra"}}, True),
    ({"StringEqualsIgnoreCase": {"aws:username": "VERA"}}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}, True),
    ({"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, True),
    ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, True),
    ({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.1/32"]}}, False),
    ({"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}, True),
    ({"StringEquals": {"aws:username": "${aws:username}"}}, True),  # policy variable
    # a key missing from the context: false, but true for negated operators and IfExists
    ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, False),
    ({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}, True),
    ({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, True),
    ({"Null": {"aws:SourceVpc": "true", "aws:username": "false"}}, True),
    ({"ForAnyValue:StringEquals": {"aws:SourceVpc": "vpc-1"}}, False),
    ({"ForAllValues:StringEquals": {"aws:SourceVpc": "vpc-1"}}, True),
    # several keys and operators: AND
    ({"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:username": "alice"}}, False),
    # what the emulator cannot know: None, the caller fails closed
    ({"StringEquals": {"aws:PrincipalTag/team": "ml"}}, None),
    ({"BinaryEquals": {"aws:username": "dmVyYQ=="}}, None),
])
def test_condition_operators(condition, expected):
    assert conditions_hold(condition, CTX) is expected


def test_principal_element_names_the_caller_or_its_account():
    assert principal_match("*", VERA) == "direct"
    assert principal_match({"AWS": VERA.arn}, VERA) == "direct"
    assert principal_match({"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}, VERA) == "account"
    assert principal_match({"AWS": ACCOUNT}, VERA) == "account"
    assert principal_match({"AWS": "arn:aws:iam::001234567890:root"}, VERA) is None
    assert principal_match({"Service": "ec2.amazonaws.com"}, VERA) is None
    assert principal_match({"AWS": "*"}, Caller.anonymous()) == "direct"
    assert principal_match({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Caller.anonymous()) is None


def _request(caller, action="s3:GetObject", resource="arn:aws:s3:::b/k", ctx=None):
    return Request(caller, action, resource, dict(CTX if ctx is None else ctx))


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_decisions_follow_the_evaluation_logic():
    allow_all = _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    with_policy = Caller(**{**VERA.__dict__, "policies": (allow_all,)})
    deny_http = ResourcePolicy(_doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}), ACCOUNT)
    assert decide(_request(with_policy)).allowed  # identity allows
    assert not decide(_request(VERA)).allowed  # implicit deny
    assert not decide(_request(with_policy), resource_policy=deny_http).allowed  # explicit deny wins
    https = {**CTX, "aws:securetransport": ["true"]}
    assert decide(_request(with_policy, ctx=https), resource_policy=deny_http).allowed
    names_vera = ResourcePolicy(_doc({"Effect": "Allow", "Principal": {"AWS": VERA.arn}, "Action": "s3:GetObject",
                                      "Resource": "arn:aws:s3:::b/*"}), ACCOUNT)
    assert decide(_request(VERA), resource_policy=names_vera).allowed  # resource policy alone, same account
    names_account = ResourcePolicy(_doc({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:*",
                                         "Resource": "*"}), ACCOUNT)
    assert not decide(_request(VERA), resource_policy=names_account).allowed  # delegation only
    other_account = ResourcePolicy(None, "001234567890")
    assert not decide(_request(with_policy), resource_policy=other_account).allowed  # cross-account: both sides
    # an Allow whose condition does not hold does not apply; it is no Deny
    conditional = _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                        "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, *allow_all["Statement"])
    assert decide(_request(Caller(**{**VERA.__dict__, "policies": (conditional,)}))).allowed
    # unknown condition key: an Allow does not apply, a Deny does
    tagged_allow = _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}}})
    assert not decide(_request(Caller(**{**VERA.__dict__, "policies": (tagged_allow,)}))).allowed
    tagged_deny = _doc({**tagged_allow["Statement"][0], "Effect": "Deny"})
    assert not decide(_request(Caller(**{**VERA.__dict__, "policies": (allow_all, tagged_deny)}))).allowed
    # policy variables in Resource
    own_prefix = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"})
    mine = Caller(**{**VERA.__dict__, "policies": (own_prefix,)})
    assert decide(_request(mine, resource="arn:aws:s3:::b/vera/x")).allowed
    assert not decide(_request(mine, resource="arn:aws:s3:::b/alice/x")).allowed


# --- against the emulator, IAM enforced ------------------------------------------------


secured = secured_fixture("moto ignores most conditions")



def test_secure_transport_and_source_ip_conditions_in_identity_policies(aws):
    iam = aws.client("iam")
    iam.create_user(UserName="ops")
    iam.put_user_policy(UserName="ops", PolicyName="conditional", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}},
        {"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Allow", "Action": "iam:ListPolicies", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}}}))
    keys = access_keys(iam, "ops")
    aws.enforce_iam()
    plain, tls = aws.client("iam", credentials=keys), aws.client("iam", https=True, credentials=keys)
    assert error_code(plain.list_users) == "AccessDenied"  # HTTP: aws:SecureTransport is false
    assert error_code(tls.list_users) is None
    assert error_code(plain.list_roles) is None  # the client is on 127.0.0.1
    assert error_code(plain.list_groups) == "AccessDenied"
    assert error_code(tls.list_policies) == "AccessDenied"  # tag keys are not modelled: fail closed


def test_a_condition_that_does_not_hold_is_no_deny(aws):
    iam = aws.client("iam")
    account = aws.client("sts").get_caller_identity()["Account"]
    ci = f"arn:aws:iam::{account}:user/ci"
    iam.create_user(UserName="ci")
    role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": ci}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "other-tenant"}}},
        {"Effect": "Allow", "Principal": {"AWS": ci}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "mine"}}}))["Role"]["Arn"]
    iam.put_user_policy(UserName="ci", PolicyName="assume", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}))
    keys = access_keys(iam, "ci")
    aws.enforce_iam()
    sts = aws.client("sts", credentials=keys)
    # The first statement does not apply (its condition is false); the second allows.
    def assume(external_id: str):
        return lambda: sts.assume_role(RoleArn=role, RoleSessionName="ci", ExternalId=external_id)

    assert error_code(assume("mine")) is None
    assert error_code(assume("someone-else")) == "AccessDenied"
