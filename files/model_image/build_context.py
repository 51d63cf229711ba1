#!/usr/bin/env python3
"""Assemble the model image's Docker build context: its sources plus an offline wheelhouse.

Containers here cannot reach PyPI over TLS, and an offline install is the reproducible
one anyway: the wheels are downloaded on the host and the Dockerfile installs them with
`pip install --no-index`.

Usage (run on the host; the first run downloads from the package index):
    python files/model_image/build_context.py [--output DIR] [--cache DIR]

  --output DIR  the build context to (re)write; default <repo>/.state/model_image/context.
                The script owns DIR: whatever else is in it is removed.
  --cache DIR   where wheelhouses are kept between runs; default <repo>/.state/model_image.
                A wheelhouse is keyed by the SHA-256 of its requirements file, so a
                changed pin downloads anew and an unchanged one never touches the network.

It writes <output>/Dockerfile, requirements.txt, eta_model/ (the code) and wheels/ (every
wheel pinned in requirements.txt, CPython 3.11 manylinux2014 x86_64, `pip download
--only-binary=:all: --no-deps`), then prints ONE JSON object on stdout:

    {"context": "<abs path of the context dir>",
     "dockerfile": "<context>/Dockerfile",
     "context_sha256": "<hex>",   # over every file's relative path and bytes: same sources
                                  # and wheels -> same value (label the image with it, or
                                  # skip a rebuild when an image already carries it)
     "changed": true|false,       # whether the context dir's content changed on this run
     "wheels": <number of wheels>,
     "build_args": {"BASE_IMAGE": "python:3.11-slim", "VCS_REF": "", "SOURCE_URL": ""}}

`build_args` lists every build argument the Dockerfile takes, with its default; set them:
    docker build --network host --build-arg BASE_IMAGE=<image with python3.11 + venv>
        --build-arg VCS_REF=<git commit> --build-arg SOURCE_URL=<repository URL> -t NAME <context>
BASE_IMAGE is any image whose `python3` is 3.11 with the venv module: the default public
python:3.11-slim, or a local Debian bookworm minbase with python3, python3-venv and
ca-certificates. Exit status 1, with the reason on stderr, when the wheels cannot be had.

Python callers may use `assemble()` (the same, returning the dict) and `unpacked_site()`
(the wheelhouse unpacked into a directory for the host's Python 3.11, so unit tests
import exactly the libraries the image runs).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CACHE = REPO / ".state" / "model_image"
# What the image's context holds, relative to this folder.
SOURCES = ("Dockerfile", "requirements.txt", "eta_model")
BUILD_ARGS = {"BASE_IMAGE": "python:3.11-slim", "VCS_REF": "", "SOURCE_URL": ""}
PLATFORM = ("--platform", "manylinux2014_x86_64", "--python-version", "3.11", "--implementation", "cp",
            "--abi", "cp311")


class ContextError(Exception):
    pass


def _ignored(name: str) -> bool:
    return name == "__pycache__" or name.endswith((".pyc", ".pyo"))


def _pins(requirements: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in requirements.read_text().splitlines()
            if line.split("#")[0].strip()]


def wheelhouse(requirements: Path, cache: Path = DEFAULT_CACHE) -> Path:
    """The wheels pinned in `requirements` (downloaded once, then reused from `cache`)."""
    key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    target = cache / f"wheelhouse-{key}"
    if (target / ".complete").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".{target.name}.lock", "w") as lock:   # parallel callers wait for one download
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            _download(requirements, target)
    return target


def _download(requirements: Path, target: Path) -> None:
    cache = target.parent
    pins = _pins(requirements)
    loose = [p for p in pins if "==" not in p]
    if loose:
        raise ContextError(f"{requirements}: every requirement must be pinned with ==, not {loose}")
    partial = Path(tempfile.mkdtemp(prefix="wheelhouse-", dir=cache))
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
           "--only-binary=:all:", "--no-deps", *PLATFORM, "--dest", str(partial), *pins]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, pinned names
    if proc.returncode:
        shutil.rmtree(partial, ignore_errors=True)
        raise ContextError(f"pip download for {requirements} failed:\n{proc.stderr.strip()[-2000:]}")
    (partial / ".complete").write_text("\n".join(pins) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def tree_sha256(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def assemble(output: Path | None = None, cache: Path = DEFAULT_CACHE, source: Path = HERE,
             sources: tuple[str, ...] = SOURCES) -> dict:
    """Write the context for the Dockerfile in `source` to `output`; see the module docstring."""
    cache.mkdir(parents=True, exist_ok=True)
    output = (output or cache / "context").resolve()
    wheels = wheelhouse(source / "requirements.txt", cache)
    staging = Path(tempfile.mkdtemp(prefix="context-", dir=cache))
    for name in sources:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, staging / name, ignore=lambda _d, names: [n for n in names if _ignored(n)])
        else:
            shutil.copy2(src, staging / name)
    (staging / "wheels").mkdir()
    count = 0
    for wheel in sorted(wheels.glob("*.whl")):
        shutil.copyfile(wheel, staging / "wheels" / wheel.name)
        count += 1
    digest = tree_sha256(staging)
    changed = not output.is_dir() or tree_sha256(output) != digest
    if changed:
        shutil.rmtree(output, ignore_errors=True)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging, output)   # a rename when both are on one filesystem
    else:
        shutil.rmtree(staging)
    return {"context": str(output), "dockerfile": str(output / "Dockerfile"), "context_sha256": digest,
            "changed": changed, "wheels": count, "build_args": dict(BUILD_ARGS)}


def unpacked_site(cache: Path = DEFAULT_CACHE, source: Path = HERE) -> Path:
    """The wheelhouse unpacked (wheels are zip files) into one directory to put on sys.path."""
    wheels = wheelhouse(source / "requirements.txt", cache)
    site = wheels.with_name(wheels.name + "-site")
    with open(cache / f".{site.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (site / ".complete").exists():
            _unpack(wheels, site)
    return site


def _unpack(wheels: Path, site: Path) -> None:
    shutil.rmtree(site, ignore_errors=True)
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    for path in site.rglob("*"):   # zip files keep no exec bit; extension modules need none
        if path.is_file():
            os.chmod(path, 0o644)
    (site / ".complete").touch()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, help="the build context dir (default: <cache>/context)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="wheelhouse cache dir")
    args = parser.parse_args(argv)
    try:
        result = assemble(args.output, args.cache.resolve())
    except ContextError as err:
        print(f"build_context: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
