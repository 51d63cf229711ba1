"""files/cli/aws-ops.sh against the emulator: each command's result is read back with
boto3, a rerun is a no-op (changed=false), --dry-run changes nothing, bad input exits
non-zero with a message that names what to fix."""

from __future__ import annotations

import contextlib
import http.server
import json
import subprocess
import threading

import pytest
from botocore.exceptions import ClientError

from tests.conftest import PROJECT_DIR, free_port

SCRIPT = PROJECT_DIR / "files" / "cli" / "aws-ops.sh"
POLICY_FILE = SCRIPT.parent / "policies" / "developer_level2.json"
BUCKET = "important-data-123456789012"
IP = "203.0.113.10"


@pytest.fixture
def aws(clean_emulator):
    """Run the script against the emulator; returns (rc, stdout, stderr)."""
    def run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), *args], env={**clean_emulator.env(), **(env or {})}, input=stdin,
                              capture_output=True, text=True, timeout=300, check=False)
    run.emu = clean_emulator
    return run


def changed(proc: subprocess.CompletedProcess) -> bool:
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.splitlines()[-1]
    assert last in ("changed=true", "changed=false"), proc.stdout
    return last == "changed=true"


# ------------------------------------------------------------------ 1. list-logs

def seed_bucket(emu, name: str = BUCKET, display: str = "Important Data", keys=None) -> None:
    s3 = emu.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "DisplayName", "Value": display}]})
    for key in keys if keys is not None else [f"logs/app-{i}.log" for i in range(5)] + ["logs-old/x", "other/y"]:
        s3.put_object(Bucket=name, Key=key, Body=b"x" * (len(key) + 1))


def listed_keys(stdout: str) -> list[str]:
    return [line.split(None, 2)[2] for line in stdout.splitlines() if line[:4].isdigit()]


def test_list_logs_resolves_the_display_name_and_lists_only_the_prefix(aws):
    seed_bucket(aws.emu)
    seed_bucket(aws.emu, "unrelated-bucket", display="Other Data")
    proc = aws("list-logs")      # the default: "Important Data/logs"
    assert not changed(proc)
    assert f"s3://{BUCKET}/logs/" in proc.stdout
    assert listed_keys(proc.stdout) == [f"logs/app-{i}.log" for i in range(5)]
    # sizes and dates are shown: logs/app-0.log has 15 bytes
    row = next(line for line in proc.stdout.splitlines() if line.endswith("logs/app-0.log"))
    assert row.split()[1] == "15" and row.split()[0].startswith("20")
    assert "5 objects, 75 bytes" in proc.stdout
    assert "'Important Data' cannot be an S3 bucket name" in proc.stderr


def test_list_logs_paginates(aws):
    seed_bucket(aws.emu)
    everything = listed_keys(aws("list-logs", "--page-size", "2").stdout)
    assert everything == [f"logs/app-{i}.log" for i in range(5)]
    first = aws("list-logs", "--max-items", "3", "--page-size", "2")
    assert listed_keys(first.stdout) == everything[:3]
    token = first.stdout.split("--starting-token '")[1].split("'")[0]
    rest = aws("list-logs", "--starting-token", token)
    assert listed_keys(rest.stdout) == everything[3:]


def test_list_logs_accepts_the_real_bucket_name(aws):
    seed_bucket(aws.emu)
    for args in (["--bucket", BUCKET, "--prefix", "logs"], [f"s3://{BUCKET}/logs/"], [f"{BUCKET}/logs"]):
        proc = aws("list-logs", *args)
        assert listed_keys(proc.stdout) == [f"logs/app-{i}.log" for i in range(5)], args
        assert "cannot be an S3 bucket name" not in proc.stderr


def test_list_logs_of_an_empty_prefix(aws):
    seed_bucket(aws.emu, keys=["other/y"])
    proc = aws("list-logs")
    assert listed_keys(proc.stdout) == [] and "0 objects, 0 bytes" in proc.stdout


def test_list_logs_unknown_or_ambiguous_display_name(aws):
    proc = aws("list-logs", "Missing Data/logs")
    assert proc.returncode == 3 and "no bucket is tagged DisplayName='Missing Data'" in proc.stderr
    seed_bucket(aws.emu, "important-data-a")
    seed_bucket(aws.emu, "important-data-b")
    proc = aws("list-logs")
    assert proc.returncode == 4
    assert "important-data-a important-data-b" in proc.stderr and "--bucket NAME" in proc.stderr
    proc = aws("list-logs", "--bucket", "no-such-bucket-here")
    assert proc.returncode == 3 and "bucket 'no-such-bucket-here' does not exist" in proc.stderr


