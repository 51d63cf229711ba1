"""Deleting a DB cluster deletes its automated snapshots (unless asked to keep them).

Gap: moto's DeleteDBCluster ignores `DeleteAutomatedBackups`, and the automated
snapshot taken when the cluster was created (`rds:<cluster>-<date>`) outlives the
cluster. After `terraform destroy` an Aurora cluster therefore leaves a snapshot
behind, which on AWS would not exist.

AWS (RDS API Reference, DeleteDBCluster, `DeleteAutomatedBackups`: "Specifies whether
to remove automated backups immediately after the DB cluster is deleted. [...] The
default is to remove automated backups immediately after the DB cluster is deleted";
Aurora User Guide, "Retaining automated backups"): with the default, the cluster's
automated snapshots go with it; a final snapshot (FinalDBSnapshotIdentifier) is a
manual snapshot and stays. With DeleteAutomatedBackups=false they are kept (as retained
automated backups; moto keeps them as automated cluster snapshots).
"""

from __future__ import annotations

from moto.rds.responses import RDSResponse

_MARK = "_project_rds_cluster_automated_backups"


def apply() -> None:
    original = RDSResponse.delete_db_cluster
    if getattr(original, _MARK, False):
        return

    def delete_db_cluster(self):
        result = original(self)  # raises (and keeps everything) if the cluster cannot go
        keep = str(self.params.get("DeleteAutomatedBackups", "true")).lower() == "false"
        if not keep:
            cluster_id = self.params.get("DBClusterIdentifier")
            for snapshot_id, snapshot in list(self.backend.cluster_snapshots.items()):
                if snapshot.snapshot_type == "automated" and snapshot.cluster.db_cluster_identifier == cluster_id:
                    self.backend.delete_db_cluster_snapshot(snapshot_id)
        return result

    setattr(delete_db_cluster, _MARK, True)
    RDSResponse.delete_db_cluster = delete_db_cluster
