#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules put DOCUMENTATION/EXAMPLES/RETURN before the imports:
# ruff: noqa: E402
"""An account's S3 Block Public Access settings (s3control GetPublicAccessBlock)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_account_public_access_block_info
short_description: Read an account's S3 Block Public Access settings
description:
  - Calls s3control GetPublicAccessBlock for O(account_id). Account-level (or
    organisation-level) settings override every bucket's own, so a public bucket policy
    fails when C(BlockPublicPolicy) is set there; read them before creating such a bucket.
  - NoSuchPublicAccessBlockConfiguration means none is set (all four settings false).
  - Read-only; supports check mode.
version_added: "1.0.0"
author: MLOps estate project
options:
  account_id:
    description: The account to read (12 digits).
    type: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the account's Block Public Access settings
  s3_account_public_access_block_info:
    account_id: "123456789012"
  register: account_bpa
"""

RETURN = r"""
configured:
  description: Whether the account has a Block Public Access configuration at all.
  returned: always
  type: bool
public_access_block:
  description: The four settings (all false when none is configured).
  returned: always
  type: dict
  sample: {block_public_acls: true, ignore_public_acls: true, block_public_policy: true,
           restrict_public_buckets: true}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

try:
    import botocore
except ImportError:  # AnsibleAWSModule reports it
    botocore = None

_NONE_SET = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
             "RestrictPublicBuckets": False}


def main() -> None:
    module = AnsibleAWSModule(argument_spec={"account_id": {"type": "str", "required": True}},
                              supports_check_mode=True)
    account_id = module.params["account_id"]
    client = module.client("s3control")
    if module.params.get("endpoint_url"):
        # s3control's endpoint rules put the account id in the host name ({id}.s3-control...);
        # a custom endpoint (an emulator on an IP address) cannot take that prefix.
        def _no_account_host(request, **_kwargs):
            request.url = request.url.replace(f"://{account_id}.", "://", 1)

        client.meta.events.register("before-sign.s3-control.*", _no_account_host)
    try:
        found = client.get_public_access_block(AccountId=account_id)
        settings, configured = {**_NONE_SET, **found["PublicAccessBlockConfiguration"]}, True
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        settings, configured = dict(_NONE_SET), False
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:  # pylint: disable=duplicate-except
        module.fail_json_aws(err, msg="Cannot read the account's S3 Block Public Access settings")
    module.exit_json(changed=False, configured=configured, public_access_block=camel_dict_to_snake_dict(settings))


if __name__ == "__main__":
    main()