# ------------------------------------------------------------------ 2. rename-user

def seed_user(emu, name: str = "jsmith") -> dict:
    iam = emu.client("iam")
    user = iam.create_user(UserName=name, Path="/developers/", Tags=[{"Key": "team", "Value": "ml"}])["User"]
    iam.create_group(GroupName="developers")
    iam.add_user_to_group(GroupName="developers", UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=POLICY_FILE.read_text())
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    return {**user, "AccessKeyId": key}


def test_rename_user_carries_the_user_over_and_reruns_are_no_ops(aws):
    before = seed_user(aws.emu)
    iam = aws.emu.client("iam")

    dry = aws("--dry-run", "rename-user", "jsmith", "john.smith")
    assert changed(dry) and "would rename IAM user 'jsmith' -> 'john.smith'" in dry.stdout
    assert iam.get_user(UserName="jsmith")["User"]["UserId"] == before["UserId"]   # untouched

    proc = aws("rename-user", "jsmith", "john.smith")
    assert changed(proc)
    assert "arn:aws:iam::123456789012:user/developers/john.smith" in proc.stdout
    assert "carries over: groups [developers]" in proc.stdout
    after = iam.get_user(UserName="john.smith")["User"]
    assert (after["UserId"], after["Path"]) == (before["UserId"], "/developers/")
    assert iam.list_user_tags(UserName="john.smith")["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="john.smith")["Groups"]] == ["developers"]
    assert iam.list_user_policies(UserName="john.smith")["PolicyNames"] == ["inline"]
    keys = iam.list_access_keys(UserName="john.smith")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["UserName"]) for k in keys] == [(before["AccessKeyId"], "john.smith")]
    with pytest.raises(ClientError):
        iam.get_user(UserName="jsmith")

    for args in (["rename-user", "jsmith", "john.smith"], ["--dry-run", "rename-user", "jsmith", "john.smith"]):
        again = aws(*args)
        assert not changed(again) and "already renamed" in again.stdout


def test_rename_user_refuses_when_both_exist_and_when_neither_does(aws):
    seed_user(aws.emu)
    other = aws.emu.client("iam").create_user(UserName="john.smith")["User"]
    proc = aws("rename-user", "jsmith", "john.smith")
    assert proc.returncode == 4 and "both users exist" in proc.stderr and "Nothing was changed" in proc.stderr
    iam = aws.emu.client("iam")
    assert iam.get_user(UserName="john.smith")["User"]["UserId"] == other["UserId"]
    assert iam.get_user(UserName="jsmith")["User"]["Path"] == "/developers/"

    proc = aws("rename-user", "nobody", "somebody")
    assert proc.returncode == 3 and "IAM user 'nobody' does not exist" in proc.stderr


# ------------------------------------------------------------------ 3. allow-ip / revoke-ip

def seed_group(emu, name: str = "sg_3452925") -> tuple[str, str]:
    ec2 = emu.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName=name, Description="fixture", VpcId=vpc)["GroupId"]
    # A rule that is not ours must survive everything below.
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]}])
    return vpc, group


