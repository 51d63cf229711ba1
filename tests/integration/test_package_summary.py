"""playbooks/summary.yml (the last play of site.yml) against the emulator: it reads what
is deployed back from AWS, says "not deployed" for what is not, and changes nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

PLAYBOOK = "playbooks/summary.yml"


def summary(playbook, monkeypatch) -> tuple[dict, dict]:
    """Run the play with the JSON callback: (the summary message, the run's stats)."""
    monkeypatch.setenv("ANSIBLE_STDOUT_CALLBACK", "ansible.builtin.json")
    run = playbook(PLAYBOOK)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr
    result = json.loads(run.stdout)
    last = result["plays"][-1]["tasks"][-1]
    assert last["task"]["name"] == "Say what is deployed and where to look"
    return last["hosts"]["localhost"]["msg"], result["stats"]["localhost"]


@pytest.mark.slow
def test_an_empty_account_shows_every_part_as_not_deployed(clean_emulator, playbook, monkeypatch):
    msg, stats = summary(playbook, monkeypatch)
    assert stats["changed"] == 0 and stats["failures"] == 0
    for key in ("cloudformation_stacks", "buckets", "lambda_functions", "workbench_instance", "aurora_endpoints",
                "ecr_repositories", "sagemaker_endpoints", "cloudwatch_dashboards"):
        assert msg[key] == "not deployed", (key, msg[key])
    assert msg["target"].startswith(clean_emulator.endpoint)


def _function_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


@pytest.mark.slow
def test_what_is_deployed_is_read_back_from_aws(clean_emulator, playbook, monkeypatch):
    emu = clean_emulator
    emu.client("s3").create_bucket(Bucket="summary-probe-bucket")
    role = emu.client("iam").create_role(RoleName="summary-probe", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]
    emu.client("lambda").create_function(FunctionName="summary-probe", Runtime="python3.11", Role=role["Arn"],
                                         Handler="app.handler", Code={"ZipFile": _function_zip()})
    repo = emu.client("ecr").create_repository(repositoryName="summary-probe")["repository"]
    emu.client("cloudwatch").put_dashboard(DashboardName="summary-probe", DashboardBody=json.dumps({"widgets": []}))
    emu.client("cloudformation").create_stack(StackName="summary-probe", TemplateBody=json.dumps({
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}}}))

    msg, stats = summary(playbook, monkeypatch)
    assert stats["changed"] == 0
    assert msg["buckets"] == ["summary-probe-bucket"]
    assert msg["lambda_functions"] == ["summary-probe"]
    assert msg["ecr_repositories"] == [repo["repositoryUri"]]
    assert msg["cloudwatch_dashboards"] == ["summary-probe"]
    assert list(msg["cloudformation_stacks"]) == ["summary-probe"]
    assert msg["cloudformation_stacks"]["summary-probe"]["TopicArn"].startswith("arn:aws:sns:")
    assert msg["sagemaker_endpoints"] == "not deployed"
