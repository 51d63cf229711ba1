"""CloudFormation `AWS::IAM::ManagedPolicy`: update and delete.

Gap: moto 5.2's ManagedPolicy model only creates. It has no delete, so on stack delete
the policy stays, attached to its `Roles:`/`Users:`/`Groups:`, and deleting those then
fails with DeleteConflict ("must detach all policies first"): the stack cannot be
deleted. It has no update either: a changed document or attachment list is not applied,
and moto records the resource as None, breaking every later operation on the stack.

What AWS does (CloudFormation template reference, AWS::IAM::ManagedPolicy; IAM API
reference): `ManagedPolicyName`, `Path` and `Description` are create-only (a change
replaces the policy). A new `PolicyDocument` becomes a new default policy version
(CreatePolicyVersion with SetAsDefault; the oldest non-default version is deleted first
when the policy already has the maximum of five). `Roles`, `Users` and `Groups` are
synchronised with Attach*/Detach*Policy. Delete detaches the policy from every entity,
deletes its non-default versions, then DeletePolicy. A create whose attachment fails leaves
no policy behind.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import ManagedPolicy

from emulator.extensions.cloudformation_iam_group import iam
from emulator.extensions.cloudformation_update_dependents import defer_cleanup

_KINDS = {  # template property -> (backend collection, attach, detach)
    "Roles": ("roles", "attach_role_policy", "detach_role_policy"),
    "Users": ("users", "attach_user_policy", "detach_user_policy"),
    "Groups": ("groups", "attach_group_policy", "detach_group_policy"),
}


def _attached(backend, collection: str, arn: str) -> set[str]:
    return {entity.name for entity in getattr(backend, collection).values() if arn in entity.managed_policies}


def _sync_attachments(backend, arn: str, properties: dict[str, Any]) -> None:
    for prop, (collection, attach, detach) in _KINDS.items():
        wanted = set(properties.get(prop) or [])
        current = _attached(backend, collection, arn)
        for name in wanted - current:
            getattr(backend, attach)(arn, name)
        for name in current - wanted:
            getattr(backend, detach)(arn, name)


def _same_document(policy: ManagedPolicy, document: Any) -> bool:
    current = next(v.document for v in policy.versions if v.is_default)
    try:
        return json.loads(current) == (json.loads(document) if isinstance(document, str) else document)
    except ValueError:
        return False


def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                    account_id: str, region_name: str, **kwargs: Any) -> ManagedPolicy:
    """moto's create; if an attachment fails, the half-made policy is removed (as on AWS)."""
    backend = iam(account_id, region_name)
    before = set(backend.managed_policies)
    try:
        return _original["create"](cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    except Exception:
        for arn in set(backend.managed_policies) - before:
            cls.delete_from_cloudformation_json(arn, {}, account_id, region_name)
        raise


def update_from_cloudformation_json(cls, original_resource: ManagedPolicy, new_resource_name: str,
                                    cloudformation_json: dict[str, Any], account_id: str,
                                    region_name: str) -> ManagedPolicy:
    properties = cloudformation_json.get("Properties", {})
    replaced = (properties.get("ManagedPolicyName", original_resource.name) != original_resource.name
                or (properties.get("Path") or "/") != original_resource.path
                or (properties.get("Description") or "") != original_resource.description)
    if replaced:
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                  region_name)
        defer_cleanup(lambda: cls.delete_from_cloudformation_json(original_resource.arn, {}, account_id,
                                                                  region_name))
        return new
    backend = iam(account_id, region_name)
    document = properties["PolicyDocument"]
    if not _same_document(original_resource, document):
        if len(original_resource.versions) >= 5:
            oldest = next(v for v in original_resource.versions if not v.is_default)
            backend.delete_policy_version(original_resource.arn, oldest.version_id)
        backend.create_policy_version(original_resource.arn,
                                      document if isinstance(document, str) else json.dumps(document),
                                      set_as_default=True)
    _sync_attachments(backend, original_resource.arn, properties)
    return original_resource


def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                    account_id: str, region_name: str) -> None:
    """`resource_name` is the physical id: the policy ARN."""
    backend = iam(account_id, region_name)
    try:
        policy = backend.get_policy(resource_name)
    except NotFoundException:
        return  # already gone
    _sync_attachments(backend, policy.arn, {})
    for version in [v for v in policy.versions if not v.is_default]:
        backend.delete_policy_version(policy.arn, version.version_id)
    backend.delete_policy(policy.arn)


_original: dict[str, Any] = {}  # the classmethod apply() replaced (its function)


def apply() -> None:
    if getattr(ManagedPolicy, "_cfn_managed_policy_extension", False):
        return
    _original["create"] = ManagedPolicy.create_from_cloudformation_json.__func__
    ManagedPolicy.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    ManagedPolicy.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    ManagedPolicy.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)
    ManagedPolicy._cfn_managed_policy_extension = True