def ingress(emu, group: str) -> list[tuple]:
    rules = emu.client("ec2").describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    return sorted((r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIpv4"], r.get("Description", ""))
                  for r in rules if not r["IsEgress"])


def test_allow_ip_adds_one_rule_and_reruns_are_no_ops(aws):
    vpc, group = seed_group(aws.emu)
    other = ("tcp", 443, 443, "198.51.100.0/24", "")

    dry = aws("--dry-run", "allow-ip", "--ip", IP)
    assert changed(dry) and f"would authorize ingress tcp/22 from {IP}/32" in dry.stdout
    assert ingress(aws.emu, group) == [other]

    proc = aws("allow-ip", "--ip", IP)
    assert changed(proc) and f"sg_3452925 {group} in VPC {vpc}" in proc.stdout
    ours = ("tcp", 22, 22, f"{IP}/32", "aws-ops allow-ip")
    assert ingress(aws.emu, group) == sorted([other, ours])

    for args in (["allow-ip", "--ip", IP], ["--dry-run", "allow-ip", "--ip", f"{IP}/32"],
                 ["allow-ip", "--ip", IP, "--description", "another description"]):
        again = aws(*args)
        assert not changed(again) and "already allowed" in again.stdout, args
    assert ingress(aws.emu, group) == sorted([other, ours])

    assert not changed(aws("--dry-run", "revoke-ip", "--ip", "192.0.2.1"))
    dry = aws("--dry-run", "revoke-ip", "--ip", IP)
    assert changed(dry) and ingress(aws.emu, group) == sorted([other, ours])
    assert changed(aws("revoke-ip", "--ip", IP))
    assert ingress(aws.emu, group) == [other]
    assert not changed(aws("revoke-ip", "--ip", IP))


def test_allow_ip_with_ports_protocol_and_group_id(aws):
    _, group = seed_group(aws.emu)
    proc = aws("allow-ip", "--group-id", group, "--ip", "203.0.113.0/28", "--protocol", "udp",
               "--port", "53,8000-8100")
    assert changed(proc)
    assert ("udp", 53, 53, "203.0.113.0/28", "aws-ops allow-ip") in ingress(aws.emu, group)
    assert ("udp", 8000, 8100, "203.0.113.0/28", "aws-ops allow-ip") in ingress(aws.emu, group)
    # One port of three is new: only that one is added.
    proc = aws("allow-ip", "--group-id", group, "--ip", "203.0.113.0/28", "--protocol", "udp",
               "--port", "53,54,8000-8100")
    assert changed(proc) and proc.stdout.count("already allowed") == 2
    assert len(ingress(aws.emu, group)) == 4


@contextlib.contextmanager
def checkip(answer: bytes):
    """A loopback stand-in for checkip.amazonaws.com (there is no internet here); yields its URL."""
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_allow_ip_detects_the_callers_ip(aws):
    _, group = seed_group(aws.emu)
    with checkip(b"192.0.2.44\n") as url:
        proc = aws("allow-ip", "--checkip-url", url)
    assert changed(proc) and "detected the caller's IP: 192.0.2.44" in proc.stderr
    assert ("tcp", 22, 22, "192.0.2.44/32", "aws-ops allow-ip") in ingress(aws.emu, group)


def test_allow_ip_bad_input_changes_nothing(aws):
    vpc, group = seed_group(aws.emu)
    before = ingress(aws.emu, group)
    closed = f"http://127.0.0.1:{free_port()}/"
    cases = [
        (["--group-name", "sg_nope", "--ip", IP], 3, f"no security group named 'sg_nope' in VPC {vpc}"),
        (["--vpc-id", "vpc-0123456789abcdef0", "--ip", IP], 3, "VPC vpc-0123456789abcdef0 does not exist"),
        (["--group-id", "sg-0123456789abcdef0", "--ip", IP], 3, "security group sg-0123456789abcdef0 does not exist"),
        (["--ip", "203.0.113.300"], 2, "is not an IPv4 address"),
        (["--ip", "0.0.0.0/0"], 2, "refusing 0.0.0.0/0"),
        (["--checkip-url", closed, "--timeout", "2"], 5, "could not detect the caller's IP"),
    ]
    for args, code, message in cases:
        proc = aws("allow-ip", *args)
        assert (proc.returncode, message in proc.stderr) == (code, True), (args, proc.stderr)
    assert ingress(aws.emu, group) == before


def test_a_region_without_a_default_vpc_needs_the_vpc_id(aws):
    ec2 = aws.emu.client("ec2")
    for vpc in ec2.describe_vpcs()["Vpcs"]:
        if vpc["IsDefault"]:
            for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]:
                ec2.delete_subnet(SubnetId=subnet["SubnetId"])
            ec2.delete_vpc(VpcId=vpc["VpcId"])
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="sg_3452925", Description="in a custom VPC", VpcId=vpc)["GroupId"]
    proc = aws("allow-ip", "--ip", IP)
    assert proc.returncode == 3 and "no default VPC" in proc.stderr and "--vpc-id" in proc.stderr
    assert changed(aws("allow-ip", "--ip", IP, "--vpc-id", vpc))
    assert ("tcp", 22, 22, f"{IP}/32", "aws-ops allow-ip") in ingress(aws.emu, group)


# ------------------------------------------------------------------ 4. attach-policy

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})
POLICY_ARN = "arn:aws:iam::123456789012:policy/developer_level2_logs_read"


def seed_role(emu) -> None:
    emu.client("iam").create_role(RoleName="developer_level2", AssumeRolePolicyDocument=TRUST)


def versions(emu) -> list[tuple[str, bool]]:
    found = emu.client("iam").list_policy_versions(PolicyArn=POLICY_ARN)["Versions"]
    return sorted((v["VersionId"], v["IsDefaultVersion"]) for v in found)


def default_document(emu) -> dict:
    iam = emu.client("iam")
    version = iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)["PolicyVersion"]["Document"]


def attached(emu) -> list[str]:
    found = emu.client("iam").list_attached_role_policies(RoleName="developer_level2")["AttachedPolicies"]
    return [p["PolicyArn"] for p in found]


