"""CloudFormation `AWS::EC2::EIP`: deleting the resource releases the address.

Gap: moto 5.2's ElasticAddress model has no CloudFormation delete. DeleteStack reports
the address deleted while it stays allocated (DescribeAddresses still lists it, still
associated if its user was left behind too).

AWS (CloudFormation template reference, AWS::EC2::EIP; EC2 API Reference,
ReleaseAddress): deleting the resource releases the address back to the pool, after the
resources that use it (an instance association, a NAT gateway) were deleted or
disassociated; an address released already counts as deleted.
"""

from __future__ import annotations

from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress


def delete(self: ElasticAddress, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for the resource."""
    backend = ec2_backends[account_id][region_name]
    if not any(address is self for address in backend.addresses):
        return  # released already
    if self.allocation_id:
        backend.release_address(allocation_id=self.allocation_id)
    else:
        backend.release_address(address=self.public_ip)


def apply() -> None:
    if "delete" not in vars(ElasticAddress):  # moto's model has none; never replace one
        ElasticAddress.delete = delete
