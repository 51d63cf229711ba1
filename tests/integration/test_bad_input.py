"""Bad input changes nothing: every case of tests/integration/bad_inputs.yml, per section.

Each section converges ONCE on its own emulator (terraform: cases run on an empty estate,
they must fail before Terraform starts), then every bad input of its table runs against
that estate: the run fails, a failure message names the variable to fix, and a snapshot
of every resource the project can touch (tests/state_snapshot.py) is identical before and
after. Finally `--check --diff` on the converged estate reports no change and changes
nothing. One test per section, so under xdist a section's estate is built once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from emulator import launcher
from tests import state_snapshot
from tests.conftest import PlaybookRun, run_playbook, start_emulator

pytestmark = pytest.mark.slow

TABLE = Path(__file__).with_name("bad_inputs.yml")
SECTIONS: dict = yaml.safe_load(TABLE.read_text())
# What only an unhandled failure prints: a Python traceback, an HTML error page.
UNHANDLED = re.compile(r"Traceback \(most recent call last\)|<html|<!DOCTYPE", re.I)
# A failed task's result block, and the msg inside it (default callback, yaml format).
_FAILED_BLOCK = re.compile(r"^(?:fatal|failed): \[[^\]]+\].*?(?=^TASK \[|^PLAY RECAP|\Z)", re.M | re.S)
_MSG = re.compile(r"^ {4}msg: (.*?)(?=\n(?! {5})|\Z)", re.M | re.S)  # continuation lines: 5+ spaces


def section_vars(section: str, tmp: Path, extra: dict | None = None) -> dict:
    """The vars every run of the section gets, "{tmp}" filled in, plus a case's own."""
    base = {k: v.replace("{tmp}", str(tmp)) if isinstance(v, str) else v
            for k, v in SECTIONS[section].get("vars", {}).items()}
    return {**base, **(extra or {})}


def failure_messages(run: PlaybookRun) -> str:
    """The msg of every failed task, whitespace folded (loop labels and item dumps left out)."""
    blocks = _FAILED_BLOCK.findall(run.stdout)
    return " ".join(" ".join(m.split()) for block in blocks for m in _MSG.findall(block))


def _cases(section: str) -> list[dict]:
    return SECTIONS[section]["cases"]


def test_every_section_has_at_least_five_cases():
    for section, spec in SECTIONS.items():
        assert len(spec["cases"]) >= 5, section
        assert len({c["id"] for c in spec["cases"]}) == len(spec["cases"]), f"{section}: duplicate case ids"


@pytest.mark.parametrize("section", list(SECTIONS))
def test_bad_input_fails_naming_the_variable_and_changes_nothing(section, tmp_path):
    spec = SECTIONS[section]
    emu = start_emulator(tmp_path / "emulator")
    try:
        if spec["converge"]:
            first = run_playbook(emu, spec["playbook"], extra_vars=section_vars(section, tmp_path))
            assert first.rc == 0, first.stdout[-4000:]
        baseline = state_snapshot.take(emu.client)
        problems = []
        for case in _cases(section):
            run = run_playbook(emu, spec["playbook"], extra_vars=section_vars(section, tmp_path, case["vars"]))
            after = state_snapshot.take(emu.client)
            messages = failure_messages(run)
            if run.rc == 0:
                problems.append(f"{case['id']}: succeeded")
            elif case["names"] not in messages:
                problems.append(f"{case['id']}: no failure message names {case['names']}: {messages[:600]!r}")
            if UNHANDLED.search(run.stdout + run.stderr):
                problems.append(f"{case['id']}: an unhandled error (traceback or HTML page) reached the user")
            if section == "terraform" and "Initialise Terraform" in run.stdout:
                problems.append(f"{case['id']}: Terraform ran before the input was refused")
            changed = state_snapshot.differences(baseline, after)
            if changed:
                problems.append(f"{case['id']}: the account changed: {changed}")
                baseline = after  # judge the next case on its own
        assert not problems, "\n".join(problems)

        if spec["converge"]:
            check = run_playbook(emu, spec["playbook"], "--check", "--diff", extra_vars=section_vars(section, tmp_path))
            assert (check.rc, check.recap["changed"]) == (0, 0), check.stdout[-4000:]
            assert state_snapshot.differences(baseline, state_snapshot.take(emu.client)) == []
    finally:
        launcher.stop(emu.instance)
