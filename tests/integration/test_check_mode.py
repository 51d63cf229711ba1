"""Check mode from nothing: each section's `--check --diff` on an empty account completes,
previews what it would create, and changes nothing (tests/state_snapshot.py before and
after). The converged-estate half is in test_bad_input.py, on the estate it builds once.
A new section is picked up from tests/integration/bad_inputs.yml (its check_preview).
"""

from __future__ import annotations

import pytest

from emulator import launcher
from tests import state_snapshot
from tests.conftest import run_playbook, start_emulator
from tests.integration.test_bad_input import SECTIONS, failure_messages, section_vars

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def empty_account(tmp_path_factory):
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    launcher.stop(emu.instance)


@pytest.mark.parametrize("section", list(SECTIONS))
def test_check_mode_on_an_empty_account_previews_and_changes_nothing(section, empty_account, tmp_path):
    emu = empty_account
    emu.reset()
    before = state_snapshot.take(emu.client)
    check = run_playbook(emu, SECTIONS[section]["playbook"], "--check", "--diff",
                         extra_vars=section_vars(section, tmp_path))
    assert check.rc == 0, failure_messages(check) or check.stdout[-4000:]
    assert check.recap["changed"] > 0, "the preview shows nothing to create: " + check.stdout[-3000:]
    assert SECTIONS[section]["check_preview"] in " ".join(check.stdout.split()), check.stdout[-3000:]
    assert state_snapshot.differences(before, state_snapshot.take(emu.client)) == []
