"""files/monitoring/pipeline.py, the retraining workflow for AWS as a SageMaker Pipeline,
built with the SageMaker Python SDK (.venv-sagemaker, `make sdk-venv`) as far as the SDK
goes offline: `pipeline.definition()` gives the JSON SageMaker would run, asserted on its
steps. No pipeline engine runs here (the emulator has none), so the steps' execution is
what roles/monitoring/tasks/retrain.yml does through the sagemaker role. Every run goes
through the SDK test's recording proxy: nothing may leave the machine."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import PROJECT_DIR
from tests.integration.test_sagemaker_sdk import SDK_PYTHON, outside  # noqa: F401 (fixture)

PIPELINE = PROJECT_DIR / "files" / "monitoring" / "pipeline.py"
ROLE = "arn:aws:iam::123456789012:role/eta-sagemaker-execution"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/eta-model@sha256:" + "ab" * 32
BUCKET = "sagemaker-123456789012-us-east-1"


@pytest.fixture
def run(outside, tmp_path):  # noqa: F811 (fixture)
    if not SDK_PYTHON.exists():
        pytest.fail(f"{SDK_PYTHON} is missing: build the SDK's virtualenv with `make sdk-venv`")
    outside.seen.clear()
    proxy = f"http://127.0.0.1:{outside.server_address[1]}"
    # No endpoint, fake credentials, no ~/.aws: a call to AWS would have to go through the proxy.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy,
           "NO_PROXY": "127.0.0.1,localhost", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1"}
    return lambda *args: subprocess.run([str(SDK_PYTHON), str(PIPELINE), *args], env=env, capture_output=True,
                                        text=True, timeout=300, check=False)


def test_definition_is_train_evaluate_condition_register(run, outside):  # noqa: F811 (fixture)
    done = run("--role-arn", ROLE, "--image", IMAGE, "--bucket", BUCKET)
    assert done.returncode == 0, done.stderr[-3000:]
    definition = json.loads(done.stdout)
    assert outside.seen == []   # built offline: nothing went to AWS
    assert [p["Name"] for p in definition["Parameters"]] == ["TrainingData", "InstanceType", "MaeThreshold",
                                                             "ModelPackageGroup"]
    train, evaluate, gate = definition["Steps"]
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        ("Train", "Training"), ("Evaluate", "Processing"), ("Gate", "Condition")]

    args = train["Arguments"]
    assert args["AlgorithmSpecification"]["TrainingImage"] == IMAGE and args["RoleArn"] == ROLE
    [channel] = args["InputDataConfig"]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == {"Get": "Parameters.TrainingData"}
    assert {m["Name"] for m in args["AlgorithmSpecification"]["MetricDefinitions"]} == {
        "validation:mae", "validation:baseline_mae"}

    args = evaluate["Arguments"]
    assert args["AppSpecification"]["ImageUri"] == IMAGE
    assert args["AppSpecification"]["ContainerEntrypoint"][:2] == ["/opt/venv/bin/python", "-c"]
    [model] = args["ProcessingInputs"]
    assert model["S3Input"]["S3Uri"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    assert evaluate["PropertyFiles"] == [{"PropertyFileName": "Evaluation", "OutputName": "evaluation",
                                          "FilePath": "evaluation.json"}]

    conditions = gate["Arguments"]["Conditions"]
    assert [c["Type"] for c in conditions] == ["LessThanOrEqualTo", "Equals"]
    assert conditions[0]["LeftValue"]["Std:JsonGet"]["Path"] == "regression_metrics.mae.value"
    assert conditions[0]["RightValue"] == {"Get": "Parameters.MaeThreshold"}
    assert (conditions[1]["LeftValue"]["Std:JsonGet"]["Path"], conditions[1]["RightValue"]) == ("beats_baseline", True)
    [register] = gate["Arguments"]["IfSteps"]
    [held] = gate["Arguments"]["ElseSteps"]
    assert register["Type"] == "RegisterModel" and held["Type"] == "Fail"
    registered = register["Arguments"]
    assert registered["ModelApprovalStatus"] == "Approved"
    assert registered["ModelPackageGroupName"] == {"Get": "Parameters.ModelPackageGroup"}
    [container] = registered["InferenceSpecification"]["Containers"]
    assert container["Image"] == IMAGE
    assert container["ModelDataUrl"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    assert registered["ModelMetrics"]["ModelQuality"]["Statistics"]["ContentType"] == "application/json"


def test_an_image_by_tag_is_refused(run, outside):  # noqa: F811 (fixture)
    done = run("--role-arn", ROLE, "--image", "eta-model:latest", "--bucket", BUCKET)
    assert done.returncode == 2 and "--image must be pinned by digest" in done.stderr
    assert outside.seen == []


def test_the_evaluate_step_takes_the_evaluation_out_of_the_artefact(tmp_path, capsys):
    """The Evaluate step's code (its container entrypoint), run on the host on an artefact
    shaped as the image's `train` writes it (the SDK is not needed to import the module)."""
    import importlib.util
    import io
    import tarfile

    spec = importlib.util.spec_from_file_location("pipeline", PIPELINE)
    pipeline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pipeline)
    report = {"regression_metrics": {"mae": {"value": 212.5}}, "beats_baseline": True}
    (tmp_path / "model").mkdir()
    with tarfile.open(tmp_path / "model" / "model.tar.gz", "w:gz") as tar:
        for name, data in (("model.npz", b"x"), ("evaluation.json", json.dumps(report).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    exec(pipeline.EVALUATE.replace(pipeline.PROCESSING, str(tmp_path)), {})  # noqa: S102 (the step's own code)
    assert json.loads((tmp_path / "evaluation" / "evaluation.json").read_text()) == report
    assert json.loads(capsys.readouterr().out) == {"mae": 212.5, "beats_baseline": True}
