#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules put DOCUMENTATION/EXAMPLES/RETURN before the imports:
# ruff: noqa: E402
"""The regions botocore knows, by partition: what a region name is checked against."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: aws_region_info
short_description: List the AWS regions botocore knows, by partition
description:
  - Reads botocore's own partition data (C(endpoints.json)) and returns every region it
    names, by partition (aws, aws-cn, aws-us-gov...). Makes no AWS call, so a mistyped
    region can be refused before anything talks to AWS (an emulator answers any region).
  - Read-only; supports check mode.
version_added: "1.0.0"
author: MLOps estate project
options: {}
requirements: [botocore]
"""

EXAMPLES = r"""
- name: Learn the known regions
  aws_region_info:
  register: known

- name: Refuse an unknown region
  ansible.builtin.assert:
    that: aws_region in known.regions
"""

RETURN = r"""
regions:
  description: Every region name of every partition, sorted.
  returned: always
  type: list
  elements: str
  sample: [af-south-1, ap-east-1, us-east-1]
partitions:
  description: Partition name to its sorted region names.
  returned: always
  type: dict
  sample: {aws: [us-east-1, us-west-2], aws-cn: [cn-north-1]}
botocore_version:
  description: The botocore whose data was read (newer releases know newer regions).
  returned: always
  type: str
  sample: 1.35.0
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import botocore
    import botocore.loaders
except ImportError:  # reported by main()
    botocore = None


def known_partitions() -> dict[str, list[str]]:
    data = botocore.loaders.Loader().load_data("endpoints")
    return {p["partition"]: sorted(p.get("regions", {})) for p in data["partitions"]}


def main() -> None:
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    if botocore is None:
        module.fail_json(msg=missing_required_lib("botocore"))
    partitions = known_partitions()
    module.exit_json(changed=False, partitions=partitions,
                     regions=sorted({r for regions in partitions.values() for r in regions}),
                     botocore_version=botocore.__version__)


if __name__ == "__main__":
    main()
