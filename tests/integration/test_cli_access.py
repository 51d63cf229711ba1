"""What the policy attached to developer_level2 allows, enforced for real: the section is
converged, then IAM enforcement is turned on and a developer who assumed the role tries
the logs, the rest of the bucket, writes and IAM.

The policy (files/cli/policies/developer_level2.json) must let the role read the logs/
prefix of the account's buckets, and nothing else.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator import launcher
from tests.conftest import REGION, run_playbook, start_emulator

pytestmark = pytest.mark.slow

BUCKET = "important-data-123456789012"


@pytest.fixture(scope="module")
def developer(tmp_path_factory):
    emu = start_emulator(tmp_path_factory.mktemp("cli-access"))
    try:
        run = run_playbook(emu, "playbooks/cli.yml",
                           extra_vars={"cli_seed_fixtures": True, "cli_caller_ip": "203.0.113.10"})
        assert run.rc == 0, run.stdout[-4000:]
        iam = emu.client("iam")
        role = iam.get_role(RoleName="developer_level2")["Role"]["Arn"]
        # A developer who may assume the role (the role trusts the account), and nothing else.
        iam.create_user(UserName="dana")
        iam.put_user_policy(UserName="dana", PolicyName="assume-level2", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}]}))
        key = iam.create_access_key(UserName="dana")["AccessKey"]
        launcher.enforce_iam(emu.admin_endpoint)
        sts = emu.client("sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        creds = sts.assume_role(RoleArn=role, RoleSessionName="dana")["Credentials"]
        session = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                   "aws_session_token": creds["SessionToken"]}
        yield lambda service: boto3.client(service, region_name=REGION, endpoint_url=emu.endpoint,
                                           verify=emu.ca_bundle, config=Config(s3={"addressing_style": "path"}),
                                           **session)
    finally:
        launcher.stop(emu.instance)


def denied(call, **kwargs) -> bool:
    try:
        call(**kwargs)
    except ClientError as err:
        return err.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")
    return False


def test_the_role_reads_the_logs(developer):
    s3 = developer("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="logs/")["Contents"]]
    assert "logs/app-2024-05-01.log" in keys
    body = s3.get_object(Bucket=BUCKET, Key="logs/app-2024-05-01.log")["Body"].read()
    assert body == b"fixture object logs/app-2024-05-01.log\n"


def test_the_role_reads_nothing_outside_the_logs(developer):
    s3 = developer("s3")
    assert denied(s3.list_objects_v2, Bucket=BUCKET)                        # no prefix
    assert denied(s3.list_objects_v2, Bucket=BUCKET, Prefix="reports/")
    assert denied(s3.get_object, Bucket=BUCKET, Key="reports/not-a-log.txt")


def test_the_role_writes_nothing(developer):
    s3 = developer("s3")
    assert denied(s3.put_object, Bucket=BUCKET, Key="logs/forged.log", Body=b"x")
    assert denied(s3.delete_object, Bucket=BUCKET, Key="logs/app-2024-05-01.log")
    assert denied(developer("iam").list_users)
    assert denied(developer("ec2").describe_security_groups)
