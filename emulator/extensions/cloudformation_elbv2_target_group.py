"""CloudFormation `AWS::ElasticLoadBalancingV2::TargetGroup`: deleting the resource
deletes the target group.

Gap: moto 5.2's FakeTargetGroup model has no CloudFormation delete. DeleteStack reports
the target group deleted while DescribeTargetGroups still lists it.

AWS (CloudFormation template reference, AWS::ElasticLoadBalancingV2::TargetGroup; Elastic
Load Balancing API Reference, DeleteTargetGroup: "You can delete a target group if it is
not referenced by any actions"): deleting the resource calls DeleteTargetGroup, refused
(ResourceInUse) while a listener or rule still forwards to it, so CloudFormation deletes
the listeners first. A target group already gone counts as deleted.
"""

from __future__ import annotations

import contextlib

from moto.elbv2.exceptions import TargetGroupNotFoundError
from moto.elbv2.models import FakeTargetGroup, elbv2_backends


def delete(self: FakeTargetGroup, account_id: str, region_name: str) -> None:
    """Called by moto's stack delete/update for the resource."""
    with contextlib.suppress(TargetGroupNotFoundError):  # deleted already
        elbv2_backends[account_id][region_name].delete_target_group(self.arn)


def apply() -> None:
    if "delete" not in vars(FakeTargetGroup):  # moto's model has none; never replace one
        FakeTargetGroup.delete = delete
