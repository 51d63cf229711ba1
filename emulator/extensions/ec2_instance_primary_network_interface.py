"""The network interface that RunInstances creates for an instance goes with the instance.

Gap: when RunInstances is given no NetworkInterfaces (the usual call, and how Auto
Scaling launches from a launch template), moto creates the primary network interface
with DeleteOnTermination=false. Terminating the instance then leaves its interface
behind, attached ("in-use") to a terminated instance, with its private IP still taken:
the subnet and the VPC can never be deleted (DependencyViolation), so a CloudFormation
stack with an Auto Scaling group cannot be deleted.

AWS (EC2 User Guide, "Elastic network interfaces": every instance has a primary network
interface, which cannot be detached; "Terminate Amazon EC2 instances": interfaces whose
attachment has DeleteOnTermination true are deleted with the instance; DescribeInstances
`InstanceNetworkInterfaceAttachment.DeleteOnTermination`): the primary interface that EC2
creates at launch is attached with DeleteOnTermination=true and is deleted when the
instance terminates. Interfaces given explicitly in NetworkInterfaces keep the
DeleteOnTermination they were given (moto already does that).
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.instances import Instance

_MARK = "_project_ec2_instance_primary_network_interface"


def apply() -> None:
    original = Instance.prep_nics
    if getattr(original, _MARK, False):
        return

    def prep_nics(self: Instance, nic_spec: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        implicit = not nic_spec  # EC2 makes the primary interface itself
        original(self, nic_spec, *args, **kwargs)
        if implicit and 0 in self.nics:
            self.nics[0].delete_on_termination = True

    setattr(prep_nics, _MARK, True)
    Instance.prep_nics = prep_nics
