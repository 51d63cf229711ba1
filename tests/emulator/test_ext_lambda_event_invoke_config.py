"""lambda_event_invoke_config: PutFunctionEventInvokeConfig overwrites, Update merges."""

from __future__ import annotations

import io
import zipfile


def _function(emu) -> str:
    iam, lam = emu.client("iam"), emu.client("lambda")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.py", "")
    lam.create_function(FunctionName="fn", Runtime="python3.11", Role=role, Handler="x.h",
                        Code={"ZipFile": buf.getvalue()})
    return "fn"


def test_put_overwrites_the_previous_configuration(flavour):
    lam = flavour.client("lambda")
    name = _function(flavour)
    failures = "arn:aws:sqs:us-east-1:123456789012:failures"
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": failures}})
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert got["MaximumRetryAttempts"] == 0
    assert got["DestinationConfig"]["OnFailure"]["Destination"] == failures
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert len(listed) == 1


def test_update_changes_only_what_it_is_given(flavour):
    lam = flavour.client("lambda")
    name = _function(flavour)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=600)
    lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert (got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]) == (0, 600)
