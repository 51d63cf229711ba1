"""emulator/extensions/rds_parameter_source.py: parameters set in a parameter group come
back with Source=user, and the Source filter selects them (fails on stock moto)."""

from __future__ import annotations

FAMILY = "aurora-mysql8.0"


def test_db_parameters_set_by_the_user_have_source_user(flavour):
    rds = flavour.client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="pg", DBParameterGroupFamily=FAMILY,
                                  Description="test")
    rds.modify_db_parameter_group(DBParameterGroupName="pg", Parameters=[
        {"ParameterName": "max_connections", "ParameterValue": "16000", "ApplyMethod": "immediate"}])

    user = rds.describe_db_parameters(DBParameterGroupName="pg", Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"], p["Source"], p["ApplyMethod"]) for p in user] == [
        ("max_connections", "16000", "user", "immediate")]
    defaults = rds.describe_db_parameters(DBParameterGroupName="pg", Source="engine-default")["Parameters"]
    assert "max_connections" not in [p["ParameterName"] for p in defaults]


def test_cluster_parameters_set_by_the_user_have_source_user(flavour):
    rds = flavour.client("rds")
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="cpg", DBParameterGroupFamily=FAMILY,
                                          Description="test")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="cpg", Parameters=[
        {"ParameterName": "require_secure_transport", "ParameterValue": "ON", "ApplyMethod": "immediate"}])

    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="cpg", Source="user")["Parameters"]
    assert [(p["ParameterName"], p["Source"]) for p in user] == [("require_secure_transport", "user")]
    system = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="cpg", Source="system")["Parameters"]
    assert system == []


def test_unknown_group_is_still_an_error(emulator):
    """Not a gap: the rewritten describe keeps AWS's error for an unknown group."""
    emulator.reset()
    rds = emulator.client("rds")
    try:
        rds.describe_db_parameters(DBParameterGroupName="missing")
    except rds.exceptions.DBParameterGroupNotFoundFault:
        return
    raise AssertionError("describe_db_parameters on an unknown group did not fail")
