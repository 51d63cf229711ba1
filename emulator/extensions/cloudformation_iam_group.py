"""CloudFormation `AWS::IAM::Group` and `AWS::IAM::UserToGroupAddition`.

Gap: moto 5.2 has no CloudFormation model for either type. Both are skipped with a
warning, the stack still reaches CREATE_COMPLETE, and no group exists, nobody is in it,
and `Fn::GetAtt [Group, Arn]` resolves to nothing.

What AWS does (CloudFormation template reference, AWS::IAM::Group and
AWS::IAM::UserToGroupAddition; IAM API reference for the calls):
- Group: `GroupName` is optional (CloudFormation then generates `<stack>-<logical id>-<suffix>`;
  changing it replaces the group), `Path` (default "/", updated in place with UpdateGroup),
  `Policies` (inline: PutGroupPolicy; policies dropped from the template are deleted),
  `ManagedPolicyArns` (AttachGroupPolicy / DetachGroupPolicy). `Ref` returns the name,
  `Fn::GetAtt Arn` the ARN. Delete removes the inline and managed policies the template
  gave it, then DeleteGroup, which IAM refuses (DeleteConflict) while users remain in the
  group; CloudFormation removes the memberships first because they depend on the group.
- UserToGroupAddition: `GroupName` and `Users`; create adds each user (AddUserToGroup),
  update adds the new users and removes the dropped ones (a new GroupName moves them),
  delete removes them (RemoveUserFromGroup). `Ref` returns the generated physical id.

moto deletes a stack's resources in no particular order and retries those that fail, so
the DeleteConflict above is what makes memberships go before their group, as on AWS.
The inline/managed policy helpers here are shared with cloudformation_iam_user.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.exceptions import DeleteConflictException, NoSuchEntity, NotFoundException
from moto.iam.models import AWSManagedPolicy, IAMBackend, iam_backends
from moto.utilities.utils import get_partition

from emulator.extensions.cloudformation_update_dependents import defer_cleanup


def iam(account_id: str, region_name: str) -> IAMBackend:
    return iam_backends[account_id][get_partition(region_name)]


def sync_inline_policies(put: Callable[[str, str], Any], delete: Callable[[str], Any],
                         previous: Iterable[str], policies: list[dict[str, Any]] | None) -> list[str]:
    """Put each `{PolicyName, PolicyDocument}`; delete the previously managed names that are
    no longer listed. Returns the names now managed by the stack."""
    names = []
    for policy in policies or []:
        document = policy["PolicyDocument"]
        put(policy["PolicyName"], document if isinstance(document, str) else json.dumps(document))
        names.append(policy["PolicyName"])
    for name in set(previous) - set(names):
        with _already_gone():
            delete(name)
    return names


def sync_managed_policies(attach: Callable[[str], Any], detach: Callable[[str], Any],
                          previous: Iterable[str], arns: list[str] | None) -> list[str]:
    """Attach each ARN; detach the previously managed ARNs that are no longer listed."""
    wanted = list(dict.fromkeys(arns or []))
    for arn in wanted:
        if arn not in previous:
            attach(arn)
    for arn in set(previous) - set(wanted):
        with _already_gone():
            detach(arn)
    return wanted


def _already_gone() -> contextlib.AbstractContextManager:
    """Removing what is no longer there is done, not an error. moto deletes a stack's
    resources in set order and retries the ones that fail, so a removal can meet a policy
    already deleted with its own resource, or one an interrupted earlier attempt removed."""
    return contextlib.suppress(NoSuchEntity, NotFoundException)


def known_policy(backend: IAMBackend, arn: str) -> str:
    """Return `arn`, first adding it to the backend if it names an AWS managed policy that moto
    knows but did not load (moto loads them only with MOTO_IAM_LOAD_MANAGED_POLICIES=true; on
    AWS they always exist, and templates attach them by ARN)."""
    prefix = f"arn:{backend.partition}:iam::aws:policy"
    if arn in backend.managed_policies or not arn.startswith(prefix + "/"):
        return arn
    name = arn.rsplit("/", 1)[1]
    data = _aws_managed_policies().get(name)
    if data is not None and f"{prefix}{data['Path']}{name}" == arn:
        backend.managed_policies[arn] = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name,
                                                                   data)
    return arn


@functools.cache
def _aws_managed_policies() -> dict[str, Any]:
    return json.loads(aws_managed_policies_data)


def refresh_model_cache() -> None:
    """moto caches its list of CloudFormationModel subclasses: drop it so new models count."""
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


class CfnGroup(CloudFormationModel):
    """The stack's record of a group: its name and what the template attached to it."""

    def __init__(self, account_id: str, region_name: str, name: str, named_by_template: bool):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name
        self.named_by_template = named_by_template
        self.policy_names: list[str] = []
        self.managed_policy_arns: list[str] = []

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "GroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::Group"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Arn":
            return iam(self.account_id, self.region_name).get_group(self.name).arn
        raise UnformattedGetAttTemplateException()

    def _apply(self, properties: dict[str, Any]) -> None:
        backend = iam(self.account_id, self.region_name)
        self.policy_names = sync_inline_policies(
            lambda name, doc: backend.put_group_policy(self.name, name, doc),
            lambda name: backend.delete_group_policy(self.name, name),
            self.policy_names, properties.get("Policies"))
        self.managed_policy_arns = sync_managed_policies(
            lambda arn: backend.attach_group_policy(known_policy(backend, arn), self.name),
            lambda arn: backend.detach_group_policy(arn, self.name),
            self.managed_policy_arns, properties.get("ManagedPolicyArns"))

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> CfnGroup:
        properties = cloudformation_json.get("Properties", {})
        backend = iam(account_id, region_name)
        created = backend.create_group(resource_name, properties.get("Path", "/"))
        group = cls(account_id, region_name, resource_name, "GroupName" in properties)
        try:
            group._apply(properties)
        except Exception:  # leave nothing half-made behind (as a failed AWS create does)
            for arn in list(created.managed_policies):
                backend.detach_group_policy(arn, resource_name)
            backend.delete_group(resource_name)
            raise
        return group

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: CfnGroup, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> CfnGroup:
        properties = cloudformation_json.get("Properties", {})
        renamed = ("GroupName" in properties and properties["GroupName"] != original_resource.name) or (
            "GroupName" not in properties and original_resource.named_by_template)
        if renamed:  # GroupName is a replacement property
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                      region_name)
            defer_cleanup(lambda: original_resource.delete(account_id, region_name))
            return new
        backend = iam(account_id, region_name)
        backend.get_group(original_resource.name).path = properties.get("Path", "/")
        original_resource._apply(properties)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        backend = iam(account_id, region_name)
        try:
            group = backend.get_group(self.name)
        except NotFoundException:
            return  # already gone
        if group.users:
            raise DeleteConflictException("Cannot delete entity, must remove users from group first.")
        self._apply({})  # drops the inline and managed policies the template gave it
        backend.delete_group(self.name)

    def is_created(self) -> bool:
        return True


