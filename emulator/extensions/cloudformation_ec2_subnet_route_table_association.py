"""CloudFormation `AWS::EC2::SubnetRouteTableAssociation`: associates for real, and
deleting it disassociates.

Gap: moto 5.2's model only records the pair in a private list: the subnet is never
associated with the route table (DescribeRouteTables shows no association, so the subnet
still routes through the VPC's main table), `Ref` returns the route table id instead of
an association id, and there is no delete.

AWS (CloudFormation template reference, AWS::EC2::SubnetRouteTableAssociation: `Ref`
returns the association id, `Fn::GetAtt Id` too; RouteTableId and SubnetId changes replace
the association; EC2 API Reference, AssociateRouteTable, DisassociateRouteTable):
creating calls AssociateRouteTable, which returns the association id (rtbassoc-...);
deleting calls DisassociateRouteTable, after which the subnet uses the main route table
again and the route table can be deleted. An association already gone counts as deleted.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.ec2.exceptions import InvalidAssociationIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.subnets import SubnetRouteTableAssociation as Association

_MARK = "_project_cfn_subnet_route_table_association"


def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                    account_id: str, region_name: str, **kwargs: Any) -> Association:
    properties = cloudformation_json["Properties"]
    association = cls(properties["RouteTableId"], properties["SubnetId"])
    association.association_id = ec2_backends[account_id][region_name].associate_route_table(
        association.route_table_id, subnet_id=association.subnet_id)
    return association


def update_from_cloudformation_json(cls, original_resource: Association, new_resource_name: str,
                                    cloudformation_json: dict[str, Any], account_id: str,
                                    region_name: str) -> Association:
    properties = cloudformation_json["Properties"]
    if (properties["RouteTableId"], properties["SubnetId"]) == (original_resource.route_table_id,
                                                               original_resource.subnet_id):
        return original_resource
    original_resource.delete(account_id, region_name)  # both properties require replacement
    return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


def delete(self: Association, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for the resource."""
    with contextlib.suppress(InvalidAssociationIdError):  # disassociated already
        ec2_backends[account_id][region_name].disassociate_route_table(self.association_id)


def physical_resource_id(self: Association) -> str:
    return self.association_id


def get_cfn_attribute(self: Association, attribute_name: str) -> str:
    if attribute_name == "Id":
        return self.association_id
    raise NotImplementedError(attribute_name)


def apply() -> None:
    if getattr(Association, _MARK, False):
        return
    Association.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    Association.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    Association.delete = delete
    Association.physical_resource_id = property(physical_resource_id)
    Association.has_cfn_attr = classmethod(lambda cls, attr: attr == "Id")
    Association.get_cfn_attribute = get_cfn_attribute
    setattr(Association, _MARK, True)
