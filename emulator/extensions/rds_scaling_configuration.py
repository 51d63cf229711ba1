"""Provisioned Aurora clusters carry no ScalingConfigurationInfo.

Gap: moto's DBCluster always serialises `ScalingConfigurationInfo`, for a provisioned
cluster as an object whose fields are all empty. Terraform's aws_rds_cluster reads a
present ScalingConfigurationInfo into `scaling_configuration`, so a cluster created
without one shows a `scaling_configuration` block to remove on every plan (false
drift, and a ModifyDBCluster call on every apply).

AWS (RDS API Reference, data type DBCluster, `ScalingConfigurationInfo`: "The scaling
configuration for an Aurora DB cluster in serverless DB engine mode"; Aurora User
Guide, "Using Aurora Serverless v1"): the field is returned only for clusters whose
EngineMode is `serverless`; provisioned clusters (including Serverless v2, which uses
ServerlessV2ScalingConfiguration) omit it.
"""

from __future__ import annotations

from moto.rds.models import DBCluster

_MARK = "_project_rds_scaling_configuration"


def apply() -> None:
    original = DBCluster.scaling_configuration_info
    if getattr(original.fget, _MARK, False):
        return

    def scaling_configuration_info(self):
        if self.engine_mode != "serverless":
            return None
        return original.fget(self)

    setattr(scaling_configuration_info, _MARK, True)
    DBCluster.scaling_configuration_info = property(scaling_configuration_info)