class CfnUserToGroupAddition(CloudFormationModel):
    """Which users the stack put in which group."""

    def __init__(self, account_id: str, region_name: str, name: str, group_name: str, users: list[str]):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name
        self.group_name = group_name
        self.users = users

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::UserToGroupAddition"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str,
                                        **kwargs: Any) -> CfnUserToGroupAddition:
        properties = cloudformation_json["Properties"]
        backend = iam(account_id, region_name)
        users = list(dict.fromkeys(properties["Users"]))
        for user in users:
            backend.add_user_to_group(properties["GroupName"], user)
        return cls(account_id, region_name, resource_name, properties["GroupName"], users)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: CfnUserToGroupAddition,
                                        new_resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> CfnUserToGroupAddition:
        properties = cloudformation_json["Properties"]
        keep = set(properties["Users"]) if properties["GroupName"] == original_resource.group_name else set()
        original_resource._remove([u for u in original_resource.users if u not in keep])
        new = cls.create_from_cloudformation_json(original_resource.name, cloudformation_json, account_id,
                                                  region_name)
        return new

    def _remove(self, users: list[str]) -> None:
        backend = iam(self.account_id, self.region_name)
        for user in users:
            # The user or the group is gone, or the user already left: nothing to undo.
            with contextlib.suppress(NoSuchEntity, NotFoundException):
                backend.remove_user_from_group(self.group_name, user)

    def delete(self, account_id: str, region_name: str) -> None:
        self._remove(self.users)

    def is_created(self) -> bool:
        return True


def apply() -> None:
    refresh_model_cache()
    for model in (CfnGroup, CfnUserToGroupAddition):
        if parsing.resource_class_from_type(model.cloudformation_type()) is not model:
            raise RuntimeError(f"another model claims {model.cloudformation_type()}")
