"""sts_federated_trust: AssumeRoleWithWebIdentity / AssumeRoleWithSAML need a trust policy
that names the caller's identity provider as a Federated principal (or "*"); `{"AWS": "*"}`
and Service principals never match (stock moto: strict xfail; ours: pass). IAM is not
enforced here: the trust policy applies anyway, as on AWS."""

from __future__ import annotations

import base64
import json

from tests.emulator.tls import error_code, policy

ISSUER = "https://token.example.com"


def _jwt(**claims) -> str:
    """An unsigned JWT (the emulator reads the claims; it cannot verify signatures)."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def _trust(principal, action: str, condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    return policy({**statement, "Condition": condition} if condition else statement)


def _saml_assertion(role_arn: str, provider_arn: str) -> str:
    attribute = '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/{}"><saml:AttributeValue>{}' \
                '</saml:AttributeValue></saml:Attribute>'
    xml = ('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion><saml:AttributeStatement>'
           + attribute.format("Role", f"{role_arn},{provider_arn}")
           + attribute.format("RoleSessionName", "alice")
           + "</saml:AttributeStatement></saml:Assertion></samlp:Response>")
    return base64.b64encode(xml.encode()).decode()


def test_federated_callers_need_a_federated_trust(flavour):
    iam, sts = flavour.client("iam"), flavour.client("sts")
    account = sts.get_caller_identity()["Account"]
    oidc = iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["my-app"],
                                               ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
    web = "sts:AssumeRoleWithWebIdentity"
    roles = {name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"] for name, trust in {
        "oidc": _trust({"Federated": oidc}, web, {"StringEquals": {"token.example.com:aud": "my-app"}}),
        "google": _trust({"Federated": "accounts.google.com"}, web),
        "star": _trust("*", web),
        "aws-star": _trust({"AWS": "*"}, web),
        "service": _trust({"Service": "lambda.amazonaws.com"}, "sts:AssumeRole"),
        "assume-only": _trust({"Federated": oidc}, "sts:AssumeRole"),
    }.items()}
    token = _jwt(iss=ISSUER, aud="my-app", sub="user-1")

    def assume(role: str, web_identity_token: str = token) -> str | None:
        return error_code(lambda: sts.assume_role_with_web_identity(
            RoleArn=roles[role], RoleSessionName="web-session", WebIdentityToken=web_identity_token))

    assert assume("oidc") is None
    assert assume("star") is None
    assert assume("oidc", _jwt(iss=ISSUER, aud="other-app", sub="user-1")) == "AccessDenied"  # condition
    for role in ("google", "aws-star", "service", "assume-only"):
        assert assume(role) == "AccessDenied", role
    assert assume("star", _jwt(iss="https://unknown.example.com", aud="x")) == "InvalidIdentityToken"
    assert assume("star", "not-a-token") == "InvalidIdentityToken"

    saml = iam.create_saml_provider(Name="corp", SAMLMetadataDocument="<m>" + "x" * 1000 + "</m>")["SAMLProviderArn"]
    saml_role = iam.create_role(RoleName="saml", AssumeRolePolicyDocument=_trust(
        {"Federated": saml}, "sts:AssumeRoleWithSAML"))["Role"]["Arn"]
    other = f"arn:aws:iam::{account}:saml-provider/other"

    def assume_saml(role_arn: str, provider: str) -> str | None:
        return error_code(lambda: sts.assume_role_with_saml(
            RoleArn=role_arn, PrincipalArn=provider, SAMLAssertion=_saml_assertion(role_arn, provider)))

    assert assume_saml(saml_role, saml) is None
    assert assume_saml(saml_role, other) == "AccessDenied"
    assert assume_saml(roles["aws-star"], saml) == "AccessDenied"
