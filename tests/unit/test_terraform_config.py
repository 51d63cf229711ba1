"""files/terraform: formatting, validation and the `terraform test` unit tests (mocked
provider, no account, no network). The provider comes from the offline mirror when the
machine has one (as the role does), else from the registry."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_DIR / "files" / "terraform"
MIRRORS = ["/opt/tf-plugins", "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins"]

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["terraform", *args], cwd=CONFIG_DIR, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def tf_env(tmp_path_factory) -> dict:
    """Environment with .terraform/ outside the source tree, initialised without a backend."""
    work = tmp_path_factory.mktemp("terraform")
    env = {**os.environ, "TF_DATA_DIR": str(work / ".terraform"), "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"}
    mirror = next((m for m in MIRRORS if Path(m, "registry.terraform.io", "hashicorp", "aws").is_dir()), None)
    if mirror:
        cli_config = work / "terraform.tfrc"
        cli_config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    # The committed lock file must be enough: readonly fails if the provider matches none of its hashes.
    init = _run(env, "init", "-backend=false", "-input=false", "-no-color", "-lockfile=readonly")
    assert init.returncode == 0, init.stdout + init.stderr
    return env


def test_configuration_is_formatted(tf_env):
    result = _run(tf_env, "fmt", "-check", "-recursive", "-diff", "-no-color")
    assert result.returncode == 0, result.stdout + result.stderr


def test_configuration_is_valid(tf_env):
    result = _run(tf_env, "validate", "-no-color")
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_unit_tests_pass(tf_env):
    result = _run(tf_env, "test", "-no-color")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"(\d+) passed, (\d+) failed", output)
    assert summary, output
    passed, failed = map(int, summary.groups())
    # Every run block of tests/*.tftest.hcl ran and passed (none skipped).
    runs = sum(len(re.findall(r'^run "', p.read_text(), re.M)) for p in (CONFIG_DIR / "tests").glob("*.tftest.hcl"))
    assert (passed, failed) == (runs, 0), output


def test_lock_file_pins_the_reviewed_provider():
    """The lock file is committed (not ignored) and pins the version versions.tf requires."""
    lock = (CONFIG_DIR / ".terraform.lock.hcl").read_text()
    required = re.search(r'version\s*=\s*"=\s*([0-9.]+)"', (CONFIG_DIR / "versions.tf").read_text()).group(1)
    pinned = rf'provider "registry.terraform.io/hashicorp/aws" {{\s*version\s*=\s*"{re.escape(required)}"'
    assert re.search(pinned, lock), lock
    assert re.search(r'"h1:[A-Za-z0-9+/=]{44}"', lock), lock
    ignored = subprocess.run(["git", "check-ignore", "-q", str(CONFIG_DIR / ".terraform.lock.hcl")],
                             cwd=PROJECT_DIR, check=False)
    assert ignored.returncode == 1, ".terraform.lock.hcl must not be git-ignored"


def test_state_never_lives_in_the_source_folder():
    """The role works in .state/terraform/<target>; nothing Terraform writes belongs here."""
    leftovers = [p.name for p in CONFIG_DIR.iterdir() if p.name.endswith((".tfstate", ".tfplan"))
                 or p.name in ("terraform.tfstate.d", ".terraform")]
    assert leftovers == []
