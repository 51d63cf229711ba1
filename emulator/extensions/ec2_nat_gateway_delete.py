"""DeleteNatGateway releases the gateway's network interface and its Elastic IP association.

Gap: moto's DeleteNatGateway only sets the state to "deleted". The network interface that
the gateway made in its subnet stays ("available", holding its private IP) and the
Elastic IP stays associated with it, so the subnet and VPC cannot be deleted afterwards
and the address cannot be reused. Deleting an unknown id fails with HTTP 500.

AWS (EC2 API Reference, DeleteNatGateway: "Deleting a public NAT gateway disassociates its
Elastic IP address, but does not release the address from your account. Deleting a NAT
gateway does not delete any NAT gateway routes in your route tables."; VPC User Guide,
"Delete a NAT gateway": the gateway goes `deleting` then `deleted` and stays visible in
DescribeNatGateways for a while; its requester-managed network interface is deleted):
the state becomes deleted, the interface is gone, the Elastic IP is still allocated but
no longer associated. An unknown id is the client error NatGatewayNotFound.
"""

from __future__ import annotations

import contextlib

from moto.ec2.exceptions import EC2ClientError, InvalidNetworkInterfaceIdError
from moto.ec2.models import EC2Backend
from moto.ec2.models.nat_gateways import NatGateway

_MARK = "_project_ec2_nat_gateway_delete"


class NatGatewayNotFoundError(EC2ClientError):
    def __init__(self, nat_gateway_id: str):
        super().__init__("NatGatewayNotFound", f"NAT gateway {nat_gateway_id} was not found")


def delete_nat_gateway(self: EC2Backend, nat_gateway_id: str) -> NatGateway:
    nat = self.nat_gateways.get(nat_gateway_id)
    if nat is None:
        raise NatGatewayNotFoundError(nat_gateway_id)
    if nat.state != "deleted":
        eni = nat._eni
        for address in [a for a in self.addresses if a.eni is eni]:
            self.disassociate_address(address=address.public_ip)
        for entry in nat.address_set:
            entry.pop("associationId", None)
        with contextlib.suppress(InvalidNetworkInterfaceIdError):  # already gone
            eni.delete()
        nat.state = "deleted"
    return nat


def apply() -> None:
    if getattr(EC2Backend.delete_nat_gateway, _MARK, False):
        return
    setattr(delete_nat_gateway, _MARK, True)
    EC2Backend.delete_nat_gateway = delete_nat_gateway
