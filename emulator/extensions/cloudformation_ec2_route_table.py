"""CloudFormation `AWS::EC2::RouteTable` and `AWS::EC2::Route`: deleting them deletes them.

Gap: moto 5.2's RouteTable and Route models have no CloudFormation delete. DeleteStack
reports them deleted while the route table stays in the VPC with its routes, and EC2's
DeleteVpc refuses a VPC that has route tables besides its main one: the stack ends
DELETE_FAILED on the VPC with "DependencyViolation: The vpc ... has dependencies and
cannot be deleted". A route dropped from the template by an update stays in its table.

AWS (CloudFormation template reference, AWS::EC2::Route and AWS::EC2::RouteTable; EC2
API Reference, DeleteRoute, DeleteRouteTable "You must disassociate the route table from
any subnets before you can delete it. You can't delete the main route table."): deleting
a route deletes that destination from its table; deleting a route table deletes it with
its routes, refused (DependencyViolation) while subnets are still associated with it, so
CloudFormation deletes the SubnetRouteTableAssociations first. A route or table already
gone counts as deleted.
"""

from __future__ import annotations

import contextlib

from moto.ec2.exceptions import InvalidRouteError, InvalidRouteTableIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.route_tables import Route, RouteTable


def delete_route_table(self: RouteTable, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for AWS::EC2::RouteTable."""
    with contextlib.suppress(InvalidRouteTableIdError):  # deleted already
        ec2_backends[account_id][region_name].delete_route_table(self.id)


def delete_route(self: Route, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for AWS::EC2::Route."""
    with contextlib.suppress(InvalidRouteTableIdError, InvalidRouteError):  # deleted already, or its table
        ec2_backends[account_id][region_name].delete_route(
            self.route_table.id,
            self.destination_cidr_block,
            destination_ipv6_cidr_block=self.destination_ipv6_cidr_block,
            destination_prefix_list_id=self.destination_prefix_list.id if self.destination_prefix_list else None,
        )


def apply() -> None:
    for model, delete in ((RouteTable, delete_route_table), (Route, delete_route)):
        if "delete" not in vars(model):  # moto's models have none; never replace one
            model.delete = delete