def with_sid(sid: str) -> str:
    document = json.loads(POLICY_FILE.read_text())
    document["Statement"][0]["Sid"] = sid
    return json.dumps(document)


def test_attach_policy_creates_attaches_and_reruns_are_no_ops(aws):
    seed_role(aws.emu)
    dry = aws("--dry-run", "attach-policy")
    assert changed(dry) and "would create policy" in dry.stdout and "would attach policy" in dry.stdout
    assert aws.emu.client("iam").list_policies(Scope="Local")["Policies"] == [] and attached(aws.emu) == []

    assert changed(aws("attach-policy"))
    assert attached(aws.emu) == [POLICY_ARN]
    assert default_document(aws.emu) == json.loads(POLICY_FILE.read_text())

    # The same document, keys reordered and spacing changed, is the same policy.
    reordered = json.dumps(json.loads(POLICY_FILE.read_text()), sort_keys=True, indent=None)
    for args, stdin in ((["attach-policy"], None), (["--dry-run", "attach-policy"], None),
                        (["attach-policy", "--policy-file", "-"], reordered)):
        assert not changed(aws(*args, stdin=stdin)), args
    assert versions(aws.emu) == [("v1", True)] and attached(aws.emu) == [POLICY_ARN]


def test_a_changed_document_becomes_the_new_default_pruning_at_five_versions(aws):
    seed_role(aws.emu)
    assert changed(aws("attach-policy"))
    for n in range(2, 6):
        assert changed(aws("attach-policy", "--policy-file", "-", stdin=with_sid(f"V{n}")))
    assert versions(aws.emu) == [("v1", False), ("v2", False), ("v3", False), ("v4", False), ("v5", True)]

    dry = aws("--dry-run", "attach-policy", "--policy-file", "-", stdin=with_sid("V6"))
    assert changed(dry) and "would delete version v1" in dry.stdout
    assert len(versions(aws.emu)) == 5 and default_document(aws.emu)["Statement"][0]["Sid"] == "V5"

    proc = aws("attach-policy", "--policy-file", "-", stdin=with_sid("V6"))
    assert changed(proc) and "deleted version v1" in proc.stdout
    assert versions(aws.emu) == [("v2", False), ("v3", False), ("v4", False), ("v5", False), ("v6", True)]
    assert default_document(aws.emu)["Statement"][0]["Sid"] == "V6"
    assert not changed(aws("attach-policy", "--policy-file", "-", stdin=with_sid("V6")))

    # Back to a document an older version holds: that version is the default again.
    proc = aws("attach-policy", "--policy-file", "-", stdin=with_sid("V3"))
    assert changed(proc) and "v6 -> v3" in proc.stdout
    assert ("v3", True) in versions(aws.emu) and len(versions(aws.emu)) == 5
    assert attached(aws.emu) == [POLICY_ARN]


def test_attach_policy_to_a_missing_role_creates_nothing(aws):
    proc = aws("attach-policy", "--role", "developer_level9")
    assert proc.returncode == 3 and "IAM role 'developer_level9' does not exist" in proc.stderr
    assert aws.emu.client("iam").list_policies(Scope="Local")["Policies"] == []


def test_attach_policy_reattaches_a_detached_policy(aws):
    seed_role(aws.emu)
    assert changed(aws("attach-policy"))
    aws.emu.client("iam").detach_role_policy(RoleName="developer_level2", PolicyArn=POLICY_ARN)
    proc = aws("attach-policy")
    assert changed(proc) and "attached policy developer_level2_logs_read to role developer_level2" in proc.stdout
    assert versions(aws.emu) == [("v1", True)] and attached(aws.emu) == [POLICY_ARN]


# ------------------------------------------------------------------ connection options

def test_endpoint_region_and_profile_options(aws, tmp_path):
    seed_role(aws.emu)
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1"}
    # The environment names a closed port: only --endpoint-url can reach the emulator.
    proc = aws("attach-policy", "--endpoint-url", aws.emu.endpoint, env=env)
    assert changed(proc)
    proc = aws("attach-policy", env=env)
    assert proc.returncode == 1 and "reading IAM role 'developer_level2'" in proc.stderr
    # --profile picks the credentials; --region=... the region.
    config = tmp_path / "credentials"
    config.write_text("[emulator]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(config), "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    proc = aws("--profile", "emulator", "--region=us-east-1", "attach-policy", env=env)
    assert not changed(proc)
    proc = aws("--profile", "nobody", "attach-policy", env=env)
    assert proc.returncode == 1 and "nobody" in proc.stderr
