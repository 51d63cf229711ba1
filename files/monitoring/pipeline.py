#!/usr/bin/env python3
"""The retraining workflow on AWS as a SageMaker Pipeline (SageMaker Python SDK 2.x):
train -> evaluate -> condition -> register. The monitoring section's drift or quality alarm
starts it (EventBridge); a version the condition passes is registered Approved, and the
sagemaker section's deploy step (blue/green with rollback alarms) rolls it out. On the
embedded AWS no pipeline engine runs: roles/monitoring/tasks/retrain.yml runs the same
steps through the sagemaker role.

    python pipeline.py --role-arn ARN --image URI@sha256:... --bucket BUCKET [--upsert]

Without --upsert it prints the pipeline definition (JSON) and calls no AWS API; with it,
it creates or updates the pipeline (SageMaker UpsertPipeline). Run it with
.venv-sagemaker/bin/python (`make sdk-venv`).

Steps (the image's contract, files/model_image/eta_model):
- Train: a training job of the image on the `train` channel (TrainingData parameter);
  its artefact holds evaluation.json (held-out metrics of the model and of the baseline).
- Evaluate: a processing job of the same image takes evaluation.json out of the artefact
  (a property file the condition reads).
- Condition: MAE at most MaeThreshold (the gate's sagemaker_thresholds.mae.max) and the
  model beats its baseline.
- Register: a version of the model package group with the evaluation as its ModelMetrics,
  Approved; otherwise Fail, saying why.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")   # 2.x is chosen (files/sagemaker/sdk/README.md)
# The SDK logs where it looked for its config files on stdout; stdout is the definition.
logging.getLogger("sagemaker.config").setLevel(logging.WARNING)

NAME = "eta-retraining"
PROCESSING = "/opt/ml/processing"
# The evaluate step's code, given as the container's entrypoint: nothing to upload to S3.
EVALUATE = f"""
import json, pathlib, tarfile
with tarfile.open('{PROCESSING}/model/model.tar.gz') as tar:
    report = json.load(tar.extractfile('evaluation.json'))
out = pathlib.Path('{PROCESSING}/evaluation')
out.mkdir(parents=True, exist_ok=True)
(out / 'evaluation.json').write_text(json.dumps(report))
print(json.dumps({{'mae': report['regression_metrics']['mae']['value'], 'beats_baseline': report['beats_baseline']}}))
"""
# The image's `train` prints these (the sagemaker role's metric definitions).
METRICS = [{"Name": "validation:mae", "Regex": '"mae": ([0-9.eE+-]+)'},
           {"Name": "validation:baseline_mae", "Regex": '"baseline_mae": ([0-9.eE+-]+)'}]


def build(role_arn: str, image: str, bucket: str, session=None, name: str = NAME):
    """The Pipeline object (nothing is sent to AWS until it is upserted)."""
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput
    from sagemaker.model_metrics import MetricsSource, ModelMetrics
    from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import ConditionEquals, ConditionLessThanOrEqualTo
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.functions import Join, JsonGet
    from sagemaker.workflow.parameters import ParameterFloat, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.properties import PropertyFile
    from sagemaker.workflow.step_collections import RegisterModel
    from sagemaker.workflow.steps import ProcessingStep, TrainingStep

    training_data = ParameterString("TrainingData", default_value=f"s3://{bucket}/monitoring/fresh/")
    instance_type = ParameterString("InstanceType", default_value="ml.m5.large")
    mae_threshold = ParameterFloat("MaeThreshold", default_value=300.0)
    group = ParameterString("ModelPackageGroup", default_value="eta")

    estimator = Estimator(image_uri=image, role=role_arn, instance_count=1, instance_type=instance_type,
                          output_path=f"s3://{bucket}/models/", volume_size=10, max_run=3600,
                          hyperparameters={"max_iter": 300, "learning_rate": 0.1, "max_depth": 8},
                          metric_definitions=METRICS, sagemaker_session=session, disable_profiler=True)
    train = TrainingStep("Train", estimator=estimator,
                         inputs={"train": TrainingInput(training_data, content_type="text/csv")})

    evaluation = PropertyFile(name="Evaluation", output_name="evaluation", path="evaluation.json")
    evaluator = Processor(role=role_arn, image_uri=image, instance_count=1, instance_type=instance_type,
                          entrypoint=["/opt/venv/bin/python", "-c", EVALUATE], sagemaker_session=session)
    evaluate = ProcessingStep(
        "Evaluate", processor=evaluator, property_files=[evaluation],
        inputs=[ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts,
                                destination=f"{PROCESSING}/model")],
        outputs=[ProcessingOutput(output_name="evaluation", source=f"{PROCESSING}/evaluation",
                                  destination=f"s3://{bucket}/monitoring/evaluation/")])

    metrics = ModelMetrics(model_statistics=MetricsSource(
        content_type="application/json",
        s3_uri=Join(on="/", values=[evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri,
                                    "evaluation.json"])))
    register = RegisterModel(
        "Register", estimator=estimator, model_data=train.properties.ModelArtifacts.S3ModelArtifacts,
        content_types=["text/csv", "application/json"], response_types=["text/csv", "application/json"],
        inference_instances=["ml.m5.large"], transform_instances=["ml.m5.large"],
        model_package_group_name=group, approval_status="Approved", model_metrics=metrics)
    mae = JsonGet(step_name=evaluate.name, property_file=evaluation, json_path="regression_metrics.mae.value")
    fail = FailStep("HeldBack", error_message=Join(on=" ", values=[
        "The gate held the model back: MAE", mae, "above", mae_threshold, "or it does not beat its baseline"]))
    gate = ConditionStep(
        "Gate",
        conditions=[ConditionLessThanOrEqualTo(left=mae, right=mae_threshold),
                    ConditionEquals(left=JsonGet(step_name=evaluate.name, property_file=evaluation,
                                                 json_path="beats_baseline"), right=True)],
        if_steps=[register], else_steps=[fail])
    return Pipeline(name=name, parameters=[training_data, instance_type, mae_threshold, group],
                    steps=[train, evaluate, gate], sagemaker_session=session)


def session(region: str):
    """A pipeline session with telemetry off; boto3 finds credentials only on --upsert."""
    import boto3
    from sagemaker.workflow.pipeline_context import PipelineSession

    config = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
    return PipelineSession(boto_session=boto3.Session(region_name=region), sagemaker_config=config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--role-arn", required=True)
    parser.add_argument("--image", required=True, help="the model image, pinned by digest")
    parser.add_argument("--bucket", required=True, help="the sagemaker section's bucket")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--name", default=NAME)
    parser.add_argument("--upsert", action="store_true", help="create or update the pipeline in SageMaker")
    args = parser.parse_args(argv)
    if "@sha256:" not in args.image:
        parser.error("--image must be pinned by digest (REPO@sha256:...)")
    pipeline = build(args.role_arn, args.image, args.bucket, session(args.region), args.name)
    if args.upsert:
        print(json.dumps(pipeline.upsert(role_arn=args.role_arn)))
    else:
        print(pipeline.definition())
    return 0


if __name__ == "__main__":
    sys.exit(main())
