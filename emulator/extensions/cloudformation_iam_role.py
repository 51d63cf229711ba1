"""CloudFormation `AWS::IAM::Role`: ManagedPolicyArns, and updates that really update.

Gap: moto 5.2's Role model ignores `ManagedPolicyArns`, and stores inline `Policies`
documents unvalidated (as dicts, not JSON). Its update ignores `AssumeRolePolicyDocument`,
`Policies` and `ManagedPolicyArns`, resets the description, and reads the session duration
from `RoleDescription`: a stack update leaves the role as it was.

What AWS does (CloudFormation template reference, AWS::IAM::Role; IAM API reference):
`RoleName` and `Path` are create-only (a change replaces the role). The trust policy
(UpdateAssumeRolePolicy), `Description`, `MaxSessionDuration` (default 3600), inline
`Policies` (PutRolePolicy; dropped ones DeleteRolePolicy) and `ManagedPolicyArns`
(AttachRolePolicy / DetachRolePolicy) update in place. Delete detaches the managed
policies the template attached, deletes the inline policies, then DeleteRole, which IAM
refuses (DeleteConflict) while other policies are still attached, for example by an
AWS::IAM::ManagedPolicy with `Roles:`, which CloudFormation deletes first.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import Role, iam_backends

from emulator.extensions.cloudformation_iam_group import (
    iam,
    known_policy,
    sync_inline_policies,
    sync_managed_policies,
)
from emulator.extensions.cloudformation_update_dependents import defer_cleanup

_original: dict[str, Any] = {}  # the classmethod apply() replaced (its function)


def _json(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _sync(role: Role, properties: dict[str, Any]) -> None:
    """Make the role's template-managed inline and managed policies match `properties`."""
    backend = iam_backends[role.account_id][role.partition]
    previous = getattr(role, "cfn_managed", {"Policies": [], "ManagedPolicyArns": []})
    role.cfn_managed = {
        "Policies": sync_inline_policies(
            lambda name, doc: backend.put_role_policy(role.name, name, doc),
            lambda name: backend.delete_role_policy(role.name, name),
            previous["Policies"], properties.get("Policies")),
        "ManagedPolicyArns": sync_managed_policies(
            lambda arn: backend.attach_role_policy(known_policy(backend, arn), role.name),
            lambda arn: backend.detach_role_policy(arn, role.name),
            previous["ManagedPolicyArns"], properties.get("ManagedPolicyArns")),
    }


def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                    account_id: str, region_name: str, **kwargs: Any) -> Role:
    role = _original["create"](cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    role.policies.clear()  # moto stored them unvalidated; _sync puts them through the IAM API
    try:
        _sync(role, cloudformation_json["Properties"])
    except Exception:  # leave nothing half-made behind (as a failed AWS create does)
        backend = iam(account_id, region_name)
        for arn in list(role.managed_policies):
            backend.detach_role_policy(arn, role.name)
        role.policies.clear()
        backend.delete_role(role.name)
        raise
    return role


def update_from_cloudformation_json(cls, original_resource: Role, new_resource_name: str,
                                    cloudformation_json: dict[str, Any], account_id: str,
                                    region_name: str) -> Role:
    properties = cloudformation_json["Properties"]
    if (properties.get("RoleName", original_resource.name) != original_resource.name
            or properties.get("Path", "/") != original_resource.path):
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                  region_name)
        defer_cleanup(lambda: original_resource.delete(account_id, region_name))
        return new
    backend = iam(account_id, region_name)
    backend.update_assume_role_policy(original_resource.name, _json(properties["AssumeRolePolicyDocument"]))
    original_resource.description = properties.get("Description", "")
    original_resource.max_session_duration = properties.get("MaxSessionDuration", 3600)
    _sync(original_resource, properties)
    return original_resource


def delete(self: Role, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for the role resource."""
    try:
        iam(account_id, region_name).get_role(self.name)
    except NotFoundException:
        return  # already gone
    for arn in getattr(self, "cfn_managed", {}).get("ManagedPolicyArns", []):
        with contextlib.suppress(NotFoundException):  # detached already
            iam(account_id, region_name).detach_role_policy(arn, self.name)
    self.cfn_managed = {"Policies": [], "ManagedPolicyArns": []}
    Role.delete_from_cloudformation_json(self.name, {}, account_id, region_name)


def apply() -> None:
    if getattr(Role, "_cfn_role_extension", False):
        return
    _original["create"] = Role.create_from_cloudformation_json.__func__
    Role.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    Role.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    Role.delete = delete
    Role._cfn_role_extension = True
