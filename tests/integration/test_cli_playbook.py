"""playbooks/cli.yml (role `cli`) against the emulator: converge, check mode that reports
without mutating, drift repaired, bad input stopped before any change, teardown.

Converge and idempotence are also the molecule scenario `cli`; here the state is read
back with boto3 around each run.
"""

from __future__ import annotations

import pytest

from tests.conftest import free_port, run_playbook

pytestmark = pytest.mark.slow

PLAYBOOK = "playbooks/cli.yml"
LOCAL = {"cli_seed_fixtures": True, "cli_caller_ip": "203.0.113.10"}
POLICY_ARN = "arn:aws:iam::123456789012:policy/developer_level2_logs_read"


def state(emu) -> dict:
    """What the section touches, as plain data."""
    iam, ec2, s3 = emu.client("iam"), emu.client("ec2"), emu.client("s3")
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["sg_3452925"]}])
    rules = []
    for group in groups["SecurityGroups"]:
        found = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])
        rules += sorted((r["IpProtocol"], r["FromPort"], r["CidrIpv4"]) for r in found["SecurityGroupRules"]
                        if not r["IsEgress"])
    policies = [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]]
    return {
        "buckets": {b["Name"]: sorted(o["Key"] for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", []))
                    for b in s3.list_buckets()["Buckets"]},
        "users": sorted((u["UserName"], u["UserId"], u["Path"]) for u in iam.list_users()["Users"]),
        "groups": len(groups["SecurityGroups"]),
        "rules": rules,
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"]],
        "policies": policies,
        "versions": [(v["VersionId"], v["IsDefaultVersion"])
                     for arn in policies for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]],
        "attached": [p["PolicyArn"] for r in iam.list_roles()["Roles"]
                     for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]],
    }


def converged(emu) -> bool:
    now = state(emu)
    return (any(n == "john.smith" and p == "/developers/" for n, _, p in now["users"])
            and not any(n == "jsmith" for n, _, _ in now["users"])
            and ("tcp", 22, "203.0.113.10/32") in now["rules"]
            and now["attached"] == [POLICY_ARN] and now["versions"] == [("v1", True)])


def test_converge_check_drift_and_teardown(clean_emulator):
    emu = clean_emulator
    first = run_playbook(emu, PLAYBOOK, extra_vars=LOCAL)
    assert first.rc == 0, first.stdout[-4000:]
    assert first.recap["changed"] > 0 and converged(emu)
    assert "aws-ops.sh" in first.stdout and "rename-user jsmith john.smith" in first.stdout
    assert "logs/app-2024-05-01.log" in first.stdout          # the listing is shown
    baseline = state(emu)

    check = run_playbook(emu, PLAYBOOK, "--check", "--diff", extra_vars=LOCAL)
    assert (check.rc, check.recap["changed"]) == (0, 0), check.stdout[-4000:]
    assert state(emu) == baseline

    # Drift: the rule is removed behind Ansible's back. Check mode reports it (the module
    # and the script's dry run), without repairing it; a real run repairs it.
    group = emu.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["sg_3452925"]}])["SecurityGroups"][0]["GroupId"]
    emu.client("ec2").revoke_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "203.0.113.10/32"}]}])
    drifted = state(emu)
    check = run_playbook(emu, PLAYBOOK, "--check", extra_vars=LOCAL)
    assert (check.rc, check.recap["changed"]) == (0, 2), check.stdout[-4000:]
    assert state(emu) == drifted
    repair = run_playbook(emu, PLAYBOOK, extra_vars=LOCAL)
    assert (repair.rc, repair.recap["changed"]) == (0, 1), repair.stdout[-4000:]
    assert state(emu) == baseline

    down = run_playbook(emu, PLAYBOOK, extra_vars={**LOCAL, "cli_state": "absent"})
    assert down.rc == 0, down.stdout[-4000:]
    assert state(emu) == {"buckets": {}, "users": [], "groups": 0, "rules": [], "roles": [], "policies": [],
                          "versions": [], "attached": []}
    down = run_playbook(emu, PLAYBOOK, extra_vars={**LOCAL, "cli_state": "absent"})
    assert (down.rc, down.recap["changed"]) == (0, 0), down.stdout[-4000:]


def test_check_mode_on_an_empty_target_previews_the_fixtures_and_stops(clean_emulator):
    run = run_playbook(clean_emulator, PLAYBOOK, "--check", extra_vars=LOCAL)
    assert run.rc == 0, run.stdout[-4000:]
    assert "the four operations cannot be previewed" in " ".join(run.stdout.split()), run.stdout[-3000:]
    assert state(clean_emulator)["buckets"] == {} and state(clean_emulator)["users"] == []


@pytest.mark.parametrize(("extra", "message"), [
    ({"cli_caller_ip": "0.0.0.0/0"}, "cli_caller_ip '0.0.0.0/0' must be an IPv4 address"),
    ({"cli_caller_ip": "203.0.113.10/24"}, "without host bits"),
    ({"cli_caller_ip": "", "cli_checkip_timeout": 2}, "Could not detect the caller's IP from http://127.0.0.1:"),
    ({"cli_ingress_ports": ["22", "70000"]}, "cli_ingress_ports: '70000' is not a port"),
    ({"cli_user_new_name": "jsmith"}, "must be two different IAM user names"),
    ({"cli_ingress_protocol": "icmp"}, "cli_ingress_protocol"),
])
def test_bad_input_stops_before_any_change(clean_emulator, extra, message):
    extra_vars = {**LOCAL, "cli_checkip_url": f"http://127.0.0.1:{free_port()}/", **extra}
    run = run_playbook(clean_emulator, PLAYBOOK, extra_vars=extra_vars)
    assert run.rc != 0
    assert message in " ".join((run.stdout + run.stderr).split()), run.stdout[-3000:]
    assert state(clean_emulator)["buckets"] == {} and state(clean_emulator)["users"] == []


def test_without_fixtures_the_presumed_resources_are_never_created(clean_emulator):
    """As on a real account: nothing presumed exists, so the play stops and creates nothing."""
    run = run_playbook(clean_emulator, PLAYBOOK,
                       extra_vars={"cli_caller_ip": "203.0.113.10", "cli_seed_fixtures": False})
    assert run.rc != 0
    assert "No bucket is tagged DisplayName=Important Data" in " ".join(run.stdout.split()), run.stdout[-3000:]
    assert state(clean_emulator) == {"buckets": {}, "users": [], "groups": 0, "rules": [], "roles": [],
                                     "policies": [], "versions": [], "attached": []}
