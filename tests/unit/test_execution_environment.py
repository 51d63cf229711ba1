"""execution-environment.yml (AWX's execution environment, ansible-builder v3) generates
its build context, and carries the versions the project is tested with. Building the
image itself needs a container registry for the base image, which is not reachable here
(docs/operations.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
EE = yaml.safe_load((PROJECT_DIR / "execution-environment.yml").read_text())


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_ansible_builder_creates_the_build_context(tmp_path):
    builder = Path(sys.executable).parent / "ansible-builder"
    run = subprocess.run([str(builder), "create", "-f", str(PROJECT_DIR / "execution-environment.yml"),
                          "-c", str(tmp_path / "context"), "--output-filename", "Containerfile"],
                         capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-core==2.19.14" in containerfile
    assert "terraform-" in containerfile
    # The collections are the project's requirements.yml, byte for byte.
    assert (context / "_build" / "requirements.yml").read_bytes() == (PROJECT_DIR / "requirements.yml").read_bytes()
    generated = (context / "_build" / "requirements.txt").read_text().splitlines()
    assert pins(generated) == pins(EE["dependencies"]["python"])


def test_the_pins_are_the_ones_the_project_is_tested_with():
    tested = pins((PROJECT_DIR / "requirements.txt").read_text().splitlines())
    ee_python = pins(EE["dependencies"]["python"])
    assert {name: tested.get(name) for name in ee_python} == ee_python
    core = pins([EE["dependencies"]["ansible_core"]["package_pip"]])
    assert core == {"ansible-core": tested["ansible-core"]}
    terraform = subprocess.run(["terraform", "version"], capture_output=True, text=True, check=False).stdout
    wanted = re.search(r"terraform-(\d+\.\d+\.\d+)", " ".join(EE["additional_build_steps"]["append_final"]))
    assert wanted and f"v{wanted.group(1)}" in terraform.splitlines()[0], terraform
