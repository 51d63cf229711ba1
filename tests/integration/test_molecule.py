"""Run every molecule scenario: converge, idempotence (changed=0), verify, cleanup.

Every scenario shares the base config .config/molecule/config.yml (state dir derived from
the scenario's name); its own molecule.yml adds its emulator port (EMULATOR_PORT), so it
never touches a demo running on 4566. Whatever the outcome, the emulator it started is
stopped here by PID.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from emulator import docker_engine, launcher, registry

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.parent.name for p in (PROJECT_DIR / "molecule").glob("*/molecule.yml"))
BASE_CONFIG = PROJECT_DIR / ".config" / "molecule" / "config.yml"


def scenario_env(name: str) -> dict[str, str]:
    """The provisioner environment molecule gives the scenario: base config, then its own."""
    paths = (BASE_CONFIG, PROJECT_DIR / "molecule" / name / "molecule.yml")
    configs = [yaml.safe_load(path.read_text()) for path in paths]
    env = {k: v for config in configs for k, v in config.get("provisioner", {}).get("env", {}).items()}
    known = {"MOLECULE_PROJECT_DIRECTORY": str(PROJECT_DIR), "MOLECULE_SCENARIO_NAME": name}
    return {k: re.sub(r"\$\{(\w+)\}", lambda m: known[m.group(1)], str(v)) for k, v in env.items()}


def scenario_instance(name: str) -> launcher.Instance:
    env = scenario_env(name)
    return launcher.Instance(port=int(env["EMULATOR_PORT"]), state_dir=Path(env["EMULATOR_STATE_DIR"]))


def test_scenarios_use_distinct_ports_and_state():
    instances = [scenario_instance(s) for s in SCENARIOS]
    ports = [p for i in instances for p in (i.port, i.tls_port)]
    assert len(ports) == len(set(ports)), dict(zip(SCENARIOS, ports[::2], strict=True))
    assert not {launcher.DEFAULT_PORT, launcher.DEFAULT_PORT + 1} & set(ports)
    assert len({i.state_dir for i in instances}) == len(instances)


def stop_scenario_services(name: str) -> None:
    """Stop by PID what the scenario may have started (its cleanup does too, unless it
    failed early): the Docker engine and registry of sections that build images, beside
    the emulator's state folder as the local inventory places them, then the emulator."""
    env = scenario_env(name)
    emu = scenario_instance(name)
    reg_port = int(env.get("REGISTRY_PORT", emu.port + 1000))
    state_root = Path(env["EMULATOR_STATE_DIR"]).parent
    if (state_root / f"registry-{reg_port}").exists():
        registry.stop(registry.Registry(port=reg_port, state_dir=state_root / f"registry-{reg_port}"))
    if (state_root / f"docker-engine-{emu.port}").exists():
        docker_engine.stop(docker_engine.Engine(state_root / f"docker-engine-{emu.port}"))
    launcher.stop(emu)


@pytest.mark.molecule
@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1",
           "NO_COLOR": "1", "ANSIBLE_CONFIG": str(PROJECT_DIR / "ansible.cfg")}
    molecule = str(bin_dir / "molecule")
    # Forget what molecule remembers of an earlier run (e.g. "prepared"): start clean.
    subprocess.run([molecule, "reset", "-s", scenario], cwd=PROJECT_DIR, env=env, capture_output=True,
                   timeout=120, check=False)
    try:
        proc = subprocess.run([molecule, "test", "-s", scenario], cwd=PROJECT_DIR,
                              env=env, capture_output=True, text=True, timeout=2400, check=False)
    finally:
        stop_scenario_services(scenario)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-8000:]
    # Every step of the scenario's sequence really ran and succeeded (idempotence fails on any
    # change; side_effect is --check --diff on the converged estate, changed=0).
    for step in scenario_sequence(scenario):
        assert re.search(rf"{step}: Executed: Successful", output), f"{step} did not run: " + output[-4000:]


def scenario_sequence(name: str) -> list[str]:
    """The test sequence molecule runs: the scenario's own, else the shared base's."""
    paths = (PROJECT_DIR / "molecule" / name / "molecule.yml", BASE_CONFIG)
    for config in (yaml.safe_load(path.read_text()) for path in paths):
        sequence = config.get("scenario", {}).get("test_sequence")
        if sequence:
            return sequence
    raise AssertionError(f"no test_sequence for {name}")


def test_section_scenarios_prove_idempotence_and_check_mode():
    """Only the whole-site scenario (default) may leave them to the section scenarios."""
    for name in SCENARIOS:
        if name != "default":
            assert {"converge", "idempotence", "side_effect", "verify"} <= set(scenario_sequence(name)), name
