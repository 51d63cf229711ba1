"""The submission's checked sources (files/package/) stay true to the repository.

Every file that goes into the zip has a line in descriptions.yml and every line there
matches a file; every path submission.yml names is shipped. When another branch merges
files in, these fail and print the exact paths to describe.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import subprocess
from pathlib import Path

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
PACKAGE = PROJECT_DIR / "files" / "package"
DEFAULTS = yaml.safe_load((PROJECT_DIR / "roles/package/defaults/main.yml").read_text())


def _manifest_module():
    """The role's own module: the same matching rules the build applies."""
    path = PROJECT_DIR / "roles/package/library/package_manifest.py"
    spec = importlib.util.spec_from_file_location("package_manifest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


manifest = _manifest_module()


def shipped() -> list[str]:
    paths = manifest.tracked_files(str(PROJECT_DIR))
    return [p for p in paths if not any(fnmatch.fnmatchcase(p, pat) for pat in DEFAULTS["package_exclude"])]


def descriptions() -> list[tuple[str, str]]:
    return list(yaml.safe_load((PACKAGE / "descriptions.yml").read_text()).items())


def test_every_shipped_file_has_a_description():
    _, undescribed, _ = manifest.describe([*shipped(), "SUBMISSION.md"], descriptions())
    assert not undescribed, "add a line to files/package/descriptions.yml for:\n" + "\n".join(undescribed)


def test_every_description_matches_a_shipped_file():
    _, _, matched = manifest.describe([*shipped(), "SUBMISSION.md"], descriptions())
    stale = [entry for entry, hits in matched.items() if not hits]
    assert not stale, "these lines of files/package/descriptions.yml match no file:\n" + "\n".join(stale)


def test_descriptions_are_one_line():
    bad = [path for path, text in descriptions() if "\n" in text.strip() or len(text) > 200]
    assert not bad, f"one short line each: {bad}"


def test_an_exact_path_wins_over_a_glob_and_the_first_glob_wins():
    entries = [("tests/*.py", "any test"), ("tests/test_a.py", "test a"), ("tests/test_*.py", "never reached")]
    files, undescribed, matched = manifest.describe(["tests/test_a.py", "tests/test_b.py", "other.txt"], entries)
    assert {f["path"]: f["description"] for f in files} == {"tests/test_a.py": "test a", "tests/test_b.py": "any test"}
    assert undescribed == ["other.txt"]
    assert matched["tests/test_*.py"] == []


def _named_paths(submission: dict) -> list[str]:
    named = []
    for item in submission["exercise"]:
        named += item.get("files", []) + item.get("tests", [])
        if "docs" in item:
            named.append(item["docs"].split("#")[0])
    named += [e["link"].split("#")[0] for e in submission["explanations"]]
    return named


def test_every_path_submission_yml_names_is_shipped():
    submission = yaml.safe_load((PACKAGE / "submission.yml").read_text())
    files = set(shipped())
    missing = [p for p in _named_paths(submission)
               if p not in files and not any(f.startswith(p.rstrip("/") + "/") for f in files)]
    assert not missing, f"submission.yml names paths that are not in the zip: {missing}"


def test_pending_items_say_why_and_name_their_section():
    submission = yaml.safe_load((PACKAGE / "submission.yml").read_text())
    for item in submission["exercise"]:
        if "section" in item:
            assert item["pending"].strip() and item["landed"].strip(), item["item"]
        else:
            assert {"answer", "files", "run", "tests", "proof", "docs"} <= item.keys(), item["item"]
    for block in submission["roadblocks"]:
        assert {"what", "why", "impact", "workaround", "unblock"} <= block.keys(), block


# Assembled at run time, so this file does not itself look like it holds a secret.
@pytest.mark.parametrize("text", ["AKIA" + "ABCDEFGHIJKLMNOP", "-----BEGIN RSA " + "PRIVATE KEY-----"])
def test_the_secret_scan_finds_secrets(tmp_path, text):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "leak.txt").write_text(f"key = {text}\n")
    (tmp_path / "clean.txt").write_text("nothing here\n")
    assert manifest.secrets_in(str(tmp_path), ["clean.txt", "leak.txt"]) == ["leak.txt"]
