"""IAM policy evaluation that follows AWS's logic, with conditions and a request context.

Gap (moto 5.2.5, moto/iam/access_control.py): once enforcement is on
(`POST /moto-api/reset-auth` with body `0`), moto checks identity policies, but
- identity policies get no request context at all, so every Condition counts as met:
  `{"Bool": {"aws:SecureTransport": "true"}}` on an Allow allows over plain HTTP, an
  `IpAddress` or tag condition never restricts anything;
- trust policies honour only `StringEquals` on `sts:ExternalId` (other operators count as
  met), and a condition that does not hold turns even an Allow statement into an explicit
  Deny that overrides the other statements;
- aws:SecureTransport, aws:SourceIp, aws:PrincipalArn, ... are never set; NotResource and
  NotPrincipal are ignored; policy variables (`${aws:username}`) are literal text;
- Principal is compared by equality or substring, so an account (`...:root` or the bare
  account id) never matches a user or role of that account.
- `Service` and `Federated` principals are not told apart from AWS ones.

What AWS does (IAM User Guide: "Policy evaluation logic", "Condition operators",
"Using multiple keys and values", "AWS global condition context keys", "Policy variables"):
a statement applies when its Action, Resource, Principal and every condition block match.
Within an account, an applicable Deny in any policy wins; otherwise an applicable Allow in
an identity-based policy, or in a resource-based policy that names the caller, allows;
otherwise the request is implicitly denied. Across accounts both sides must allow. A
resource-based policy that names an account delegates to that account's identity policies.
A key missing from the request context makes a condition false, except negated operators
(true), `...IfExists` (true) and `Null` (which tests presence). ("AWS JSON policy
elements: Principal"): `"Principal": "*"` is everyone, `{"AWS": "*"}` every AWS principal
(IAM users, roles and sessions, root users, and anonymous callers, as S3 treats it) but
not an AWS service or a federated (web identity, SAML) caller; `{"Service": "x"}` matches
only requests that service makes, `{"Federated": "x"}` only callers federated through
that identity provider, never an IAM user or role.

This module is that evaluator; the s3_* and sts_* extensions plug bucket and trust
policies into it. `apply()` makes every non-S3 service's identity check use it, with a
context built from the HTTP request: aws:SecureTransport is "true" only on the emulator's
HTTPS listener (werkzeug sets wsgi.url_scheme there), aws:SourceIp is the client address.
Where the emulator cannot know, it fails closed: an unknown operator or a condition key it
does not model (e.g. tags) makes an Allow statement not apply and a Deny statement apply.
Not modelled: SCPs, permissions boundaries, session policies, tag keys.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# --- who is calling -----------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The principal of a request. `kind`: user, assumed-role, root, anonymous, service
    (an AWS service principal such as lambda.amazonaws.com) or federated (a web identity or
    SAML caller; `provider` is its identity provider as a Federated principal names it)."""

    kind: str
    account: str | None
    arn: str  # what GetCallerIdentity shows ("anonymous" for unsigned requests)
    principal_arn: str | None = None  # aws:PrincipalArn (the role's ARN for role sessions)
    userid: str | None = None
    username: str | None = None
    policies: tuple[dict, ...] = ()  # identity-based policy documents
    temporary: bool = False  # role session credentials
    provider: str | None = None  # service principal, or federated identity provider

    @property
    def names(self) -> set[str]:
        """ARNs by which a policy's Principal element names this caller directly."""
        return {arn for arn in (self.arn, self.principal_arn) if arn and arn.startswith("arn:")}

    @classmethod
    def anonymous(cls) -> Caller:
        return cls(kind="anonymous", account=None, arn="anonymous", userid="anonymous")

    @classmethod
    def federated(cls, provider: str) -> Caller:
        return cls(kind="federated", account=None, arn=f"federated:{provider}", provider=provider)

    @classmethod
    def root(cls, account: str, partition: str = "aws") -> Caller:
        arn = f"arn:{partition}:iam::{account}:root"
        return cls(kind="root", account=account, arn=arn, principal_arn=arn, userid=account)


