"""CloudFormation `AWS::EC2::InternetGateway` and `AWS::EC2::VPCGatewayAttachment`:
deleting them detaches and deletes the gateway.

Gap: moto 5.2's InternetGateway and VPCGatewayAttachment models have no CloudFormation
delete. DeleteStack reports both deleted while the gateway stays, attached to the VPC
(DescribeInternetGateways shows the attachment `available`), so the stack leaves a
gateway behind, attached to a VPC that may be gone.

AWS (CloudFormation template reference, AWS::EC2::VPCGatewayAttachment and
AWS::EC2::InternetGateway; EC2 API Reference, DetachInternetGateway, DeleteInternetGateway:
"you must detach the internet gateway from the VPC before you can delete it"): deleting
the attachment detaches the internet gateway from the VPC; deleting the gateway then
deletes it, which EC2 refuses (DependencyViolation) while it is still attached, so
CloudFormation deletes the attachment first. A gateway or attachment that is already
gone counts as deleted. Attachments of VPN gateways (VpnGatewayId) are left to moto, as
before.
"""

from __future__ import annotations

import contextlib

from moto.ec2.exceptions import GatewayNotAttachedError, InvalidInternetGatewayIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment


def delete_gateway(self: InternetGateway, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for AWS::EC2::InternetGateway."""
    with contextlib.suppress(InvalidInternetGatewayIdError):  # deleted already
        ec2_backends[account_id][region_name].delete_internet_gateway(self.id)


def delete_attachment(self: VPCGatewayAttachment, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for AWS::EC2::VPCGatewayAttachment."""
    if not self.gateway_id:
        return  # a VPN gateway's attachment (moto records no gateway id for those): left as before
    with contextlib.suppress(GatewayNotAttachedError, InvalidInternetGatewayIdError):  # detached already
        ec2_backends[account_id][region_name].detach_internet_gateway(self.gateway_id, self.vpc_id)


def apply() -> None:
    for model, delete in ((InternetGateway, delete_gateway), (VPCGatewayAttachment, delete_attachment)):
        if "delete" not in vars(model):  # moto's models have none; never replace one
            model.delete = delete
