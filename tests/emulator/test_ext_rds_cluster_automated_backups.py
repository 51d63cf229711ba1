"""emulator/extensions/rds_cluster_automated_backups.py: deleting a cluster deletes its
automated snapshots by default, keeps a final snapshot, and keeps automated ones when
asked (the first test fails on stock moto)."""

from __future__ import annotations


def _cluster(rds, name: str) -> None:
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-mysql", MasterUsername="admin_user",
                          MasterUserPassword="not-a-real-secret-1")


def _snapshots(rds, name: str) -> list[tuple[str, str]]:
    found = rds.describe_db_cluster_snapshots(DBClusterIdentifier=name)["DBClusterSnapshots"]
    return sorted((s["SnapshotType"], s["DBClusterSnapshotIdentifier"]) for s in found)


def test_cluster_deletion_removes_automated_snapshots_and_keeps_the_final_one(flavour):
    rds = flavour.client("rds")
    _cluster(rds, "db1")
    assert [kind for kind, _ in _snapshots(rds, "db1")] == ["automated"]  # taken at creation
    rds.delete_db_cluster(DBClusterIdentifier="db1", FinalDBSnapshotIdentifier="db1-final")
    assert _snapshots(rds, "db1") == [("manual", "db1-final")]


def test_automated_snapshots_are_kept_when_asked(emulator):
    """Not a gap: DeleteAutomatedBackups=false keeps them (stock moto keeps them always)."""
    emulator.reset()
    rds = emulator.client("rds")
    _cluster(rds, "db2")
    rds.delete_db_cluster(DBClusterIdentifier="db2", SkipFinalSnapshot=True, DeleteAutomatedBackups=False)
    assert [kind for kind, _ in _snapshots(rds, "db2")] == ["automated"]