def caller_of(access_key: Any) -> Caller:
    """The Caller behind one of moto's access key objects (moto.iam.access_control)."""
    from moto.iam.access_control import AssumedRoleAccessKey, IAMPolicy, IAMUserAccessKey
    from moto.iam.exceptions import NotFoundException

    known = getattr(access_key, "caller", None)  # set by s3_anonymous_requests
    if known is not None:
        return known
    policies = tuple(IAMPolicy(p)._policy_json for p in access_key.collect_policies())
    backend = access_key.backend
    if isinstance(access_key, IAMUserAccessKey):
        user = backend.get_user(access_key._owner_user_name)
        return Caller(kind="user", account=access_key.account_id, arn=user.arn, principal_arn=user.arn,
                      userid=user.id, username=user.name, policies=policies)
    if isinstance(access_key, AssumedRoleAccessKey):
        name = access_key._owner_role_name
        try:
            role = backend.get_role(name)
            role_arn, role_id = role.arn, role.id
        except NotFoundException:
            role_arn, role_id = f"arn:{access_key.partition}:iam::{access_key.account_id}:role/{name}", name
        return Caller(kind="assumed-role", account=access_key.account_id, arn=access_key.arn,
                      principal_arn=role_arn, userid=f"{role_id}:{access_key._session_name}",
                      policies=policies, temporary=True)
    raise TypeError(f"unknown access key type {type(access_key).__name__}")


# --- the request context ------------------------------------------------------------

# Condition keys the emulator models. A key listed here but missing from a request's
# context is absent, as on AWS; a key not listed is unknown and fails closed.
KNOWN_KEYS: set[str] = {
    "aws:securetransport", "aws:sourceip", "aws:currenttime", "aws:epochtime",
    "aws:useragent", "aws:referer", "aws:requestedregion", "aws:principalarn",
    "aws:principalaccount", "aws:principaltype", "aws:userid", "aws:username",
    "aws:multifactorauthpresent", "aws:multifactorauthage", "aws:viaawsservice",
    "aws:principalisawsservice", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast",
    "aws:principalorgid", "aws:principalorgpaths", "aws:sourcevpc", "aws:sourcevpce",
    "aws:vpcsourceip", "aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:principalservicename", "aws:principalservicenameslist",
}


def register_keys(*keys: str) -> None:
    """Let another extension declare the condition keys it puts into the context."""
    KNOWN_KEYS.update(k.lower() for k in keys)


def request_context(response: Any, caller: Caller) -> dict[str, list[str]]:
    """Global condition keys for one moto request (`response`: a moto BaseResponse)."""
    request = response.normalized_request
    now = datetime.datetime.now(datetime.UTC)
    ctx: dict[str, list[str]] = {
        "aws:securetransport": ["true" if request.scheme == "https" else "false"],
        "aws:currenttime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now.timestamp()))],
        "aws:requestedregion": [response.region],
        "aws:viaawsservice": ["false"],
        "aws:principalisawsservice": ["false"],
    }
    if caller.userid:
        ctx["aws:userid"] = [caller.userid]
    # aws:PrincipalType's documented values; absent for service and federated callers.
    principal_type = {"user": "User", "assumed-role": "AssumedRole", "root": "Account",
                      "anonymous": "Anonymous"}.get(caller.kind)
    if principal_type:
        ctx["aws:principaltype"] = [principal_type]
    if caller.kind == "service":
        ctx["aws:principalisawsservice"] = ["true"]
        ctx["aws:principalservicename"] = [caller.provider or ""]
    if request.remote_addr:
        ctx["aws:sourceip"] = [request.remote_addr]
    for key, header in (("aws:useragent", "User-Agent"), ("aws:referer", "Referer")):
        if request.headers.get(header):
            ctx[key] = [request.headers[header]]
    if caller.kind in _AWS_KINDS - {"anonymous"}:
        ctx["aws:principalarn"] = [caller.principal_arn or caller.arn]
        ctx["aws:principalaccount"] = [caller.account or ""]
    if caller.username:
        ctx["aws:username"] = [caller.username]
    if caller.temporary:  # present (false) for session credentials, absent for access keys
        ctx["aws:multifactorauthpresent"] = ["false"]
    return ctx


