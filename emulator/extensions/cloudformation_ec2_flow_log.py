"""CloudFormation `AWS::EC2::FlowLog`: deleting the resource deletes the flow log.

Gap: moto 5.2's FlowLogs model has no CloudFormation delete. DeleteStack reports the
flow log deleted while DescribeFlowLogs still lists it, publishing for a VPC that may be
gone.

AWS (CloudFormation template reference, AWS::EC2::FlowLog; EC2 API Reference,
DeleteFlowLogs): deleting the resource calls DeleteFlowLogs for its id, before the VPC,
log group and role it depends on are deleted. A flow log already gone counts as deleted.
"""

from __future__ import annotations

import contextlib

from moto.ec2.exceptions import InvalidFlowLogIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.flow_logs import FlowLogs


def delete(self: FlowLogs, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for the resource."""
    with contextlib.suppress(InvalidFlowLogIdError):  # deleted already
        ec2_backends[account_id][region_name].delete_flow_logs([self.id])


def apply() -> None:
    if "delete" not in vars(FlowLogs):  # moto's model has none; never replace one
        FlowLogs.delete = delete
