"""library/sagemaker_autoscaling.py against the emulator's Application Auto Scaling (the
record of the scalable target and the policy; nothing scales here, see docs/sagemaker.md):
the module contract (check mode, diff only in diff mode, idempotence), a changed target,
removal, and bad input."""

from __future__ import annotations

from tests.conftest import run_module
from tests.integration.test_custom_modules import assert_contract

RESOURCE = "endpoint/eta/variant/AllTraffic"
WHERE = {"ServiceNamespace": "sagemaker", "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}


def state(emu) -> tuple[list, list]:
    client = emu.client("application-autoscaling")
    return (client.describe_scalable_targets(ResourceIds=[RESOURCE], **WHERE)["ScalableTargets"],
            client.describe_scaling_policies(ResourceId=RESOURCE, **WHERE)["ScalingPolicies"])


def test_target_tracking_on_invocations_per_instance(clean_emulator):
    emu = clean_emulator

    def run(params, *flags):
        result, _ = run_module(emu, "sagemaker_autoscaling", {"endpoint_name": "eta", **params}, *flags)
        assert result.get("failed") is not True, result.get("msg")
        return result

    wanted = {"min_capacity": 1, "max_capacity": 3, "target_invocations_per_instance": 70}
    assert_contract(run, wanted, lambda: state(emu) != ([], []))
    [target], [policy] = state(emu)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 3)
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert policy["PolicyType"] == "TargetTrackingScaling" and config["TargetValue"] == 70
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance"

    # A new target value changes only the policy; the diff says what.
    moved = run({**wanted, "target_invocations_per_instance": 120}, "--diff")
    assert moved["changed"] is True
    assert moved["diff"]["before"]["policy"]["TargetValue"] == 70
    assert moved["diff"]["after"]["policy"]["TargetValue"] == 120
    assert state(emu)[1][0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 120

    assert run({"state": "absent"}, "--check")["changed"] is True and state(emu) != ([], [])
    assert run({"state": "absent"})["changed"] is True and state(emu) == ([], [])
    assert run({"state": "absent"})["changed"] is False


def test_bad_bounds_fail_before_any_call(clean_emulator):
    emu = clean_emulator
    for params, word in (({"min_capacity": 3, "max_capacity": 2}, "min_capacity"),
                         ({"min_capacity": 0}, "min_capacity"),
                         ({"target_invocations_per_instance": 0}, "target_invocations_per_instance")):
        result, _ = run_module(emu, "sagemaker_autoscaling", {"endpoint_name": "eta", **params})
        assert result["failed"] is True and word in result["msg"], result
    assert state(emu) == ([], [])