# --- matching -----------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


def _pattern(pattern: str, ctx: dict[str, list[str]] | None, wildcards: bool = True,
             ignore_case: bool = False) -> re.Pattern | None:
    """Compile a policy string (wildcards * and ?, policy variables ${key}) to a regex.

    None when a policy variable names a key absent from the context: the element then
    matches nothing. Variable values are literal (their own * is not a wildcard).
    """
    out, pos = [], 0
    for var in (_VARIABLE.finditer(pattern) if ctx is not None else ()):
        out.append(_glob(pattern[pos:var.start()], wildcards))
        name = var.group(1).strip()
        if name in _ESCAPES:
            out.append(re.escape(_ESCAPES[name]))
        else:
            values = ctx.get(name.lower())
            if not values:
                return None
            out.append(re.escape(values[0]))
        pos = var.end()
    out.append(_glob(pattern[pos:], wildcards))
    return re.compile("^" + "".join(out) + "$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob(text: str, wildcards: bool) -> str:
    if not wildcards:
        return re.escape(text)
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _matches_any(patterns: Any, value: str, ctx: dict | None, ignore_case: bool = False) -> bool:
    for pattern in _as_list(patterns):
        compiled = _pattern(str(pattern), ctx, ignore_case=ignore_case)
        if compiled is not None and compiled.match(value):
            return True
    return False


_AWS_KINDS = frozenset({"user", "assumed-role", "root", "anonymous"})  # what {"AWS": ...} can name


def principal_match(element: Any, caller: Caller) -> str | None:
    """How a Principal element names the caller: "direct", "account" or None."""
    if element == "*":
        return "direct"
    if not isinstance(element, dict):
        return None
    if caller.kind not in _AWS_KINDS:  # a service or a federated caller: only its own kind names it
        key = "Service" if caller.kind == "service" else "Federated"
        return "direct" if caller.provider in {str(v) for v in _as_list(element.get(key, []))} else None
    best = None
    for value in _as_list(element.get("AWS", [])):
        value = str(value)
        if value == "*" or value in caller.names:
            return "direct"
        account = value if re.fullmatch(r"\d{12}", value) else None
        match = re.fullmatch(r"arn:[\w-]+:iam::(\d{12}):root", value)
        account = match.group(1) if match else account
        if account and caller.account == account:
            best = "account"
    return best


# --- conditions ---------------------------------------------------------------------


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> datetime.datetime:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return datetime.datetime.fromtimestamp(float(text), datetime.UTC)
    parsed = datetime.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _arn_like(pattern: str, value: str, ctx: dict) -> bool:
    # Each of the six colon-separated ARN components is matched on its own.
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != 6:
        return _matches_any(pattern, value, ctx)
    return len(v_parts) == 6 and all(_matches_any(p, v, ctx) for p, v in zip(p_parts, v_parts, strict=True))


def _ip_in(network: str, address: str) -> bool:
    return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)


def _compare(number_op: Callable[[float, float], bool]) -> Callable[[str, str, dict], bool]:
    return lambda p, v, _ctx: number_op(_number(v), _number(p))


def _compare_dates(op: Callable[[Any, Any], bool]) -> Callable[[str, str, dict], bool]:
    return lambda p, v, _ctx: op(_date(v), _date(p))


