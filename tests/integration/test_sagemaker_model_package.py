"""library/sagemaker_model_package.py: the approval gate, against the emulator's model
registry with real artefacts (their evaluation reports) from real training jobs; the
approved version is then deployed with library/sagemaker_endpoint.py."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.conftest import run_module
from tests.sagemaker_fixtures import (
    ROLE_ARN,
    connect_runtime,
    feature_csv,  # noqa: F401 (fixture)
    new_bucket,
    predict,
    read_model_tar,
    trained_models,  # noqa: F401 (fixture)
)

LOOSE = {"thresholds": {"mae": {"max": 100000}}, "require_beats_baseline": False}


@pytest.fixture
def aws(emulator, docker_engine, trained_models):  # noqa: F811 (fixtures)
    """A clean emulator; artefacts "a" (the better model) and "b" (the weaker) in S3."""
    emulator.reset()
    connect_runtime(emulator, docker_engine)
    bucket = new_bucket(emulator)
    uris, mae = {}, {}
    for name in ("a", "b"):
        emulator.client("s3").put_object(Bucket=bucket, Key=f"{name}/output/model.tar.gz", Body=trained_models[name])
        uris[name] = f"s3://{bucket}/{name}/output/model.tar.gz"
        report = json.loads(read_model_tar(trained_models[name])["evaluation.json"])
        mae[name] = report["regression_metrics"]["mae"]["value"]
    assert mae["a"] < mae["b"], mae  # the premise of these tests: a is the better model
    return emulator, uris, mae


def register(emu, image: str, artefact: str, group: str, *flags: str, **params) -> dict:
    result, _ = run_module(emu, "sagemaker_model_package",
                           {"group": group, "image": image, "model_data_url": artefact, **params}, *flags)
    assert result.get("failed") is not True, (result.get("msg"), result.get("module_stderr"))
    return result


def test_a_better_model_is_approved_and_deployed(aws, model_image):
    emu, uris, mae = aws
    group = f"eta-{secrets.token_hex(3)}"
    first = register(emu, model_image, uris["b"], group, **LOOSE)
    assert first["changed"] is True and first["approval_status"] == "Approved" and first["version"] == 1
    assert first["approved"]["model_data_url"] == uris["b"]

    better = register(emu, model_image, uris["a"], group, **LOOSE)
    assert better["approval_status"] == "Approved" and better["version"] == 2 and better["reasons"] == []
    assert better["metrics"]["mae"] == pytest.approx(mae["a"])
    assert better["approved"]["arn"] == better["model_package_arn"]
    again = register(emu, model_image, uris["a"], group, **LOOSE)
    assert again["changed"] is False and again["version"] == 2

    package = emu.client("sagemaker").describe_model_package(ModelPackageName=better["model_package_arn"])
    assert package["InferenceSpecification"]["Containers"][0]["Image"] == model_image
    report_uri = package["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    assert report_uri == uris["a"].replace("model.tar.gz", "evaluation.json")

    # The newest approved version is what the rollout serves.
    approved = better["approved"]
    deployed, _ = run_module(emu, "sagemaker_endpoint", {"name": "eta", "model": {
        "image": approved["image"], "model_data_url": approved["model_data_url"], "execution_role_arn": ROLE_ARN,
        "environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}}})
    assert deployed.get("failed") is not True and deployed["endpoint_status"] == "InService", deployed
    assert 60 < predict(emu, "eta") < 7200


def test_a_worse_model_stays_pending_until_a_person_approves_it(aws, model_image):
    emu, uris, _ = aws
    group = f"eta-{secrets.token_hex(3)}"
    register(emu, model_image, uris["a"], group, **LOOSE)
    worse = register(emu, model_image, uris["b"], group, **LOOSE)
    assert worse["changed"] is True and worse["approval_status"] == "PendingManualApproval"
    assert any("does not beat the approved version 1" in r for r in worse["reasons"]), worse["reasons"]
    assert worse["approved"]["model_data_url"] == uris["a"]  # the deployment keeps serving a
    rerun = register(emu, model_image, uris["b"], group, **LOOSE)
    assert rerun["changed"] is False and rerun["reasons"] == worse["reasons"]

    emu.client("sagemaker").update_model_package(ModelPackageArn=worse["model_package_arn"],
                                                 ModelApprovalStatus="Approved")
    after = register(emu, model_image, uris["b"], group, **LOOSE)
    assert after["changed"] is False and after["approval_status"] == "Approved"
    assert after["approved"]["model_data_url"] == uris["b"]  # the next run deploys what the person approved


def test_thresholds_and_check_mode(aws, model_image):
    emu, uris, _ = aws
    group = f"eta-{secrets.token_hex(3)}"
    checked = register(emu, model_image, uris["a"], group, "--check", "--diff", **LOOSE)
    assert checked["changed"] is True and checked["model_package_arn"] is None
    assert "diff" in checked
    assert emu.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"] == []

    strict = register(emu, model_image, uris["a"], group, thresholds={"mae": {"max": 1}, "r2": {"min": 0.99999}})
    assert strict["approval_status"] == "PendingManualApproval"
    assert any(r.startswith("mae ") and "above the threshold 1" in r for r in strict["reasons"]), strict["reasons"]
    assert strict["approved"] is None

    bad, _ = run_module(emu, "sagemaker_model_package", {"group": group, "image": model_image,
                                                         "model_data_url": uris["a"], "thresholds": {"mae": 3}})
    assert bad["failed"] is True and "thresholds.mae" in bad["msg"]
