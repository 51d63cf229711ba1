"""The role's reserved-concurrency check (files/lambda/account_concurrency.py).

The embedded AWS answers GetAccountSettings (the lambda_account_settings extension):
the check is tested against it with real reservations. Figures no emulator account can
reach (a new account's quota of 10) are tested with botocore's Stubber standing in for
the Lambda API. An endpoint without the API (stock moto answers 404 "Not yet
implemented") is reported as unsupported, tested against stock moto.
"""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from emulator import launcher
from tests.conftest import start_emulator
from tests.emulator.test_ext_lambda_account_settings import create_function

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


def _function(emu, name: str, reserve: int) -> None:
    create_function(emu, name)
    emu.client("lambda").put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserve)


def test_figures_from_the_embedded_aws(clean_emulator):
    lam = clean_emulator.client("lambda")
    assert account_concurrency.figures(lam, "f", 10) == {
        "supported": True, "limit": 1000, "unreserved": 1000, "function_reserved": 0, "unreserved_after": 990,
        "max_reservable": 900, "min_unreserved": 100}
    _function(clean_emulator, "other", 850)   # another function takes most of the pool
    _function(clean_emulator, "f", 20)        # ours is deployed, reserving 20
    result = account_concurrency.figures(lam, "f", 60)
    assert (result["unreserved"], result["function_reserved"]) == (130, 20)
    assert result["unreserved_after"] == 90 < result["min_unreserved"]   # the role refuses this
    assert result["max_reservable"] == 50


def test_an_endpoint_without_the_api_is_unsupported(tmp_path):
    stock = start_emulator(tmp_path, stock=True)  # plain moto: GetAccountSettings answers 404
    try:
        result = account_concurrency.figures(stock.client("lambda"), "f", 10)
    finally:
        launcher.stop(stock.instance)
    assert result == {"supported": False, "reason": result["reason"]} and "GetAccountSettings" in result["reason"]
