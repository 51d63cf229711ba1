"""The submission zip, built through the playbook as `make package` builds it: what is in
it, what SUBMISSION.md says about it (checked both ways), and that it is reproducible and
idempotent. Needs no AWS: the package play reads git and files/package/ only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.unit.test_docs_links import broken_links

PROJECT_DIR = Path(__file__).resolve().parents[2]
EXCLUDE = yaml.safe_load((PROJECT_DIR / "roles/package/defaults/main.yml").read_text())["package_exclude"]
RECAP = re.compile(r"ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)")
# A backticked token that names a project path: no spaces, a folder inside it or a file
# extension (an S3 prefix such as `logs/` alone is not a path of the project).
PATH_TOKEN = re.compile(r"`([A-Za-z0-9_.][A-Za-z0-9_.*-]*/[A-Za-z0-9_./*-]+"
                        r"|[A-Za-z0-9_.][A-Za-z0-9_./*-]*\.(?:md|ya?ml|py|sh|tf|hcl|json|j2|cfg|toml|txt|in))`")


def build(dest: Path, stage: Path, *args: str, name: str = "submission",
          project: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    extra = {"package_dest_dir": str(dest), "package_stage_dir": str(stage), "package_name": name}
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/package.yml", *args,
           "-e", json.dumps(extra)]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
           "ANSIBLE_NOCOLOR": "1", "HOME": str(Path.home())}
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False)


def changed(run: subprocess.CompletedProcess) -> int:
    match = RECAP.search(run.stdout)
    assert match and match.group(2) == "0", run.stdout + run.stderr
    return int(match.group(1))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("package")
    first = build(root / "dist", root / "stage")
    assert first.returncode == 0, first.stdout + first.stderr
    return root, first


def test_the_zip_holds_the_tracked_files_and_submission_md_only(built):
    root, _ = built
    tracked = subprocess.run(["git", "-C", str(PROJECT_DIR), "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split()
    from fnmatch import fnmatchcase
    expected = sorted({p for p in tracked if (PROJECT_DIR / p).is_file()
                       and not any(fnmatchcase(p, pat) for pat in EXCLUDE)} | {"SUBMISSION.md"})
    with zipfile.ZipFile(root / "dist" / "submission.zip") as zf:
        names = zf.namelist()
        assert names == expected  # sorted, nothing more, nothing less
        assert not [n for n in names if re.search(r"(^|/)(\.state|\.venv[^/]*|dist|__pycache__|\.terraform)/|"
                                                  r"\.tfstate|\.pyc$", n)]
        for info in zf.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
            assert (info.external_attr >> 16) in (0o100644, 0o100755), info.filename
        assert zf.read("site.yml") == (PROJECT_DIR / "site.yml").read_bytes()


def test_submission_md_describes_every_file_and_names_only_files_in_the_zip(built):
    root, _ = built
    with zipfile.ZipFile(root / "dist" / "submission.zip") as zf:
        names = set(zf.namelist())
        text = zf.read("SUBMISSION.md").decode()
    table = text.split("## Every file", 1)[1]
    described = set(re.findall(r"^\| `([^`]+)` \|", table, re.M))
    assert described == names, (f"in the zip, not described: {sorted(names - described)}; "
                                f"described, not in the zip: {sorted(described - names)}")
    named = set(PATH_TOKEN.findall(text))
    missing = [p for p in named if p not in names and not any(n.startswith(p.rstrip("/") + "/") for n in names)]
    assert not missing, f"SUBMISSION.md names paths the zip does not hold: {missing}"


def test_submission_md_links_resolve_inside_the_zip(built, tmp_path):
    root, _ = built
    with zipfile.ZipFile(root / "dist" / "submission.zip") as zf:
        zf.extractall(tmp_path)
    doc = tmp_path / "SUBMISSION.md"
    assert broken_links(doc, doc.read_text(), lambda p: p.exists()) == []


def test_submission_md_covers_the_exercise_and_says_what_is_not_done(built):
    root, _ = built
    with zipfile.ZipFile(root / "dist" / "submission.zip") as zf:
        text = zf.read("SUBMISSION.md").decode()
    submission = yaml.safe_load((PROJECT_DIR / "files/package/submission.yml").read_text())
    headings = re.findall(r"^### \d+\. (.+)$", text, re.M)
    assert [h.split(": ", 1)[0] for h in headings] == [i["part"] for i in submission["exercise"]]
    for section in ("sagemaker", "monitoring", "model_image"):
        pending = not (PROJECT_DIR / "files" / section).is_dir()
        items = [i for i in submission["exercise"] if i.get("section") == section]
        for item in items:
            heading = re.search(rf"^### \d+\. {re.escape(item['part'] + ': ' + item['item'].strip())}$", text, re.M)
            assert heading, item["item"]
            block = text[heading.end():].split("\n### ", 1)[0]
            assert ("**Not done yet.**" in block) is pending, (section, block[:200])
    for heading in ("## Explanations", "## What was unclear", "## Roadblocks", "## Every file"):
        assert heading in text


def test_a_rebuild_gives_the_same_bytes_and_changes_nothing(built):
    root, _ = built
    first = (root / "dist" / "submission.zip").read_bytes()
    again = build(root / "dist", root / "stage")
    assert changed(again) == 0
    elsewhere = build(root / "other", root / "stage2")
    assert changed(elsewhere) == 1
    assert (root / "other" / "submission.zip").read_bytes() == first


def test_check_mode_on_a_built_zip_changes_nothing(built):
    root, _ = built
    before = (root / "dist" / "submission.zip").stat().st_mtime_ns
    run = build(root / "dist", root / "stage", "--check", "--diff")
    assert changed(run) == 0
    assert (root / "dist" / "submission.zip").stat().st_mtime_ns == before


def test_a_bad_name_fails_before_anything_is_written(tmp_path):
    run = build(tmp_path / "dist", tmp_path / "stage", name="not a name")
    assert run.returncode != 0
    assert "package_name" in run.stdout
    assert not (tmp_path / "dist").exists() and not (tmp_path / "stage").exists()


def test_two_clones_of_one_commit_give_the_same_bytes(tmp_path):
    """Same commit, different checkouts (other times, other order on disk): same zip."""
    zips = []
    for n, stamp in enumerate((1_000_000_000, 1_700_000_000)):
        clone = tmp_path / f"clone{n}"
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(PROJECT_DIR), str(clone)], check=True)
        for path in clone.rglob("*"):
            if ".git" not in path.parts:
                os.utime(path, (stamp, stamp), follow_symlinks=False)
        run = build(tmp_path / f"dist{n}", tmp_path / f"stage{n}", project=clone)
        assert run.returncode == 0, run.stdout + run.stderr
        zips.append((tmp_path / f"dist{n}" / "submission.zip").read_bytes())
    assert zips[0] == zips[1]
