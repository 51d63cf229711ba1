"""Change sets behave as on AWS: no-change FAILED, UPDATE by default, execute applies the
template with its Outputs (extension: emulator/extensions/cloudformation_change_sets.py)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

NO_CHANGES = ("The submitted information didn't contain changes. "
              "Submit different information to create a change set.")


def template(*queues: str, timeout: int = 30) -> str:
    return json.dumps({
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
        "Resources": {q: {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": f"${{Env}}-{q.lower()}"}, "VisibilityTimeout": timeout}}
            for q in queues},
        "Outputs": {f"{q}Url": {"Value": {"Ref": q}} for q in queues},
    })


def create_and_execute(cfn, name: str, body: str, kind: str = "UPDATE", **kwargs) -> dict:
    arn = cfn.create_change_set(StackName="app", ChangeSetName=name, TemplateBody=body, ChangeSetType=kind,
                                **kwargs)["Id"]
    described = cfn.describe_change_set(ChangeSetName=arn)
    if described["Status"] == "CREATE_COMPLETE":
        cfn.execute_change_set(ChangeSetName=arn)
    return described


def changes(described: dict) -> dict[str, str]:
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Action"] for c in described["Changes"]}


def stack(cfn) -> dict:
    return cfn.describe_stacks(StackName="app")["Stacks"][0]


def test_no_change_change_set_is_created_failed(flavour):
    cfn = flavour.client("cloudformation")
    create_and_execute(cfn, "one", template("Jobs"), kind="CREATE")

    # What amazon.aws.cloudformation sends: Parameters, and no ChangeSetType (AWS defaults to UPDATE).
    arn = cfn.create_change_set(StackName="app", ChangeSetName="again", TemplateBody=template("Jobs"),
                                Parameters=[{"ParameterKey": "Env", "ParameterValue": "dev"}])["Id"]
    described = cfn.describe_change_set(ChangeSetName=arn)
    assert (described["Status"], described["ExecutionStatus"], described["StatusReason"]) == (
        "FAILED", "UNAVAILABLE", NO_CHANGES)
    with pytest.raises(ClientError, match="InvalidChangeSetStatus"):
        cfn.execute_change_set(ChangeSetName=arn)
    cfn.delete_change_set(ChangeSetName=arn)
    assert [s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]] == ["CREATE_COMPLETE"]  # no second stack


def test_change_set_type_rules(flavour):
    cfn = flavour.client("cloudformation")
    with pytest.raises(ClientError, match="does not exist"):  # UPDATE is the default: the stack must exist
        cfn.create_change_set(StackName="app", ChangeSetName="x", TemplateBody=template("Jobs"))
    create_and_execute(cfn, "one", template("Jobs"), kind="CREATE")
    with pytest.raises(ClientError, match="already exists"):
        cfn.create_change_set(StackName="app", ChangeSetName="y", TemplateBody=template("Jobs"),
                              ChangeSetType="CREATE")


def test_executed_change_sets_apply_templates_and_outputs(flavour):
    cfn, sqs = flavour.client("cloudformation"), flavour.client("sqs")
    created = create_and_execute(cfn, "one", template("Jobs", "Dead"), kind="CREATE")
    assert changes(created) == {"Jobs": "Add", "Dead": "Add"}
    assert stack(cfn)["StackStatus"] == "CREATE_COMPLETE"
    assert {o["OutputKey"] for o in stack(cfn)["Outputs"]} == {"JobsUrl", "DeadUrl"}
    assert cfn.list_change_sets(StackName="app")["Summaries"][0]["ExecutionStatus"] == "EXECUTE_COMPLETE"

    pending = cfn.create_change_set(StackName="app", ChangeSetName="pending", TemplateBody=template("Jobs"))["Id"]
    updated = create_and_execute(cfn, "two", template("Jobs", "Audit", timeout=60))
    assert changes(updated) == {"Jobs": "Modify", "Audit": "Add", "Dead": "Remove"}
    modify = next(c["ResourceChange"] for c in updated["Changes"] if c["ResourceChange"]["Action"] == "Modify")
    assert modify["PhysicalResourceId"].endswith("/dev-jobs")
    assert (modify["Replacement"], modify["Scope"]) == ("False", ["Properties"])

    assert stack(cfn)["StackStatus"] == "UPDATE_COMPLETE"
    assert {o["OutputKey"] for o in stack(cfn)["Outputs"]} == {"JobsUrl", "AuditUrl"}
    queues = sorted(u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"])
    assert queues == ["dev-audit", "dev-jobs"]
    jobs = sqs.get_queue_url(QueueName="dev-jobs")["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=jobs, AttributeNames=["VisibilityTimeout"])[
        "Attributes"]["VisibilityTimeout"] == "60"
    # Executing deleted every other change set of the stack; the executed one stays.
    assert [s["ChangeSetName"] for s in cfn.list_change_sets(StackName="app")["Summaries"]] == ["two"]
    with pytest.raises(ClientError):
        cfn.describe_change_set(ChangeSetName=pending)

    # The same template again: no changes, so FAILED, even though parameters were passed this time.
    again = create_and_execute(cfn, "three", template("Jobs", "Audit", timeout=60),
                               Parameters=[{"ParameterKey": "Env", "ParameterValue": "dev"}])
    assert (again["Status"], again["StatusReason"]) == ("FAILED", NO_CHANGES)

    # A new parameter value renames both queues: listed as replacements, though the text is the same.
    renamed = cfn.describe_change_set(ChangeSetName=cfn.create_change_set(
        StackName="app", ChangeSetName="four", TemplateBody=template("Jobs", "Audit", timeout=60),
        Parameters=[{"ParameterKey": "Env", "ParameterValue": "prod"}])["Id"])
    assert renamed["Status"] == "CREATE_COMPLETE"
    assert {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Replacement"]
            for c in renamed["Changes"]} == {"Jobs": "True", "Audit": "True"}

    cfn.delete_stack(StackName="app")
    assert sqs.list_queues().get("QueueUrls", []) == []
    assert cfn.list_change_sets(StackName=cfn.list_stacks()["StackSummaries"][0]["StackId"])["Summaries"] == []
