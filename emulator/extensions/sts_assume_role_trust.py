"""sts:AssumeRole is decided by the role's trust policy together with the caller's policies.

Gap (moto 5.2.5, moto/iam/access_control.py `_check_role_trust_relationship`): with
enforcement on, moto allows AssumeRole only when the caller's identity policies allow it
AND the trust policy's Principal equals (or is a substring of) the caller's own ARN. So
- a trust policy naming the account (`{"AWS": "arn:aws:iam::ACCOUNT:root"}` or the bare
  account id) matches no user or role: every caller is denied, whatever its policies say;
- a trust policy naming the user's ARN still needs an identity policy;
- the role is looked up in the CALLER's account, so a cross-account AssumeRole skips the
  trust policy altogether and is allowed on the caller's identity policy alone.
(Role sessions are then evaluated against the role's inline and managed policies: that
part of moto is right and is kept.)

What AWS does (IAM User Guide: "Policy evaluation logic" - role trust policies are an
exception and must allow the principal explicitly; "AWS JSON policy elements: Principal" -
an account principal delegates to the account's administrators): a principal may assume
the role when no policy denies it and either the trust policy names the principal itself
(user ARN, role ARN, or "*"), or the trust policy names the principal's account and the
principal's identity policies (including its groups' policies) allow sts:AssumeRole on
the role. Across accounts, the trust policy must name the caller or its account AND the
caller's identity policies must allow. The trust policy's conditions see sts:ExternalId,
sts:RoleSessionName and the global keys (aws:SecureTransport, aws:SourceIp, ...).

The decision itself is iam_policy_evaluation's; this module supplies the trust policy, the
role's own account and the sts:* condition keys.
"""

from __future__ import annotations

import json
import re
from typing import Any

from emulator.extensions import iam_policy_evaluation as evaluation

_ROLE_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):role/.+")


def trust_policy(iam_request: Any, resource: str, response: Any,
                 request: evaluation.Request) -> evaluation.ResourcePolicy:
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    for key, param in (("sts:externalid", "ExternalId"), ("sts:rolesessionname", "RoleSessionName")):
        value = response.data.get(param)
        if value:
            request.context[key] = [value[0] if isinstance(value, list) else value]
    match = _ROLE_ARN.fullmatch(resource or "")
    label = f"trust policy of {resource}"
    if not match:
        return evaluation.ResourcePolicy(None, None, label, required=True)
    partition, account = match.groups()
    try:
        role = iam_backends[account][partition].get_role_by_arn(resource)
    except NotFoundException:  # AWS answers AccessDenied for a role that does not exist
        return evaluation.ResourcePolicy(None, account, label, required=True)
    return evaluation.ResourcePolicy(json.loads(role.assume_role_policy_document), account, label,
                                     required=True)


def apply() -> None:
    evaluation.apply()
    evaluation.register_keys("sts:ExternalId", "sts:RoleSessionName", "sts:SourceIdentity",
                             "sts:TransitiveTagKeys")
    evaluation.RESOURCE_POLICY_HOOKS["sts:assumerole"] = trust_policy
