"""The deterministic zip packager (library/deterministic_zip.py) and the module docs."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("deterministic_zip", PROJECT / "library" / "deterministic_zip.py")
dzip = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dzip)

EXCLUDE = ["__pycache__", "*.pyc", "bin"]


def tree(root: Path, files: dict[str, str], order=None) -> Path:
    for name in order or files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name])
    return root


def package(*roots: Path) -> bytes:
    return dzip.build(dzip.collect([{"path": str(r), "prefix": ""} for r in roots], EXCLUDE), 6)


FILES = {"pkg/__init__.py": "", "pkg/handler.py": "def h(e, c):\n    return 1\n", "pkg/schema.json": "{}"}


def test_same_content_gives_the_same_bytes_whatever_mtime_and_creation_order(tmp_path):
    a = package(tree(tmp_path / "a", FILES))
    b_root = tree(tmp_path / "b", FILES, order=list(reversed(FILES)))
    past = time.time() - 86400 * 400
    for path in b_root.rglob("*"):
        os.utime(path, (past, past))
    (b_root / "pkg" / "__pycache__").mkdir()
    (b_root / "pkg" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00junk")
    (b_root / "bin").mkdir()
    (b_root / "bin" / "f2py").write_text("#!/bin/sh\n")
    assert a == package(b_root)


def test_content_and_exec_bit_are_part_of_the_identity(tmp_path):
    base = package(tree(tmp_path / "a", FILES))
    changed = tree(tmp_path / "b", {**FILES, "pkg/handler.py": "def h(e, c):\n    return 2\n"})
    assert package(changed) != base
    exe = tree(tmp_path / "c", FILES)
    (exe / "pkg" / "handler.py").chmod(0o755)
    assert package(exe) != base


def test_entries_are_sorted_dated_1980_and_unix_modes(tmp_path):
    data = package(tree(tmp_path / "a", FILES))
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert [i.filename for i in infos] == sorted(FILES)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_a_file_in_two_sources_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="more than one source"):
        package(tree(tmp_path / "a", FILES), tree(tmp_path / "b", {"pkg/handler.py": "x"}))


@pytest.mark.parametrize("module", ["deterministic_zip", "lambda_invoke_config"])
def test_module_documentation_renders(module):
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "-M", str(PROJECT / "library"), module],
                          capture_output=True, text=True, check=False, timeout=120,
                          env={**os.environ, "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg")})
    assert proc.returncode == 0, proc.stderr
    assert "EXAMPLES" in proc.stdout and "RETURN VALUES" in proc.stdout


def test_the_role_builds_the_same_zip_as_this_module_would(tmp_path):
    """Same sources, same bytes: the digest is stable across two builds in one run."""
    src = PROJECT / "files" / "lambda" / "src"
    first = package(src)
    assert hashlib.sha256(first).digest() == hashlib.sha256(package(src)).digest()
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert "trip_features/handler.py" in names and "trip_features/schema.json" in names
    assert not [n for n in names if "__pycache__" in n]
