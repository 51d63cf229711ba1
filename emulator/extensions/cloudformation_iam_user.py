"""CloudFormation `AWS::IAM::User`: Groups, Policies, ManagedPolicyArns, updates, delete.

Gap: moto 5.2's User model reads only `UserName` and `Path`. `Groups`, `Policies` and
`ManagedPolicyArns` are ignored (the user is in no group and has no policy). Any update
of a user whose template sets `UserName` is treated as a replacement, so it tries to
create a second user of the same name and the update fails (EntityAlreadyExists). On
delete, DeleteUser refuses a user with policies, so a stack whose user had any cannot
be deleted.

What AWS does (CloudFormation template reference, AWS::IAM::User): `UserName` is the only
replacement property (a *changed* name replaces the user); `Path`, `Groups`,
`Policies` and `ManagedPolicyArns` update in place: CloudFormation adds what the template
adds and removes what the template dropped (AddUserToGroup / RemoveUserFromGroup,
PutUserPolicy / DeleteUserPolicy, AttachUserPolicy / DetachUserPolicy). Delete undoes what
the template gave the user, then DeleteUser; IAM refuses that (DeleteConflict) while the
user still has policies or group memberships from elsewhere, for example an
AWS::IAM::UserToGroupAddition, which CloudFormation deletes first because it depends on
the user.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.iam.exceptions import DeleteConflictException, NoSuchEntity, NotFoundException
from moto.iam.models import User

from emulator.extensions.cloudformation_iam_group import (
    iam,
    known_policy,
    sync_inline_policies,
    sync_managed_policies,
)
from emulator.extensions.cloudformation_update_dependents import defer_cleanup

_original: dict[str, Any] = {}  # the classmethod apply() replaced (its function)


def _sync(user: User, properties: dict[str, Any]) -> None:
    """Make the user's template-managed groups and policies match `properties`."""
    backend = iam(user.account_id, user.region_name)
    previous = getattr(user, "cfn_managed", {"Groups": [], "Policies": [], "ManagedPolicyArns": []})
    groups = list(dict.fromkeys(properties.get("Groups") or []))
    for group in groups:
        backend.add_user_to_group(group, user.name)
    for group in set(previous["Groups"]) - set(groups):
        with contextlib.suppress(NotFoundException):  # the group is gone already
            backend.remove_user_from_group(group, user.name)
    user.cfn_managed = {
        "Groups": groups,
        "Policies": sync_inline_policies(
            lambda name, doc: backend.put_user_policy(user.name, name, doc),
            lambda name: backend.delete_user_policy(user.name, name),
            previous["Policies"], properties.get("Policies")),
        "ManagedPolicyArns": sync_managed_policies(
            lambda arn: backend.attach_user_policy(known_policy(backend, arn), user.name),
            lambda arn: backend.detach_user_policy(arn, user.name),
            previous["ManagedPolicyArns"], properties.get("ManagedPolicyArns")),
    }


def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                    account_id: str, region_name: str, **kwargs: Any) -> User:
    user = _original["create"](cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    try:
        _sync(user, cloudformation_json.get("Properties", {}))
    except Exception:  # leave nothing half-made behind (as a failed AWS create does)
        backend = iam(account_id, region_name)
        for group in backend.get_groups_for_user(user.name):
            backend.remove_user_from_group(group.name, user.name)
        for arn in list(user.managed_policies):
            backend.detach_user_policy(arn, user.name)
        user.policies.clear()
        backend.delete_user(user.name)
        raise
    return user


def update_from_cloudformation_json(cls, original_resource: User, new_resource_name: str,
                                    cloudformation_json: dict[str, Any], account_id: str,
                                    region_name: str) -> User:
    properties = cloudformation_json.get("Properties", {})
    if properties.get("UserName", original_resource.name) != original_resource.name:
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                  region_name)
        defer_cleanup(lambda: original_resource.delete(account_id, region_name))
        return new
    original_resource.path = properties.get("Path", "/")
    _sync(original_resource, properties)
    return original_resource


def delete(self: User, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for the user resource."""
    backend = iam(account_id, region_name)
    try:
        backend.get_user(self.name)
    except NoSuchEntity:
        return  # already gone
    _sync(self, {})
    if backend.get_groups_for_user(self.name):
        raise DeleteConflictException("Cannot delete entity, must remove user from all groups first.")
    backend.delete_user(self.name)


def apply() -> None:
    if getattr(User, "_cfn_user_extension", False):
        return
    _original["create"] = User.create_from_cloudformation_json.__func__
    User.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    User.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    User.delete = delete
    User._cfn_user_extension = True