# Positive operators: (policy value, context value, context) -> bool.
_OPERATORS: dict[str, Callable[[str, str, dict], bool]] = {
    "StringEquals": lambda p, v, ctx: _matches_any_literal(p, v, ctx),
    "StringEqualsIgnoreCase": lambda p, v, ctx: _matches_any_literal(p, v, ctx, ignore_case=True),
    "StringLike": lambda p, v, ctx: _matches_any(p, v, ctx),
    "NumericEquals": _compare(lambda v, p: v == p),
    "NumericLessThan": _compare(lambda v, p: v < p),
    "NumericLessThanEquals": _compare(lambda v, p: v <= p),
    "NumericGreaterThan": _compare(lambda v, p: v > p),
    "NumericGreaterThanEquals": _compare(lambda v, p: v >= p),
    "DateEquals": _compare_dates(lambda v, p: v == p),
    "DateLessThan": _compare_dates(lambda v, p: v < p),
    "DateLessThanEquals": _compare_dates(lambda v, p: v <= p),
    "DateGreaterThan": _compare_dates(lambda v, p: v > p),
    "DateGreaterThanEquals": _compare_dates(lambda v, p: v >= p),
    "Bool": lambda p, v, _ctx: v.lower() == p.lower(),
    "IpAddress": lambda p, v, _ctx: _ip_in(p, v),
    "ArnEquals": _arn_like,  # ArnEquals and ArnLike behave the same on AWS
    "ArnLike": _arn_like,
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "NumericNotEquals": "NumericEquals",
            "DateNotEquals": "DateEquals", "NotIpAddress": "IpAddress",
            "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


def _matches_any_literal(pattern: str, value: str, ctx: dict, ignore_case: bool = False) -> bool:
    compiled = _pattern(pattern, ctx, wildcards=False, ignore_case=ignore_case)
    return compiled is not None and compiled.match(value) is not None


def _policy_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def conditions_hold(block: dict, ctx: dict[str, list[str]]) -> bool | None:
    """Evaluate a Condition element. True/False, or None when the emulator cannot tell
    (unknown operator or condition key): the caller then fails closed."""
    verdict: bool | None = True
    for raw_op, keys in block.items():
        qualifier, _, op = raw_op.rpartition(":")
        if_exists = op.endswith("IfExists") and op != "IfExists"
        op = op.removesuffix("IfExists") if if_exists else op
        if not isinstance(keys, dict) or (op != "Null" and op not in _OPERATORS and op not in _NEGATED) \
                or qualifier not in ("", "ForAllValues", "ForAnyValue"):
            log.warning("policy condition operator %r is not modelled: failing closed", raw_op)
            return None
        for key, wanted in keys.items():
            result = _one_condition(op, qualifier, if_exists, key, [_policy_value(w) for w in _as_list(wanted)], ctx)
            if result is False:
                return False
            if result is None:
                verdict = None
    return verdict


def _one_condition(op: str, qualifier: str, if_exists: bool, key: str, wanted: list[str],
                   ctx: dict[str, list[str]]) -> bool | None:
    values = ctx.get(key.lower())
    if values is None and key.lower() not in KNOWN_KEYS:
        log.warning("policy condition key %r is not modelled by the emulator: failing closed", key)
        return None
    if op == "Null":
        return (values is None) == (wanted[0].lower() == "true")
    negated = op in _NEGATED
    if values is None:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated
    compare = _OPERATORS[_NEGATED.get(op, op)]

    def hit(value: str) -> bool:
        try:
            return any(compare(w, value, ctx) for w in wanted)
        except ValueError:  # a number, date or address that does not parse never matches
            return False

    if qualifier == "ForAllValues":
        return all((not hit(v)) if negated else hit(v) for v in values)
    if qualifier == "ForAnyValue":
        return any((not hit(v)) if negated else hit(v) for v in values)
    matched = any(hit(v) for v in values)
    return not matched if negated else matched


# --- statements and decisions -------------------------------------------------------


@dataclass
class Request:
    caller: Caller
    action: str  # "service:Action"
    resource: str  # ARN, or "*" where moto does not know the resource
    context: dict[str, list[str]] = field(default_factory=dict)


def _statements(document: dict) -> list[dict]:
    return _as_list(document.get("Statement", []))


def _variables(document: dict, ctx: dict) -> dict | None:
    # Policy variables exist only in the 2012-10-17 policy language.
    return ctx if document.get("Version") == "2012-10-17" else None


def _resource_matches(statement: dict, resource: str, ctx_vars: dict | None, deny: bool) -> bool:
    if "Resource" in statement:
        patterns, negate = statement["Resource"], False
    elif "NotResource" in statement:
        patterns, negate = statement["NotResource"], True
    else:
        return True  # role trust policies have no Resource element
    if resource == "*":  # moto does not know the resource: only "*" surely covers it
        return deny or (not negate and any(str(p) == "*" for p in _as_list(patterns)))
    return _matches_any(patterns, resource, ctx_vars) != negate


def statement_applies(statement: dict, request: Request, ctx_vars: dict | None,
                      resource_policy: bool) -> tuple[bool, str | None]:
    """(applies, principal match) for one statement, failing closed on the unknown."""
    action = request.action
    if "NotAction" in statement:
        if _matches_any(statement["NotAction"], action, None, ignore_case=True):
            return False, None
    elif not _matches_any(statement.get("Action", []), action, None, ignore_case=True):
        return False, None
    if not _resource_matches(statement, request.resource, ctx_vars, statement.get("Effect") == "Deny"):
        return False, None
    how = None
    if resource_policy:
        if "NotPrincipal" in statement:
            how = None if principal_match(statement["NotPrincipal"], request.caller) else "direct"
        else:
            how = principal_match(statement.get("Principal"), request.caller)
        if how is None:
            return False, None
    held = conditions_hold(statement.get("Condition") or {}, request.context)
    if held is None:  # cannot tell: a Deny applies, an Allow does not
        return statement.get("Effect") == "Deny", how
    return held, how


@dataclass
class Verdict:
    denied_by: str | None = None  # Sid/description of an applicable Deny
    allowed: bool = False  # some applicable Allow
    grant: str | None = None  # resource policies: "direct" or "account"


def weigh(documents: list[dict], request: Request, resource_policy: bool = False,
          label: str = "policy") -> Verdict:
    verdict = Verdict()
    for document in documents:
        ctx_vars = _variables(document, request.context)
        for index, statement in enumerate(_statements(document)):
            applies, how = statement_applies(statement, request, ctx_vars, resource_policy)
            if not applies:
                continue
            if statement.get("Effect") == "Deny":
                verdict.denied_by = f"{label} statement {statement.get('Sid', index)}"
                return verdict
            verdict.allowed = True
            if how == "direct" or verdict.grant is None:
                verdict.grant = how
    return verdict


@dataclass
class ResourcePolicy:
    """A resource-based policy (bucket policy, role trust policy) for one request."""

    document: dict | None
    account: str | None  # the resource owner's account
    label: str = "resource-based policy"
    required: bool = False  # role trust policies must allow explicitly, even in-account


@dataclass
class Decision:
    allowed: bool
    reason: str
    explicit_deny: bool = False  # denied by a Deny statement (nothing else may then allow)


def decide(request: Request, identity_enforced: bool = True,
           resource_policy: ResourcePolicy | None = None) -> Decision:
    """The AWS decision for one request: explicit deny, then allows, else implicit deny.

    `identity_enforced=False` is moto's default mode: identity policies are not checked,
    so every signed caller counts as allowed by them (resource policies still apply).
    """
    caller = request.caller
    identity = weigh(list(caller.policies), request, label="identity policy") \
        if identity_enforced else Verdict(allowed=caller.kind != "anonymous")
    if caller.kind == "root":
        identity = Verdict(allowed=True, denied_by=None)  # no identity policy binds root
    if identity.denied_by:
        return Decision(False, f"explicit deny in {identity.denied_by}", explicit_deny=True)
    resource = Verdict()
    if resource_policy and resource_policy.document:
        resource = weigh([resource_policy.document], request, resource_policy=True, label=resource_policy.label)
        if resource.denied_by:
            return Decision(False, f"explicit deny in {resource.denied_by}", explicit_deny=True)
    same_account = resource_policy is None or resource_policy.account in (None, caller.account)
    if caller.kind not in _AWS_KINDS - {"anonymous"}:  # no identity policies: only a direct grant
        if resource.grant == "direct":
            return Decision(True, f"{_label(resource_policy)} allows the {caller.kind} caller")
        return Decision(False, f"no policy allows the {caller.kind} caller")
    if same_account:
        if resource.grant == "direct":
            return Decision(True, f"{_label(resource_policy)} names the caller")
        if resource_policy and resource_policy.required:
            if resource.grant == "account" and identity.allowed:
                return Decision(True, f"{_label(resource_policy)} trusts the account; identity policy allows")
            return Decision(False, f"{_label(resource_policy)} does not allow the caller")
        if identity.allowed:
            return Decision(True, "identity policy allows")
        return Decision(False, "no identity-based or resource-based policy allows")
    if not identity.allowed:
        return Decision(False, "cross-account: no identity policy allows")
    if resource.grant:
        return Decision(True, f"cross-account: identity policy and {_label(resource_policy)} allow")
    return Decision(False, f"cross-account: {_label(resource_policy)} does not allow the caller's account")


def _label(resource_policy: ResourcePolicy | None) -> str:
    return resource_policy.label if resource_policy else "resource-based policy"


# --- moto integration ---------------------------------------------------------------

# action (lower case) -> hook(iam_request, resource, response, request) -> ResourcePolicy
RESOURCE_POLICY_HOOKS: dict[str, Callable[..., ResourcePolicy | None]] = {}


def enforcing() -> bool:
    """True once `POST /moto-api/reset-auth` switched moto's IAM enforcement on."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def authenticate(response: Any, iam_request_cls: type) -> Any | None:
    """moto's authentication step (signature, known access key); None when not enforcing."""
    from moto.core.authorization import ActionAuthenticatorMixin

    if not enforcing():
        ActionAuthenticatorMixin.request_count += 1  # moto counts requests until enforcement
        return None
    from urllib.parse import urlparse

    path = response.raw_path
    query = urlparse(response.uri).query
    if query:
        path += "?" + query
    iam_request = iam_request_cls(account_id=response.current_account, method=response.method, path=path,
                                  data=response.data, body=response.raw_body, headers=response.headers,
                                  action=response._get_action())
    iam_request.check_signature()
    return iam_request


def authorize_normal_action(self: Any, resource: str = "*") -> None:
    """Replacement for ActionAuthenticatorMixin._authenticate_and_authorize_normal_action."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMRequest

    if enforcing() and self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
        return
    iam_request = authenticate(self, IAMRequest)
    if iam_request is None:
        return
    action = iam_request._action
    if action == "sts:GetCallerIdentity":  # always allowed on AWS, even with a Deny
        return
    caller = caller_of(iam_request._access_key)
    request = Request(caller, action, resource, request_context(self, caller))
    hook = RESOURCE_POLICY_HOOKS.get(action.lower())
    resource_policy = hook(iam_request, resource, self, request) if hook else None
    decision = decide(request, resource_policy=resource_policy)
    log.log(logging.DEBUG if decision.allowed else logging.INFO, "authorization %s %s on %s by %s: %s",
            "ALLOW" if decision.allowed else "DENY", action, resource, caller.arn, decision.reason)
    if not decision.allowed:
        iam_request._raise_access_denied()
    if hook is None and iam_request._is_assuming_role_operation(resource) \
            and not iam_request._check_role_trust_relationship(resource):
        iam_request._raise_access_denied()  # moto's own trust check, unless a hook replaced it


def apply() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin

    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = authorize_normal_action
