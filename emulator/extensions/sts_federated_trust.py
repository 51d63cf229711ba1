"""AssumeRoleWithWebIdentity and AssumeRoleWithSAML are decided by the role's trust policy.

Gap (moto 5.2.5, moto/sts/responses.py): AssumeRoleWithWebIdentity and AssumeRoleWithSAML
hand out credentials for any role, whatever its trust policy says: a role that trusts only
`{"Service": "lambda.amazonaws.com"}` or `{"AWS": "*"}` can be assumed with any web
identity token, from any issuer, whether or not the account has an identity provider for it.

What AWS does (IAM User Guide, "AWS JSON policy elements: Principal" - "Federated user
principals", "OIDC federation", "SAML 2.0 federation"; STS API reference
AssumeRoleWithWebIdentity / AssumeRoleWithSAML): the role's trust policy must allow
sts:AssumeRoleWithWebIdentity (or sts:AssumeRoleWithSAML) to a `Federated` principal that
is the caller's identity provider - `accounts.google.com`, `cognito-identity.amazonaws.com`,
`graph.facebook.com`, `www.amazon.com`, or the ARN of the account's IAM OIDC / SAML
provider - or to `"*"`; `{"AWS": "*"}` and `Service` principals never match a federated
caller. Conditions see the provider's keys (`<provider>:aud`, `<provider>:sub`). Otherwise
the call fails with AccessDenied ("Not authorized to perform sts:AssumeRoleWithWebIdentity").
A token from an issuer that has no IAM OIDC provider in the account fails with
InvalidIdentityToken.

The decision is iam_policy_evaluation's (a `federated` Caller whose provider comes from
the token's `iss` claim or the ProviderId / PrincipalArn parameter). Not modelled: the
token's and the SAML assertion's signatures, audiences and expiry are not verified (the
emulator has no provider keys), and SAML assertion keys (saml:aud, ...) are not in the
context, so a condition on them fails closed.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from emulator.extensions import iam_policy_evaluation as evaluation

# `iss` claims of the well-known providers -> the Federated principal that names them.
_WELL_KNOWN = {"accounts.google.com": "accounts.google.com",
               "cognito-identity.amazonaws.com": "cognito-identity.amazonaws.com"}
_ROLE_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):role/.+")


def _sts_error(code: str, message: str) -> Exception:
    from moto.sts.exceptions import STSClientError

    return STSClientError(code, message)


def _claims(token: str) -> dict:
    """The payload of a JWT (not verified: see the module docstring); {} if not a JWT."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _iam(account: str, partition: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account][partition]


def web_identity_caller(params: dict, partition: str, account: str) -> tuple[evaluation.Caller, dict]:
    """The federated caller of an AssumeRoleWithWebIdentity request, and its condition keys."""
    from moto.iam.exceptions import NotFoundException

    if params.get("ProviderId"):  # OAuth 2.0 access token of graph.facebook.com / www.amazon.com
        return evaluation.Caller.federated(params["ProviderId"]), {}
    claims = _claims(params.get("WebIdentityToken") or "")
    issuer = str(claims.get("iss", ""))
    if not issuer:
        raise _sts_error("InvalidIdentityToken", "Couldn't parse the web identity token")
    host_path = issuer.removeprefix("https://").rstrip("/")
    provider = _WELL_KNOWN.get(host_path)
    if provider is None:
        provider = f"arn:{partition}:iam::{account}:oidc-provider/{host_path}"
        try:
            _iam(account, partition).get_open_id_connect_provider(provider)
        except NotFoundException:
            raise _sts_error("InvalidIdentityToken",
                             f"No OpenIDConnect provider found in your account for {issuer}") from None
    keys = {f"{host_path}:{claim}".lower(): [str(claims[claim])] for claim in ("aud", "sub", "amr")
            if claim in claims and not isinstance(claims[claim], list)}
    keys.update({f"{host_path}:{claim}".lower(): [str(v) for v in claims[claim]]
                 for claim in ("aud", "amr") if isinstance(claims.get(claim), list)})
    return evaluation.Caller.federated(provider), keys


def authorize(response: Any, action: str) -> None:
    """Refuse the request unless the role's trust policy allows this federated caller."""
    from moto.iam.exceptions import NotFoundException

    params = {k: response._get_param(k) for k in ("RoleArn", "ProviderId", "WebIdentityToken", "PrincipalArn")}
    denied = _sts_error("AccessDenied", f"Not authorized to perform {action}")
    match = _ROLE_ARN.fullmatch(params["RoleArn"] or "")
    if not match:
        raise denied
    partition, account = match.groups()
    try:
        role = _iam(account, partition).get_role_by_arn(params["RoleArn"])
    except NotFoundException:
        raise denied from None
    if action == "sts:AssumeRoleWithSAML":  # PrincipalArn: the account's IAM SAML provider
        try:
            _iam(account, partition).get_saml_provider(str(params["PrincipalArn"]))
        except NotFoundException:
            raise denied from None
        caller, keys = evaluation.Caller.federated(str(params["PrincipalArn"])), {}
    else:
        caller, keys = web_identity_caller(params, partition, account)
    request = evaluation.Request(caller, action, params["RoleArn"],
                                 {**evaluation.request_context(response, caller), **keys})
    trust = evaluation.ResourcePolicy(json.loads(role.assume_role_policy_document), account,
                                      f"trust policy of {params['RoleArn']}", required=True)
    if not evaluation.decide(request, identity_enforced=False, resource_policy=trust).allowed:
        raise denied


def apply() -> None:
    from moto.sts.responses import TokenResponse

    evaluation.apply()
    for method, action in (("assume_role_with_web_identity", "sts:AssumeRoleWithWebIdentity"),
                           ("assume_role_with_saml", "sts:AssumeRoleWithSAML")):
        original = getattr(TokenResponse, method)
        if getattr(original, "_emulator_federated_trust", False):
            continue

        def checked(self: Any, _original: Any = original, _action: str = action) -> Any:
            authorize(self, _action)
            return _original(self)

        checked._emulator_federated_trust = True
        setattr(TokenResponse, method, checked)
