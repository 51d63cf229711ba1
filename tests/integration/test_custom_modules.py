"""The custom modules of library/, each run as Ansible runs it (ad-hoc, on localhost),
against the emulator where it calls AWS: check mode reports the change and makes none,
a second run changes nothing (idempotence), and a diff comes back only in diff mode."""

from __future__ import annotations

import io
import json
import zipfile

from tests.conftest import run_module


def assert_contract(run, changes: dict, settled: callable) -> None:
    """check (no change made, no diff), check+diff (a diff), apply, rerun (changed=0)."""
    checked = run(changes, "--check")
    assert checked["changed"] is True and "diff" not in checked, checked
    assert not settled(), "check mode changed something"
    previewed = run(changes, "--check", "--diff")
    assert previewed["changed"] is True and previewed["diff"]["before"] != previewed["diff"]["after"], previewed
    assert not settled(), "check mode changed something"
    applied = run(changes)
    assert applied["changed"] is True and "diff" not in applied, applied
    assert settled()
    again = run(changes, "--diff")
    assert again["changed"] is False, again
    assert run(changes, "--check")["changed"] is False


def test_lambda_invoke_config(clean_emulator):
    emu = clean_emulator
    role = emu.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("x.py", "def h(e, c):\n    return e\n")
    lam = emu.client("lambda")
    lam.create_function(FunctionName="fn", Runtime="python3.11", Role=role, Handler="x.h",
                        Code={"ZipFile": code.getvalue()})

    def settled() -> bool:
        try:
            config = lam.get_function_event_invoke_config(FunctionName="fn")
        except lam.exceptions.ResourceNotFoundException:
            return False
        concurrency = lam.get_function_concurrency(FunctionName="fn").get("ReservedConcurrentExecutions")
        return config["MaximumRetryAttempts"] == 0 and concurrency == 5

    args = {"name": "fn", "maximum_retry_attempts": 0, "reserved_concurrency": 5}
    assert_contract(lambda a, *f: run_module(emu, "lambda_invoke_config", a, *f)[0], args, settled)


def test_iam_user_rename(clean_emulator):
    emu = clean_emulator
    iam = emu.client("iam")
    iam.create_user(UserName="jsmith", Path="/dev/")

    def settled() -> bool:
        names = {u["UserName"] for u in iam.list_users()["Users"]}
        return names == {"john.smith"}

    args = {"name": "jsmith", "new_name": "john.smith"}
    assert_contract(lambda a, *f: run_module(emu, "iam_user_rename", a, *f)[0], args, settled)


def test_deterministic_zip(tmp_path):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "handler.py").write_text("def h(e, c):\n    return 1\n")
    dest = tmp_path / "out" / "fn.zip"
    args = {"dest": str(dest), "sources": [{"path": str(tmp_path / "src")}]}
    assert_contract(lambda a, *f: run_module(None, "deterministic_zip", a, *f)[0], args, dest.exists)

