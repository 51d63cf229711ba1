"""lambda_account_settings: GetAccountSettings reports the limits and what functions use."""

from __future__ import annotations

import io
import zipfile


def create_function(emu, name: str) -> int:
    """Create a function; return its code size in bytes (tests/unit uses it too)."""
    iam, lam = emu.client("iam"), emu.client("lambda")
    try:
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="fn")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.py", "def h(event, context):\n    return event\n")
    return lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="x.h",
                               Code={"ZipFile": buf.getvalue()})["CodeSize"]


def test_empty_account_has_the_default_limits(flavour):
    got = flavour.client("lambda").get_account_settings()
    assert got["AccountLimit"] == {"TotalCodeSize": 80_530_636_800, "CodeSizeUnzipped": 262_144_000,
                                   "CodeSizeZipped": 52_428_800, "ConcurrentExecutions": 1000,
                                   "UnreservedConcurrentExecutions": 1000}
    assert got["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}


def test_reservations_and_code_are_counted(flavour):
    lam = flavour.client("lambda")
    size_a, size_b = create_function(flavour, "a"), create_function(flavour, "b")
    lam.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=10)
    lam.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=5)
    got = lam.get_account_settings()
    assert got["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000 - 15
    assert got["AccountUsage"] == {"TotalCodeSize": size_a + size_b, "FunctionCount": 2}
    lam.delete_function_concurrency(FunctionName="a")  # back to the pool
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000 - 5
