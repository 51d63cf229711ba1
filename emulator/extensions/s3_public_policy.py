"""Block Public Access's definition of a public bucket policy, as AWS documents it.

Gap (moto 5.2.5, moto/s3/utils.py `bucket_policy_is_public`): a statement is public only
if it allows `"*"` (or `{"AWS": "*"}`) with no Condition at all; any condition, even
`{"Bool": {"aws:SecureTransport": "true"}}` or `{"StringLike": {"aws:SourceVpc": "vpc-*"}}`,
makes it non-public, and a `Federated` principal is never public. So BlockPublicPolicy
lets such policies in, GetBucketPolicyStatus calls them private, and RestrictPublicBuckets
(s3_request_authorization) never applies to them.

What AWS does (S3 User Guide, "Blocking public access to your Amazon S3 storage" - "The
meaning of 'public'" - "Bucket policies"): a bucket policy is assumed public, and is
non-public only if every Allow statement grants access to fixed values (no wildcard, no
policy variable) of one or more of: an AWS principal, user, role or service principal
(or `aws:PrincipalOrgID`); a set of CIDRs in `aws:SourceIp`, where ranges broader than /8
(IPv4) or /32 (IPv6) are public; `aws:SourceArn`; `aws:SourceVpc`; `aws:SourceVpce`;
`aws:SourceOwner`; `aws:SourceAccount`; `s3:x-amz-server-side-encryption-aws-kms-key-id`;
`aws:userid` (outside the pattern "AROLEID:*"); `s3:DataAccessPointArn` (whose access point
name may be a wildcard when the account is fixed); `s3:DataAccessPointAccount`. The guide's
example: `{"Principal": {"Federated": "graph.facebook.com"}, ...}` is public.

This module is that definition: `is_public(policy)` and `statement_is_public(statement)`,
used by s3_block_public_access (BlockPublicPolicy), s3_request_authorization
(RestrictPublicBuckets) and moto's GetBucketPolicyStatus. Choices where the guide is not
explicit, made so that the emulator is never more permissive than AWS: `aws:PrincipalAccount`
counts as a fixed principal like `aws:PrincipalOrgID`; a condition restricts only with a
positive operator (StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike,
IpAddress for aws:SourceIp), without `...IfExists` or a ForAllValues/ForAnyValue
qualifier (those match requests that lack the key); `aws:userid` values with a wildcard
(including "AROLEID:*") are public; NotPrincipal, a Federated principal and a policy that
is not JSON are public.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

# Condition keys whose fixed values make a statement granting "*" non-public (lower case).
RESTRICTING_KEYS = frozenset({
    "aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner",
    "aws:sourceaccount", "s3:x-amz-server-side-encryption-aws-kms-key-id", "aws:userid",
    "s3:dataaccesspointarn", "s3:dataaccesspointaccount", "aws:principalorgid", "aws:principalaccount",
})
_STRING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"})
_ACCESS_POINT = re.compile(r"arn:[\w-]+:s3:[a-z0-9-]+:\d{12}:accesspoint/.+")
_BROADEST_PREFIX = {4: 8, 6: 32}  # broader than this is "public"


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _fixed(value: Any) -> bool:
    text = str(value)
    return bool(text) and not any(mark in text for mark in ("*", "?", "${"))


def _narrow_cidr(value: Any) -> bool:
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    return network.prefixlen >= _BROADEST_PREFIX[network.version]


def _restricts(operator: str, key: str, values: list) -> bool:
    """True when one condition limits a statement to fixed values of a listed key."""
    key = key.lower()
    if key not in RESTRICTING_KEYS or not values:
        return False
    if key == "aws:sourceip":
        return operator == "IpAddress" and all(_narrow_cidr(v) for v in values)
    if operator not in _STRING_OPERATORS:
        return False
    if key == "s3:dataaccesspointarn":  # the access point name may be a wildcard
        return all(_ACCESS_POINT.fullmatch(str(v)) and _fixed(str(v).rsplit("/", 1)[0]) for v in values)
    return all(_fixed(v) for v in values)


def _fixed_principal(principal: Any) -> bool:
    if not isinstance(principal, dict) or not principal:
        return False  # "*" (or something unexpected)
    for kind, values in principal.items():
        if kind not in ("AWS", "Service", "CanonicalUser"):
            return False  # Federated: public, as the guide's example shows
        if not all(_fixed(v) for v in _as_list(values)):
            return False
    return True


def statement_is_public(statement: dict) -> bool:
    """True when an Allow statement grants public access (a Deny never does)."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        return True
    if _fixed_principal(statement.get("Principal")):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        if ":" in operator or operator.endswith("IfExists") or not isinstance(keys, dict):
            continue  # qualified or IfExists: matches requests that lack the key
        if any(_restricts(operator, key, _as_list(values)) for key, values in keys.items()):
            return False
    return True


def is_public(policy: bytes | str | dict) -> bool:
    """True when a bucket policy is public in Block Public Access's sense."""
    try:
        document = policy if isinstance(policy, dict) else json.loads(policy)
        statements = _as_list(document.get("Statement") or [])
    except (ValueError, TypeError, AttributeError):
        return True  # not a policy document: assume public, as AWS starts from
    return any(isinstance(s, dict) and statement_is_public(s) for s in statements)


def apply() -> None:
    import moto.s3.responses
    import moto.s3.utils

    moto.s3.utils.bucket_policy_is_public = is_public
    moto.s3.responses.bucket_policy_is_public = is_public  # GetBucketPolicyStatus
