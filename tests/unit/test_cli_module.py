"""library/iam_user_rename.py: its decision table (no AWS needed) and its documentation,
which `ansible-doc` must render."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT_DIR

MODULE_PATH = PROJECT_DIR / "library" / "iam_user_rename.py"
_spec = importlib.util.spec_from_file_location("iam_user_rename", MODULE_PATH)
rename = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rename)


def user(name: str, user_id: str) -> dict:
    return {"user_name": name, "user_id": user_id, "arn": f"arn:aws:iam::123456789012:user/dev/{name}",
            "path": "/dev/"}


def test_old_only_is_renamed():
    assert rename.plan(user("jsmith", "AIDA1"), None, "jsmith", "john.smith") == rename.RENAME


def test_new_only_is_already_done():
    assert rename.plan(None, user("john.smith", "AIDA1"), "jsmith", "john.smith") == rename.DONE


def test_both_present_is_a_conflict_that_names_both():
    with pytest.raises(rename.RenameError, match=r"'jsmith' \(AIDA1\) and 'john.smith' \(AIDA2\)"):
        rename.plan(user("jsmith", "AIDA1"), user("john.smith", "AIDA2"), "jsmith", "john.smith")


def test_neither_present_is_not_found():
    with pytest.raises(rename.RenameError, match="'jsmith' does not exist"):
        rename.plan(None, None, "jsmith", "john.smith")


def test_case_only_rename():
    # IAM names are case-insensitive: both lookups return the same user.
    before = user("Alice", "AIDA1")
    assert rename.plan(before, before, "Alice", "alice") == rename.RENAME
    after = user("alice", "AIDA1")
    assert rename.plan(after, after, "Alice", "alice") == rename.DONE


def test_the_new_arn_keeps_the_path():
    assert rename.renamed_arn("arn:aws:iam::123456789012:user/dev/team/jsmith", "john.smith") == \
        "arn:aws:iam::123456789012:user/dev/team/john.smith"


def _ansible_doc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "-M", str(MODULE_PATH.parent), *args],
                          capture_output=True, text=True, timeout=120, check=False, cwd=PROJECT_DIR)


def test_ansible_doc_renders_the_module():
    proc = _ansible_doc("iam_user_rename")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    for word in ("Renames the IAM user", "new_name", "previous_arn", "EXAMPLES", "RETURN VALUES"):
        assert word in proc.stdout, word


def test_the_documentation_is_complete_and_the_examples_parse():
    proc = _ansible_doc("--json", "iam_user_rename")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)["iam_user_rename"]
    assert set(doc["doc"]["options"]) >= {"name", "new_name", "region", "endpoint_url"}
    assert doc["doc"]["options"]["name"]["aliases"] == ["old_name"]
    assert set(doc["return"]) == {"user", "previous_arn"}
    examples = yaml.safe_load(doc["examples"])
    assert examples[0]["iam_user_rename"] == {"name": "jsmith", "new_name": "john.smith"}
