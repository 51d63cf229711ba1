"""The cloudformation role against the emulator: converge, rerun, check mode, bad input."""

from __future__ import annotations

import pytest

from emulator import launcher
from tests.conftest import Emulator, free_port, run_playbook

PLAYBOOK = "playbooks/cloudformation.yml"
STORAGE_STACK = "mlops-estate-buckets-and-iam"
WEBAPP_STACK = "mlops-estate-webapp"


def stack_names(emu: Emulator) -> set[str]:
    stacks = emu.client("cloudformation").describe_stacks()["Stacks"]
    return {s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"}


@pytest.fixture(scope="module")
def converged(emulator):
    emulator.reset()
    first = run_playbook(emulator, PLAYBOOK)
    assert first.rc == 0, first.stdout[-4000:]
    return first


def test_first_run_creates_both_stacks(converged, emulator):
    assert converged.recap["changed"] >= 1
    assert stack_names(emulator) == {STORAGE_STACK, WEBAPP_STACK}


def test_second_run_changes_nothing(converged, emulator):
    second = run_playbook(emulator, PLAYBOOK)
    assert second.rc == 0, second.stdout[-4000:]
    assert second.recap["changed"] == 0, second.stdout[-4000:]


def test_check_diff_on_converged_estate_changes_nothing(converged, emulator):
    cfn = emulator.client("cloudformation")
    before = {n: cfn.describe_stacks(StackName=n)["Stacks"][0] for n in (STORAGE_STACK, WEBAPP_STACK)}
    check = run_playbook(emulator, PLAYBOOK, "--check", "--diff")
    assert check.rc == 0, check.stdout[-4000:]
    assert check.recap["changed"] == 0, check.stdout[-4000:]
    for name, stack in before.items():
        after = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert after["StackStatus"] == stack["StackStatus"]
        assert after.get("LastUpdatedTime") == stack.get("LastUpdatedTime")
        assert cfn.list_change_sets(StackName=name)["Summaries"] == [], "check mode left a change set"


def test_check_mode_previews_a_real_change_without_applying_it(converged, emulator):
    check = run_playbook(emulator, PLAYBOOK, "--check", "--diff",
                         extra_vars={"cloudformation_webapp_parameters": {"MaxSize": "5"}})
    assert check.rc == 0, check.stdout[-4000:]
    assert check.recap["changed"] == 1, check.stdout[-4000:]
    asg = emulator.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert [g["MaxSize"] for g in asg] == [6]


@pytest.mark.parametrize(("extra_vars", "named"), [
    ({"cloudformation_public_bucket_name": "Not_A_Bucket"}, "cloudformation_public_bucket_name"),
    ({"cloudformation_private_bucket_name": "ab"}, "cloudformation_private_bucket_name"),
    ({"cloudformation_user_name": "vera smith"}, "cloudformation_user_name"),
    ({"cloudformation_role_name": None}, "cloudformation_role_name"),
    ({"cloudformation_state": "gone"}, "cloudformation_state"),
])
def test_bad_input_fails_before_any_change_naming_the_variable(clean_emulator, extra_vars, named):
    run = run_playbook(clean_emulator, PLAYBOOK, extra_vars=extra_vars)
    assert run.rc != 0
    assert named in run.stdout, run.stdout[-3000:]
    assert stack_names(clean_emulator) == set()
    assert clean_emulator.client("s3").list_buckets()["Buckets"] == []


def test_emulator_not_running_says_how_to_start_it(tmp_path):
    down = Emulator(launcher.Instance(port=free_port(), state_dir=tmp_path))
    run = run_playbook(down, PLAYBOOK)
    assert run.rc != 0
    assert "embedded AWS is not running" in run.stdout, run.stdout[-3000:]
    assert "make demo" in run.stdout
