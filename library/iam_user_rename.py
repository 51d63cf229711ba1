#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: rename an IAM user, idempotently (no amazon.aws module renames users)."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: iam_user_rename
short_description: Rename an IAM user, idempotently
version_added: 1.0.0
description:
  - Renames the IAM user O(name) to O(new_name) (IAM UpdateUser).
  - Idempotent. When O(name) no longer exists and O(new_name) does, the rename is already
    done and the module reports no change, so a rerun after success is not an error.
  - Changes nothing and fails when both users exist (they are two different users) or when
    neither exists.
  - IAM user names are case-insensitive, so a rename that only changes the case
    (V(Alice) to V(alice)) is supported.
  - The user keeps its unique ID, path, groups, attached and inline policies, access keys,
    MFA devices, SSH keys and tags; principals in trust and resource policies follow it
    because IAM stores them by unique ID. The ARN changes. IAM does not rewrite policies
    that name the old ARN as a Resource, nor anything outside IAM that stores the name.
  - Supports check mode and diff mode.
author:
  - The project's authors
options:
  name:
    description:
      - The current name of the user.
    required: true
    type: str
    aliases: [old_name]
  new_name:
    description:
      - The name the user should have.
    required: true
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Rename jsmith to john.smith (a rerun reports ok)
  iam_user_rename:
    name: jsmith
    new_name: john.smith
  register: renamed

- name: Show the new ARN
  ansible.builtin.debug:
    msg: "{{ renamed.user.arn }} (was {{ renamed.previous_arn }})"
"""

RETURN = r"""
user:
  description: The user under its new name (in check mode, the user as it would be).
  returned: success
  type: dict
  contains:
    user_name:
      description: The user's name.
      type: str
      sample: john.smith
    user_id:
      description: The unique ID, unchanged by a rename.
      type: str
      sample: AIDAEXAMPLEEXAMPLE123
    arn:
      description: The user's ARN, which includes the name.
      type: str
      sample: arn:aws:iam::123456789012:user/developers/john.smith
    path:
      description: The user's path, unchanged by a rename.
      type: str
      sample: /developers/
previous_arn:
  description: The ARN the user had before this run's rename (equal to RV(user.arn) when nothing changed).
  returned: success
  type: str
  sample: arn:aws:iam::123456789012:user/developers/jsmith
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_user, validate_iam_identifiers
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

RENAME = "rename"
DONE = "done"


class RenameError(Exception):
    """The rename cannot be decided: the message says what to fix."""


def plan(old: dict | None, new: dict | None, name: str, new_name: str) -> str:
    """What to do, from the users found under the old and new names (None when absent)."""
    if old and new and old["user_id"] == new["user_id"]:
        # Case-insensitive names: both lookups found the same user; its name decides.
        if old["user_name"] == new_name:
            return DONE
        return RENAME
    if old and new:
        raise RenameError(
            f"both users exist: '{name}' ({old['user_id']}) and '{new_name}' ({new['user_id']}) are two "
            f"different users. Nothing was changed. Delete or rename '{new_name}' first if '{name}' "
            "should take its name.")
    if new:
        return DONE
    if old:
        return RENAME
    raise RenameError(f"IAM user '{name}' does not exist (and neither does '{new_name}'): check the name")


def renamed_arn(arn: str, new_name: str) -> str:
    return f"{arn.rsplit('/', 1)[0]}/{new_name}"


def summary(user: dict) -> dict:
    return {k: user.get(k) for k in ("user_name", "user_id", "arn", "path")}


# A renamed user is not instantly readable under its new name everywhere (IAM is
# eventually consistent): retry NoSuchEntity on that one read.
@AWSRetry.jittered_backoff(catch_extra_error_codes=["NoSuchEntity"])
def _get_user_after_rename(client, new_name: str) -> dict:
    return client.get_user(UserName=new_name)["User"]


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True, "aliases": ["old_name"]},
            "new_name": {"type": "str", "required": True},
        },
        supports_check_mode=True,
    )
    name, new_name = module.params["name"], module.params["new_name"]
    for value in (name, new_name):
        problem = validate_iam_identifiers("user", name=value)
        if problem:
            module.fail_json(msg=problem)
    if name == new_name:
        module.fail_json(msg=f"name and new_name are the same ('{name}')")

    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    old, new = get_iam_user(client, name), get_iam_user(client, new_name)
    try:
        action = plan(old, new, name, new_name)
    except RenameError as err:
        module.fail_json(msg=str(err))

    if action == DONE:
        user = summary(new or old)
        module.exit_json(changed=False, user=user, previous_arn=user["arn"])

    before = summary(old)
    after = {**before, "user_name": new_name, "arn": renamed_arn(before["arn"], new_name)}
    if not module.check_mode:
        try:
            client.update_user(UserName=name, NewUserName=new_name, aws_retry=True)
        except is_boto3_error_code("EntityAlreadyExists") as err:
            module.fail_json_aws(err, msg=f"IAM user '{new_name}' was created meanwhile; nothing was changed")
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            module.fail_json_aws(err, msg=f"Failed to rename IAM user '{name}' to '{new_name}'")
        try:
            after = _summary_from_boto(_get_user_after_rename(client, new_name))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            module.fail_json_aws(err, msg=f"Renamed '{name}' to '{new_name}' but cannot read it back")
    result = {"changed": True, "user": after, "previous_arn": before["arn"]}
    if module._diff:  # pylint: disable=protected-access  # the documented way to ask for --diff
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


def _summary_from_boto(user: dict) -> dict:
    return {"user_name": user["UserName"], "user_id": user["UserId"], "arn": user["Arn"], "path": user["Path"]}


if __name__ == "__main__":
    main()
