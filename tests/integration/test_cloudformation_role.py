"""The cloudformation role where molecule cannot reach: no embedded AWS to talk to.

Converge, idempotence and what the stacks deploy are proved once, by the molecule
scenario `cloudformation` (molecule/cloudformation/verify.yml); bad input and check mode
have their own test modules.
"""

from __future__ import annotations

from emulator import launcher
from tests.conftest import Emulator, free_port, run_playbook

PLAYBOOK = "playbooks/cloudformation.yml"


def test_emulator_not_running_says_how_to_start_it(tmp_path):
    down = Emulator(launcher.Instance(port=free_port(), state_dir=tmp_path))
    run = run_playbook(down, PLAYBOOK)
    assert run.rc != 0
    assert "embedded AWS is not running" in run.stdout, run.stdout[-3000:]
    assert "make demo" in run.stdout
