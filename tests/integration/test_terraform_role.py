"""The terraform role against the emulator.

Bad input fails before any change; --check plans and changes nothing; and, as a real
(billable) account would see it: the cost guard refuses to create Aurora without
confirmation; with it, the apply converges, a check run reports no change, and the
teardown (which first lifts deletion protection) leaves nothing behind and is itself
idempotent. The molecule scenario `terraform` covers the default (emulator) path:
converge, idempotence, verify through the AWS APIs.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_playbook

PLAYBOOK = "playbooks/terraform.yml"
PREFIX = "tf-"  # the role's IAM name prefix
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
        "users": [u["UserName"] for u in iam.list_users()["Users"] if u["UserName"].startswith(PREFIX)],
        "groups": [g["GroupName"] for g in iam.list_groups()["Groups"] if g["GroupName"].startswith(PREFIX)],
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(PREFIX)],
        "instance_profiles": [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]
                              if p["InstanceProfileName"].startswith(PREFIX)],
    }
    return {kind: names for kind, names in found.items() if names}


def test_unknown_backend_fails_naming_the_variable(clean_emulator, tmp_path):
    run = run_playbook(clean_emulator, PLAYBOOK, extra_vars={"terraform_work_dir": str(tmp_path / "tf"),
                                                             "terraform_backend": "gcs"})
    assert run.rc != 0
    assert "terraform_backend" in _flat(run.stdout)
    assert not (tmp_path / "tf").exists()


def test_s3_backend_without_bucket_is_refused_before_any_change(clean_emulator, tmp_path):
    run = run_playbook(clean_emulator, PLAYBOOK, extra_vars={"terraform_work_dir": str(tmp_path / "tf"),
                                                             "terraform_backend": "s3"})
    assert run.rc != 0
    assert "terraform_backend_config lacks `bucket` and `key`" in _flat(run.stdout), run.stdout[-3000:]
    assert not (tmp_path / "tf").exists()


@pytest.mark.slow
def test_check_mode_reports_the_plan_and_changes_nothing(clean_emulator, tmp_path):
    run = run_playbook(clean_emulator, PLAYBOOK, "--check", extra_vars={"terraform_work_dir": str(tmp_path / "tf")})
    assert run.rc == 0, run.stdout[-5000:]
    # The plan task reports the change it would make.
    assert re.search(r"TASK \[terraform : Plan the changes\][^\n]*\n+changed:", run.stdout), run.stdout[-5000:]
    assert "On AWS (the embedded AWS bills nothing) this would cost 16.65 USD/hour" in _flat(run.stdout)
    assert _leftovers(clean_emulator) == {}


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

    checked = run_playbook(emu, PLAYBOOK, "--check", "--diff", extra_vars=extra)
    assert checked.rc == 0, checked.stdout[-5000:]
    assert checked.recap["changed"] == 0, checked.stdout[-5000:]

    destroyed = run_playbook(emu, PLAYBOOK, extra_vars={**extra, "terraform_state": "absent"})
    assert destroyed.rc == 0, destroyed.stdout[-5000:]
    assert destroyed.recap["changed"] > 0
    assert _leftovers(emu) == {}

    again = run_playbook(emu, PLAYBOOK, extra_vars={**extra, "terraform_state": "absent"})
    assert again.rc == 0, again.stdout[-5000:]
    assert again.recap["changed"] == 0, again.stdout[-5000:]
