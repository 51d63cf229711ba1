"""Shared fixtures: a private emulator per test session, and helpers to run Ansible.

Every test session starts its own emulator on free loopback ports (never the demo's
4566/4567) and stops it by PID at the end. Clients talk HTTPS to it and trust its
certificate, as they would talk to AWS; `admin_endpoint` (HTTP) is moto's admin API.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from emulator import docker_engine as engines
from emulator import launcher
from emulator import registry as registries

PROJECT_DIR = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


# The longest tests first: pytest-xdist hands tests out in collection order, so a
# ten-minute molecule scenario collected last would run alone at the end of the CI run.
# Measured order (a clean-clone CI run's --durations): the whole-site scenario, then the
# section scenarios that build and run images, then the rest of what is marked slow.
_LONGEST_FIRST = ("test_molecule_scenario[default]", "test_molecule_scenario[monitoring]",
                  "test_molecule_scenario[terraform]", "test_molecule_scenario[sagemaker]")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> tuple[int, int]:
        if item.name in _LONGEST_FIRST:
            return (0, _LONGEST_FIRST.index(item.name))
        if item.get_closest_marker("molecule"):
            return (1, 0)
        return (2, 0) if item.get_closest_marker("slow") else (3, 0)
    items.sort(key=rank)  # stable: the order within a rank is pytest's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Emulator:
    instance: launcher.Instance

    @property
    def endpoint(self) -> str:
        """HTTPS: what AWS clients use."""
        return self.instance.https_endpoint

    @property
    def admin_endpoint(self) -> str:
        """HTTP: moto's admin API (/moto-api/...), and plain-HTTP access tests."""
        return self.instance.endpoint

    @property
    def ca_bundle(self) -> str:
        return self.instance.ca_bundle

    @property
    def port(self) -> int:
        return self.instance.port

    def client(self, service: str, **kwargs):
        params = {"region_name": REGION, "endpoint_url": self.endpoint, "verify": self.ca_bundle,
                  **FAKE_CREDENTIALS, **kwargs}
        return boto3.client(service, **params)

    def reset(self) -> None:
        launcher.reset(self.admin_endpoint)

    def env(self) -> dict[str, str]:
        """Environment for a subprocess (AWS CLI, Terraform, ansible-playbook)."""
        return {
            **os.environ,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_CA_BUNDLE": self.ca_bundle,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "EMULATOR_PORT": str(self.port),
            "EMULATOR_TLS_PORT": str(self.instance.tls_port),
            "EMULATOR_STATE_DIR": str(self.instance.state_dir),
        }


def start_emulator(tmp_dir: Path, **kwargs) -> Emulator:
    kwargs.setdefault("tls_port", free_port())
    inst = launcher.Instance(port=free_port(), state_dir=tmp_dir, **kwargs)
    launcher.start(inst)
    return Emulator(inst)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """One emulator for the session; tests that need a clean slate use `clean_emulator`."""
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    launcher.stop(emu.instance)


@pytest.fixture
def clean_emulator(emulator):
    emulator.reset()
    return emulator


