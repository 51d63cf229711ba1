"""emulator/extensions/rds_scaling_configuration.py: a provisioned Aurora cluster has no
ScalingConfigurationInfo; a Serverless v1 cluster keeps its own (fails on stock moto)."""

from __future__ import annotations


def _cluster(rds, name: str, **kwargs) -> dict:
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-mysql", MasterUsername="admin_user",
                          MasterUserPassword="not-a-real-secret-1", **kwargs)
    return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]


def test_provisioned_cluster_has_no_scaling_configuration(flavour):
    rds = flavour.client("rds")
    cluster = _cluster(rds, "provisioned", EngineMode="provisioned")
    assert "ScalingConfigurationInfo" not in cluster


def test_serverless_v1_cluster_keeps_its_scaling_configuration(emulator):
    """Not a gap: the field stays where AWS returns it (engine mode serverless)."""
    emulator.reset()
    rds = emulator.client("rds")
    cluster = _cluster(rds, "serverless", EngineMode="serverless",
                       ScalingConfiguration={"MinCapacity": 2, "MaxCapacity": 8, "AutoPause": False})
    assert cluster["ScalingConfigurationInfo"]["MinCapacity"] == 2
    assert cluster["ScalingConfigurationInfo"]["MaxCapacity"] == 8
