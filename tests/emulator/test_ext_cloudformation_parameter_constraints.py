"""cloudformation_parameter_constraints: CreateStack, UpdateStack and CreateChangeSet refuse
parameter values that break the template's constraints, with AWS's ValidationError
messages, and nothing is created or changed (stock moto: strict xfail; ours: pass)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

STACK = "constrained"
TEMPLATE = json.dumps({
    "Parameters": {
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
        "Name": {"Type": "String", "AllowedPattern": "[a-z][a-z0-9-]*", "MinLength": 3, "MaxLength": 12,
                 "Default": "app"},
        "Owner": {"Type": "String", "AllowedPattern": "[a-z]+", "ConstraintDescription": "lower-case letters only",
                  "Default": "team", "NoEcho": True},
        "Size": {"Type": "Number", "MinValue": 1, "MaxValue": 10, "Default": "2"},
        "Ports": {"Type": "List<Number>", "Default": "80,443"},
        "Zones": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"], "Default": "a"},
    },
    "Resources": {"Setting": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Type": "String", "Name": "/constrained/setting",
        "Value": {"Fn::Sub": "${Env}-${Name}-${Owner}-${Size}"}}}},
})

REFUSED = [
    ({"Env": "staging"}, "Parameter 'Env' must be one of AllowedValues"),
    ({"Name": "App"}, "Parameter 'Name' must match pattern [a-z][a-z0-9-]*"),
    ({"Name": "ab"}, "Parameter 'Name' must contain at least 3 characters"),
    ({"Name": "a" * 13}, "Parameter 'Name' must contain at most 12 characters"),
    ({"Owner": "Team1"}, "Parameter 'Owner' failed to satisfy constraint: lower-case letters only"),
    ({"Size": "big"}, "Parameter 'Size' must be a number"),
    ({"Size": "0"}, "Parameter 'Size' must be a number not less than 1"),
    ({"Size": "11"}, "Parameter 'Size' must be a number not greater than 10"),
    ({"Ports": "80,http"}, "Parameter 'Ports' must be a number"),
    ({"Zones": "a,c"}, "Parameter 'Zones' must be one of AllowedValues"),
    ({"Unknown": "x"}, "Parameters: [Unknown] do not exist in the template"),
]


def _params(values: dict) -> list[dict]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def _refusal(call) -> str:
    with pytest.raises(ClientError) as err:
        call()
    assert err.value.response["Error"]["Code"] == "ValidationError"
    return err.value.response["Error"]["Message"]


def test_constraints_are_enforced_before_anything_changes(flavour):
    cfn, ssm = flavour.client("cloudformation"), flavour.client("ssm")
    for values, message in REFUSED:
        assert _refusal(lambda v=values: cfn.create_stack(
            StackName=STACK, TemplateBody=TEMPLATE, Parameters=_params(v))) == message
    assert _refusal(lambda: cfn.describe_stacks(StackName=STACK)) == f"Stack with id {STACK} does not exist"

    cfn.create_stack(StackName=STACK, TemplateBody=TEMPLATE, Parameters=_params({"Size": "10", "Zones": "a,b"}))
    assert ssm.get_parameter(Name="/constrained/setting")["Parameter"]["Value"] == "dev-app-team-10"

    for values, message in REFUSED[:3]:
        assert _refusal(lambda v=values: cfn.update_stack(
            StackName=STACK, TemplateBody=TEMPLATE, Parameters=_params(v))) == message
        assert _refusal(lambda v=values: cfn.create_change_set(
            StackName=STACK, ChangeSetName="refused", TemplateBody=TEMPLATE, Parameters=_params(v))) == message
    assert cfn.list_change_sets(StackName=STACK)["Summaries"] == []
    assert ssm.get_parameter(Name="/constrained/setting")["Parameter"]["Value"] == "dev-app-team-10"
    # A previous value is checked against the new template's constraints too.
    stricter = TEMPLATE.replace('"MaxValue": 10', '"MaxValue": 5')
    assert _refusal(lambda: cfn.update_stack(StackName=STACK, TemplateBody=stricter, Parameters=[
        {"ParameterKey": "Size", "UsePreviousValue": True}])) == "Parameter 'Size' must be a number not greater than 5"

    cfn.update_stack(StackName=STACK, TemplateBody=TEMPLATE, Parameters=_params({"Env": "prod"}))
    assert ssm.get_parameter(Name="/constrained/setting")["Parameter"]["Value"] == "prod-app-team-2"