def run_module(emu: Emulator | None, module: str, params: dict, *flags: str,
               timeout: int = 600) -> tuple[dict, str]:
    """Run one module (library/ or a collection's) ad hoc on localhost, as a task runs it;
    with `emu`, its connection settings are added to the arguments. Returns (the module's
    result as the json callback reports it, the whole output)."""
    env = {**(emu.env() if emu else os.environ), "ANSIBLE_CONFIG": str(PROJECT_DIR / "ansible.cfg"),
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
           "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
    args = dict(params)
    if emu:
        args = {"region": REGION, "endpoint_url": emu.endpoint, "aws_ca_bundle": emu.ca_bundle,
                "access_key": "testing", "secret_key": "testing", **params}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "localhost", "-i", "inventories/local",
         "-m", module, "-a", json.dumps(args), *flags],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    try:
        result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        pytest.fail(f"no module result (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return result, proc.stdout + proc.stderr


RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str

    @property
    def recap(self) -> dict[str, int]:
        match = RECAP.search(self.stdout)
        if not match:
            return {}
        ok, changed, unreachable, failed = (int(x) for x in match.groups()[1:])
        return {"ok": ok, "changed": changed, "unreachable": unreachable, "failed": failed}


def run_playbook(emu: Emulator, playbook: str, *args: str, extra_vars: dict | None = None,
                 inventory: str = "inventories/local") -> PlaybookRun:
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", inventory, playbook, *args]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    env = {**emu.env(), "ANSIBLE_CONFIG": str(PROJECT_DIR / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    proc = subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=1200,
                          check=False)
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def playbook(emulator):
    """Run a playbook against the session's emulator: playbook('site.yml', '--tags', 'x')."""
    return lambda *args, **kwargs: run_playbook(emulator, *args, **kwargs)


# --- Docker engine, base image and registry (the model-image section) -------------------
# Each session (each xdist worker) starts its own engine and registry in its own tmp
# folder on its own port, and stops them by PID. The base rootfs tar is shared through
# .state/base-image/ (built once under a lock, see emulator/docker_engine.py).

@dataclass
class DockerEngine:
    engine: engines.Engine

    @property
    def socket(self) -> str:
        return str(self.engine.socket)

    @property
    def host(self) -> str:
        """unix:///.../docker.sock: what DOCKER_HOST and modules' docker_host take."""
        return self.engine.host

    @property
    def client(self):
        return self.engine.client()

    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.engine.host}


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory):
    """A private dockerd (no bridge, no iptables, no forwarding) for the session."""
    # A short path: the engine's sockets must fit in a unix socket address (108 bytes).
    engine = engines.Engine(Path(tempfile.mkdtemp(prefix="dockerd-", dir="/tmp")))
    try:
        engines.start(engine)
    except RuntimeError as err:
        pytest.fail(f"could not start a Docker engine: {err}")
    yield DockerEngine(engine)
    engines.stop(engine)
    shutil.rmtree(engine.state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def base_image(docker_engine) -> str:
    """Name of the local Debian bookworm + python3 base image inside `docker_engine`."""
    return engines.ensure_base_image(docker_engine.engine)["image"]


# The model image (files/model_image) as the tests build it: labelled with this commit and a
# stand-in source URL, tagged once per session.
MODEL_IMAGE = "local/eta-model:test"
MODEL_IMAGE_SOURCE_URL = "https://example.com/aws-mlops-estate"


@pytest.fixture(scope="session")
def vcs_ref() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="session")
def model_image(docker_engine, base_image, vcs_ref, tmp_path_factory) -> str:
    """The model image, built once per test session (per xdist worker) in `docker_engine`
    from its offline build context; the container, SageMaker and ECR tests all use it."""
    sys.path.insert(0, str(PROJECT_DIR / "files" / "model_image"))
    import build_context

    context = build_context.assemble(tmp_path_factory.mktemp("context") / "ctx")
    docker_engine.client.images.build(
        path=context["context"], tag=MODEL_IMAGE, network_mode="host", rm=True, forcerm=True,
        buildargs={"BASE_IMAGE": base_image, "VCS_REF": vcs_ref, "SOURCE_URL": MODEL_IMAGE_SOURCE_URL})
    return MODEL_IMAGE


@dataclass
class Registry:
    registry: registries.Registry

    @property
    def endpoint(self) -> str:
        return self.registry.endpoint

    @property
    def username(self) -> str:
        return self.registry.username

    @property
    def password(self) -> str:
        return self.registry.password


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """A running registry on 127.0.0.1 (its own port), basic auth `AWS` + `.password`."""
    reg = registries.Registry(port=free_port(), state_dir=tmp_path_factory.mktemp("registry"))
    registries.start(reg)
    yield Registry(reg)
    registries.stop(reg)
