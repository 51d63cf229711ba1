"""An instance launched with NetworkInterfaces reports its interface's security groups.

Gap: moto fills an instance's SecurityGroups only from the top-level SecurityGroupIds /
SecurityGroups of RunInstances. Groups given in NetworkInterfaces[].Groups (how
Terraform launches an instance once associate_public_ip_address is set) reach the
network interface but not the instance, so DescribeInstances shows no SecurityGroups
and Terraform's aws_instance sees vpc_security_group_ids empty: every plan wants to add
the group again (false drift).

AWS (EC2 API Reference, RunInstances `NetworkInterfaces.N.Groups`: "The IDs of the
security groups for the network interface"; data type Instance, `SecurityGroups`: "The
security groups for the instance"): the instance's security groups are those of its
primary network interface, however they were specified.
"""

from __future__ import annotations

from moto.ec2.models.instances import Instance

_MARK = "_project_ec2_instance_security_groups"


def apply() -> None:
    original = Instance.__init__
    if getattr(original, _MARK, False):
        return

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        primary = getattr(self, "nics", {}).get(0)
        if not self.security_groups and primary is not None:
            self.security_groups = list(primary._group_set)

    setattr(__init__, _MARK, True)
    Instance.__init__ = __init__
