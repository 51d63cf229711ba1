"""The terraform role against the emulator, where molecule cannot reach.

As a real (billable) account would see it: the cost guard refuses to create Aurora
without confirmation; with it, the apply converges, a check run reports no change, and
the teardown (which first lifts deletion protection and lets the buckets be emptied)
leaves nothing behind, buckets full of objects and versions included, and is itself
idempotent. A teardown without state does nothing. The molecule scenario `terraform`
proves the default (emulator) path once: converge, idempotence, verify through the AWS
APIs; bad input and check mode have their own test modules.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_playbook

PLAYBOOK = "playbooks/terraform.yml"
# This section's IAM names: the exercise's, or with the role's prefix where taken.
IAM_NAME = re.compile(r"^(tf-)?(vera|chuck|dave|workbench-users|workbench-instance)$")
LIVE = ("pending", "running", "stopping", "stopped")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _billable(tmp_path, **extra) -> dict:
    """Treat the emulator as a billable account (a real one would be), state kept locally."""
    return {"terraform_work_dir": str(tmp_path / "terraform"), "terraform_billable": True,
            "terraform_backend": "local", "terraform_db_final_snapshot": False, **extra}


def _workbench_instances(emu) -> list[dict]:
    reservations = emu.client("ec2").describe_instances(Filters=[
        {"Name": "tag:Name", "Values": ["workbench1"]},
        {"Name": "instance-state-name", "Values": list(LIVE)}])["Reservations"]
    return [i for r in reservations for i in r["Instances"]]


def _leftovers(emu) -> dict[str, list]:
    """Everything of this section the account still holds."""
    rds, iam, ec2 = emu.client("rds"), emu.client("iam"), emu.client("ec2")
    found = {
        "instances": [i["InstanceId"] for i in _workbench_instances(emu)],
        "security_groups": [g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]
                            if g["GroupName"].startswith("workbench-")],
        "vpc_endpoints": [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
                          if e["State"] != "deleted"],
        "db_clusters": [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]],
        "db_instances": [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]],
        "db_parameter_groups": [g["DBParameterGroupName"] for g in rds.describe_db_parameter_groups()[
            "DBParameterGroups"] if g["DBParameterGroupName"].startswith("workbench-")],
        "db_cluster_parameter_groups": [g["DBClusterParameterGroupName"] for g in
                                        rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
                                        if g["DBClusterParameterGroupName"].startswith("workbench-")],
        "db_subnet_groups": [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]],
        "db_cluster_snapshots": [s["DBClusterSnapshotIdentifier"] for s in
                                 rds.describe_db_cluster_snapshots()["DBClusterSnapshots"]],
        "secrets": [s["Name"] for s in emu.client("secretsmanager").list_secrets()["SecretList"]],
        "buckets": [b["Name"] for b in emu.client("s3").list_buckets()["Buckets"]
                    if b["Name"].startswith("workbench-tf-")],
        "users": [u["UserName"] for u in iam.list_users()["Users"] if IAM_NAME.match(u["UserName"])],
        "groups": [g["GroupName"] for g in iam.list_groups()["Groups"] if IAM_NAME.match(g["GroupName"])],
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"] if IAM_NAME.match(r["RoleName"])],
        "instance_profiles": [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]
                              if IAM_NAME.match(p["InstanceProfileName"])],
    }
    return {kind: names for kind, names in found.items() if names}


def test_teardown_without_state_does_nothing(clean_emulator, tmp_path):
    run = run_playbook(clean_emulator, PLAYBOOK, extra_vars={"terraform_work_dir": str(tmp_path / "tf"),
                                                             "terraform_state": "absent"})
    assert run.rc == 0, run.stdout[-5000:]
    assert run.recap["changed"] == 0
    assert not (tmp_path / "tf").exists()


@pytest.mark.slow
def test_billable_target_refuses_to_create_aurora_without_confirmation(clean_emulator, tmp_path):
    run = run_playbook(clean_emulator, PLAYBOOK, extra_vars=_billable(tmp_path))
    output = _flat(run.stdout)
    assert run.rc != 0, output[-3000:]
    assert "would create the Aurora cluster in a real account" in output, output[-3000:]
    # db.r6g.16xlarge x 2 + t2.micro, from the role's price table
    assert re.search(r"estimated 16\.65 USD/hour", output), output[-3000:]
    assert "terraform_confirm_aurora_cost=true" in output
    assert _leftovers(clean_emulator) == {}  # refused before anything was applied


@pytest.mark.slow
def test_confirmed_apply_converges_and_teardown_leaves_nothing(clean_emulator, tmp_path):
    emu = clean_emulator
    extra = _billable(tmp_path, terraform_confirm_aurora_cost=True)

    applied = run_playbook(emu, PLAYBOOK, extra_vars=extra)
    assert applied.rc == 0, applied.stdout[-5000:]
    assert applied.recap["changed"] > 0
    assert "USD/hour" in _flat(applied.stdout)
    cluster = emu.client("rds").describe_db_clusters(DBClusterIdentifier="workbench-aurora")["DBClusters"][0]
    assert cluster["DeletionProtection"] is True  # the default on a billable target
    assert [i["InstanceType"] for i in _workbench_instances(emu)] == ["t2.micro"]
    # No other `vera` in this account: the exercise's names, unprefixed.
    members = emu.client("iam").get_group(GroupName="workbench-users")["Users"]
    assert sorted(u["UserName"] for u in members) == ["chuck", "dave", "vera"]

    checked = run_playbook(emu, PLAYBOOK, "--check", "--diff", extra_vars=extra)
    assert checked.rc == 0, checked.stdout[-5000:]
    assert checked.recap["changed"] == 0, checked.stdout[-5000:]

    # Buckets in use: objects, and (versioned buckets) an older version of one. The
    # configuration has force_destroy = false, so destroy alone would fail. (No delete
    # marker: the emulator answers DeleteObjects on one with HTTP 500, a moto gap.)
    s3 = emu.client("s3")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("workbench-tf-")]
    assert len(buckets) == 2, buckets
    for bucket in buckets:
        s3.put_object(Bucket=bucket, Key="data/a.csv", Body=b"v1")
        s3.put_object(Bucket=bucket, Key="data/a.csv", Body=b"v2")
        s3.put_object(Bucket=bucket, Key="data/b.csv", Body=b"b")
        assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == 3

    destroyed = run_playbook(emu, PLAYBOOK, extra_vars={**extra, "terraform_state": "absent"})
    assert destroyed.rc == 0, destroyed.stdout[-5000:]
    assert destroyed.recap["changed"] > 0
    assert _leftovers(emu) == {}

    again = run_playbook(emu, PLAYBOOK, extra_vars={**extra, "terraform_state": "absent"})
    assert again.rc == 0, again.stdout[-5000:]
    assert again.recap["changed"] == 0, again.stdout[-5000:]
