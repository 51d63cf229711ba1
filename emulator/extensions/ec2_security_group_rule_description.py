"""A security group rule that references another group keeps its description.

Gap: moto's SecurityGroupRule.description reads only the IP range's Description, so a
rule whose source or destination is a security group (UserIdGroupPairs) comes back
from DescribeSecurityGroupRules without the Description it was created with.
Terraform's aws_vpc_security_group_{ingress,egress}_rule with
referenced_security_group_id then shows the description to add on every plan (false
drift).

AWS (EC2 API Reference, AuthorizeSecurityGroupIngress/Egress `UserIdGroupPair.Description`;
data type SecurityGroupRule, `Description`): the rule's description is returned
whatever the rule's peer is (CIDR, prefix list or security group).
"""

from __future__ import annotations

from moto.ec2.models.security_groups import SecurityGroupRule

_MARK = "_project_ec2_security_group_rule_description"


def apply() -> None:
    original = SecurityGroupRule.description
    if getattr(original.fget, _MARK, False):
        return

    def description(self):
        return original.fget(self) or (self.source_group or {}).get("Description")

    setattr(description, _MARK, True)
    SecurityGroupRule.description = property(description)
