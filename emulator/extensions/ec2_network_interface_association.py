"""A network interface without a public address has no `Association`.

Gap: moto's NetworkInterface.association returns an empty object when the interface
has no public IP, so DescribeInstances shows `Association: {}` on the primary
interface of an instance launched with AssociatePublicIpAddress=false. Terraform's
aws_instance reads "Association present" as associate_public_ip_address = true, so an
instance created without a public address is replaced on every plan (false drift).

AWS (EC2 API Reference, InstanceNetworkInterface and NetworkInterface, field
`Association`: "The association information for an Elastic IP address (IPv4)
associated with the network interface"): the element is returned only when the
interface has a public IPv4 address (auto-assigned or Elastic IP).
"""

from __future__ import annotations

from moto.ec2.models.elastic_network_interfaces import NetworkInterface

_MARK = "_project_ec2_network_interface_association"


def apply() -> None:
    original = NetworkInterface.association
    if getattr(original.fget, _MARK, False):
        return

    def association(self):
        if not self.public_ip:
            return None
        return original.fget(self)

    setattr(association, _MARK, True)
    NetworkInterface.association = property(association)
