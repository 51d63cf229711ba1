"""The role's reserved-concurrency check (files/lambda/account_concurrency.py).

The embedded AWS does not implement GetAccountSettings (moto answers 404 "Not yet
implemented"): that is tested against it, as the role meets it. The arithmetic on a real
account's figures is tested with botocore's Stubber standing in for the Lambda API,
since no endpoint here can answer GetAccountSettings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "files" / "lambda"))

import account_concurrency  # noqa: E402


def stubbed(limit: int, unreserved: int, reserved: int | None):
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)  # stands in for a real account's Lambda API (see the module docstring)
    stub.add_response("get_account_settings", {"AccountLimit": {
        "ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": unreserved}})
    if reserved is None:
        stub.add_client_error("get_function_concurrency", "ResourceNotFoundException", http_status_code=404)
    else:
        stub.add_response("get_function_concurrency", {"ReservedConcurrentExecutions": reserved})
    stub.activate()
    return client


@pytest.mark.parametrize(("limit", "unreserved", "reserved", "reserve", "after", "max_reservable"), [
    (1000, 1000, None, 10, 990, 900),   # a mature account, function not deployed yet
    (10, 10, None, 10, 0, 0),           # a new account: quota 10 in all, nothing can be reserved
    (1000, 890, 10, 10, 890, 800),      # a redeploy: our own reservation returns to the pool
    (200, 150, 0, 60, 90, 50),          # would leave 90 < 100
])
def test_figures_from_the_account(limit, unreserved, reserved, reserve, after, max_reservable):
    result = account_concurrency.figures(stubbed(limit, unreserved, reserved), "f", reserve)
    assert result["supported"] and result["limit"] == limit
    assert result["unreserved_after"] == after and result["max_reservable"] == max_reservable
    assert (result["unreserved_after"] >= result["min_unreserved"]) == (after >= 100)


def test_the_embedded_aws_does_not_report_account_settings(emulator):
    result = account_concurrency.figures(emulator.client("lambda"), "f", 10)
    assert result == {"supported": False, "reason": result["reason"]} and "GetAccountSettings" in result["reason"]
