"""Who may do what, enforced for real: the CloudFormation section's stack, deployed by the
role, then exercised with IAM enforcement on, over the emulator's HTTPS listener (its
certificate is trusted, not ignored) and over plain HTTP, so that the TLS-only bucket
policies are evaluated from the real request.

vera -> assumes developer -> create/read/overwrite/delete objects in the private bucket;
denied: plain HTTP, the public bucket, another bucket, IAM changes. Anonymous: reads
public objects, nothing of the private bucket.
"""

from __future__ import annotations

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator import launcher
from tests.conftest import REGION, run_playbook, start_emulator

PUBLIC = "mlops-estate-public-123456789012"
PRIVATE = "mlops-estate-private-123456789012"
OTHER = "someone-elses-bucket"


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    emu = start_emulator(tmp_path_factory.mktemp("access"))
    try:
        run = run_playbook(emu, "playbooks/cloudformation.yml",
                           extra_vars={"cloudformation_webapp_enabled": False})
        assert run.rc == 0, run.stdout[-4000:]
        admin_s3 = emu.client("s3")
        admin_s3.put_object(Bucket=PUBLIC, Key="model-card.md", Body=b"# public model card")
        admin_s3.put_object(Bucket=PRIVATE, Key="seed.csv", Body=b"a,b\n1,2\n")
        admin_s3.create_bucket(Bucket=OTHER)
        key = emu.client("iam").create_access_key(UserName="vera")["AccessKey"]
        role_arn = emu.client("iam").get_role(RoleName="developer")["Role"]["Arn"]
        # From here on every request is authorised against IAM and bucket policies.
        launcher.enforce_iam(emu.admin_endpoint)
        yield {"emu": emu, "key": key, "role_arn": role_arn}
    finally:
        launcher.stop(emu.instance)


def client(estate, service, credentials=None, tls=True, anonymous=False):
    emu = estate["emu"]
    kwargs = {"region_name": REGION, "endpoint_url": emu.endpoint if tls else emu.admin_endpoint}
    if tls:
        kwargs["verify"] = emu.ca_bundle
    if anonymous:
        kwargs["config"] = Config(signature_version=UNSIGNED, s3={"addressing_style": "path"})
    else:
        kwargs["config"] = Config(s3={"addressing_style": "path"})
        kwargs.update(credentials)
    return boto3.client(service, **kwargs)


def vera_credentials(estate) -> dict:
    key = estate["key"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


@pytest.fixture(scope="module")
def developer(estate):
    sts = client(estate, "sts", vera_credentials(estate))
    creds = sts.assume_role(RoleArn=estate["role_arn"], RoleSessionName="vera")["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def denied(call, *args, **kwargs) -> bool:
    try:
        call(*args, **kwargs)
    except ClientError as err:
        return err.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException", "InvalidClientTokenId")
    return False


def test_developer_creates_reads_overwrites_and_deletes_private_objects(estate, developer):
    s3 = client(estate, "s3", developer)
    s3.put_object(Bucket=PRIVATE, Key="work/report.csv", Body=b"v1")                # create
    assert s3.get_object(Bucket=PRIVATE, Key="work/report.csv")["Body"].read() == b"v1"  # read
    s3.put_object(Bucket=PRIVATE, Key="work/report.csv", Body=b"v2")                # write
    assert s3.get_object(Bucket=PRIVATE, Key="work/report.csv")["Body"].read() == b"v2"
    versions = s3.list_object_versions(Bucket=PRIVATE, Prefix="work/")["Versions"]
    assert len(versions) == 2                                                       # versioned
    old = next(v for v in versions if not v["IsLatest"])
    assert s3.get_object(Bucket=PRIVATE, Key="work/report.csv",
                         VersionId=old["VersionId"])["Body"].read() == b"v1"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=PRIVATE)["Contents"]]
    assert "work/report.csv" in keys                                                # list
    s3.delete_object(Bucket=PRIVATE, Key="work/report.csv")                         # delete
    s3.delete_object(Bucket=PRIVATE, Key="work/report.csv", VersionId=old["VersionId"])
    remaining = s3.list_object_versions(Bucket=PRIVATE, Prefix="work/").get("Versions", [])
    assert old["VersionId"] not in [v["VersionId"] for v in remaining]


def test_private_bucket_refuses_plain_http(estate, developer):
    s3 = client(estate, "s3", developer, tls=False)
    assert denied(s3.put_object, Bucket=PRIVATE, Key="insecure.txt", Body=b"x")
    assert denied(s3.get_object, Bucket=PRIVATE, Key="seed.csv")


def test_developer_cannot_write_the_public_bucket_or_another_bucket(estate, developer):
    s3 = client(estate, "s3", developer)
    assert denied(s3.put_object, Bucket=PUBLIC, Key="defaced.html", Body=b"x")
    assert denied(s3.put_object, Bucket=OTHER, Key="x.txt", Body=b"x")
    assert denied(s3.delete_object, Bucket=PUBLIC, Key="model-card.md")


def test_developer_cannot_change_iam(estate, developer):
    iam = client(estate, "iam", developer)
    assert denied(iam.create_user, UserName="mallory")
    assert denied(iam.attach_role_policy, RoleName="developer",
                  PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")


def test_vera_herself_has_no_bucket_rights_only_the_role(estate):
    s3 = client(estate, "s3", vera_credentials(estate))
    assert denied(s3.get_object, Bucket=PRIVATE, Key="seed.csv")
    assert denied(s3.put_object, Bucket=PRIVATE, Key="direct.txt", Body=b"x")


def test_anonymous_reads_public_objects_and_nothing_private(estate):
    s3 = client(estate, "s3", anonymous=True)
    assert s3.get_object(Bucket=PUBLIC, Key="model-card.md")["Body"].read() == b"# public model card"
    assert denied(s3.get_object, Bucket=PRIVATE, Key="seed.csv")
    assert denied(s3.list_objects_v2, Bucket=PRIVATE)
    assert denied(s3.put_object, Bucket=PUBLIC, Key="anon.txt", Body=b"x")


def test_anonymous_public_read_requires_tls_too(estate):
    s3 = client(estate, "s3", anonymous=True, tls=False)
    assert denied(s3.get_object, Bucket=PUBLIC, Key="model-card.md")
