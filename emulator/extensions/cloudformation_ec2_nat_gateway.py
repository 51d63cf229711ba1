"""CloudFormation `AWS::EC2::NatGateway`: deleting the resource deletes the NAT gateway.

Gap: moto 5.2's NatGateway model has no CloudFormation delete. DeleteStack (or an update
that drops the resource) reports it deleted while the gateway stays `available`, with its
network interface in the subnet and its Elastic IP associated: the subnet and the VPC can
then not be deleted, and the stack ends DELETE_FAILED on the VPC (DependencyViolation).

AWS (CloudFormation template reference, AWS::EC2::NatGateway; EC2 API Reference,
DeleteNatGateway): CloudFormation deletes the gateway after the routes that use it and
before the subnet and the Elastic IP it depends on; the gateway goes to `deleted`, its
interface is deleted and its Elastic IP disassociated (ec2_nat_gateway_delete.py makes
DeleteNatGateway do that).
"""

from __future__ import annotations

from moto.ec2.models import ec2_backends
from moto.ec2.models.nat_gateways import NatGateway


def delete(self: NatGateway, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for the resource."""
    if self.state != "deleted":
        ec2_backends[account_id][region_name].delete_nat_gateway(self.id)


def apply() -> None:
    if "delete" not in vars(NatGateway):  # moto's model has none; never replace one
        NatGateway.delete = delete
