#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: a SageMaker batch transform job named from its inputs, so that nothing new is not scored again."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_transform_job
short_description: Run a SageMaker batch transform job once per model and set of input objects, and wait for it
version_added: 1.0.0
author: MLOps estate project
description:
  - Creates a SageMaker batch transform job (C(CreateTransformJob)) that scores every object
    under an S3 prefix with a model's container (its C(serve) contract) and writes
    C(<output_s3_uri>/<key relative to the input prefix>.out), then waits for it to end.
    amazon.aws and community.aws have no SageMaker modules.
  - With I(name_prefix), the job is named C(<name_prefix>-<hash>) where the hash covers the
    model (its name, image and artefact), every object under I(input_s3_uri) (key and ETag)
    and the settings (content type, split, strategy, payload, accept, assemble, output path,
    resources). A rerun with nothing new finds that job C(Completed) and reports no change
    without scoring again. With I(name), the name is taken as given.
  - An existing job still C(InProgress) is waited for. A job that ended C(Failed) or
    C(Stopped) fails the task with SageMaker's C(FailureReason); SageMaker never reuses a
    name, so the same inputs cannot be scored again under it.
  - Check mode calls nothing that changes anything and reports whether a job would be
    created. A diff (job name, model, input, output) is returned only in diff mode.
options:
  name:
    description: Job name (1-63 letters, digits, hyphens). Mutually exclusive with I(name_prefix).
    type: str
  name_prefix:
    description: Prefix of a name derived from the inputs (at most 50 characters; a hyphen and 12 hex follow).
    type: str
  model_name:
    description: The SageMaker model (C(CreateModel)) whose container scores the records. Exactly one of
      I(model_name) and I(endpoint_name).
    type: str
  endpoint_name:
    description: Score with the model that this endpoint's I(variant_name) serves now (C(DescribeEndpoint),
      C(DescribeEndpointConfig)), so the batch predictions are the served model's.
    type: str
  variant_name:
    description: The endpoint's production variant (with I(endpoint_name)).
    type: str
    default: AllTraffic
  input_s3_uri:
    description: S3 prefix whose objects are scored (C(S3DataType) C(S3Prefix)).
    type: str
    required: true
  output_s3_uri:
    description: S3 prefix the C(.out) objects go under.
    type: str
    required: true
  content_type:
    description: MIME type of the input records, sent as C(Content-Type).
    type: str
    default: text/csv
  accept:
    description: MIME type asked of the container (C(TransformOutput.Accept)).
    type: str
    default: text/csv
  split_type:
    description: How an object is split into records.
    type: str
    choices: [None, Line]
    default: Line
  assemble_with:
    description: How the answers of an object are put together in its C(.out).
    type: str
    choices: [None, Line]
    default: Line
  batch_strategy:
    description: One record per request, or as many as fit in I(max_payload_mb).
    type: str
    choices: [SingleRecord, MultiRecord]
    default: MultiRecord
  max_payload_mb:
    description: C(MaxPayloadInMB) of one request.
    type: int
    default: 6
  environment:
    description: Environment variables of the transform container (added to the model's).
    type: dict
    default: {}
  instance_type:
    description: Instance type of the job.
    type: str
    default: ml.m5.large
  instance_count:
    description: Number of instances.
    type: int
    default: 1
  tags:
    description: Tags of the job (set on creation).
    type: dict
    default: {}
  wait:
    description: Wait for the job to end and judge the outcome.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait; the job goes on in SageMaker after it.
    type: int
    default: 3600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Score a day of trips with the deployed model; a rerun with the same model and objects does nothing
  sagemaker_transform_job:
    name_prefix: eta-batch
    model_name: eta-model-3f2a9c1d0b7e
    input_s3_uri: s3://sagemaker-123456789012-us-east-1/monitoring/batch/2026-11-29/input/
    output_s3_uri: s3://sagemaker-123456789012-us-east-1/monitoring/batch/2026-11-29/output
    wait_timeout: 900
  register: batch

- name: Where the predictions are
  ansible.builtin.debug:
    msg: "{{ batch.output_s3_uri }} ({{ batch.transform_job_name }}, {{ batch.status }})"
"""

RETURN = r"""
model_name:
  description: The model that scored (resolved from the endpoint with I(endpoint_name)).
  returned: always
  type: str
transform_job_name:
  description: The job's name (from the inputs with I(name_prefix)); null in check mode when no input is there yet.
  returned: always
  type: str
transform_job_arn:
  description: The job's ARN (null in check mode before creation).
  returned: always
  type: str
status:
  description: C(Completed), C(InProgress) (I(wait=false)), or null in check mode before creation.
  returned: always
  type: str
output_s3_uri:
  description: Where the C(.out) objects are (C(<output_s3_uri>/<relative key>.out)).
  returned: always
  type: str
inputs_sha256:
  description: The hash the name comes from (model, input objects and ETags, settings).
  returned: always
  type: str
objects:
  description: Number of input objects scored.
  returned: always
  type: int
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible.module_utils.sagemaker_jobs import (
    JOB_OPTIONS,
    HashedJob,
    NoData,
    check_naming,
    describe_or_none,
    inputs_sha256,
    job_name,
    s3_objects,
    split_s3,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


def request(params: dict, name: str) -> dict:
    """The CreateTransformJob request the parameters describe."""
    out = {
        "TransformJobName": name,
        "ModelName": params["model_name"] or "",
        "BatchStrategy": params["batch_strategy"],
        "MaxPayloadInMB": params["max_payload_mb"],
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": params["input_s3_uri"]}},
                           "ContentType": params["content_type"], "SplitType": params["split_type"],
                           "CompressionType": "None"},
        "TransformOutput": {"S3OutputPath": params["output_s3_uri"].rstrip("/"), "Accept": params["accept"],
                            "AssembleWith": params["assemble_with"]},
        "TransformResources": {"InstanceType": params["instance_type"], "InstanceCount": params["instance_count"]},
    }
    if params["environment"]:
        out["Environment"] = {k: str(v) for k, v in params["environment"].items()}
    if params["tags"]:
        out["Tags"] = [{"Key": k, "Value": str(v)} for k, v in sorted(params["tags"].items())]
    return out


def validate(module: AnsibleAWSModule) -> None:
    p = module.params
    check_naming(module)
    for field in ("input_s3_uri", "output_s3_uri"):
        if not p[field].startswith("s3://") or not split_s3(p[field])[0]:
            module.fail_json(msg=f"{field} must be an s3://bucket/prefix URI, not {p[field]!r}")
    if bool(p["model_name"]) == bool(p["endpoint_name"]):
        module.fail_json(msg="set exactly one of model_name and endpoint_name")
    for field in ("instance_count", "max_payload_mb", "wait_timeout"):
        if p[field] < 1:
            module.fail_json(msg=f"{field} must be at least 1")
    if p["max_payload_mb"] > 100:
        module.fail_json(msg="max_payload_mb must be at most 100 (SageMaker's limit)")
    if not p["instance_type"].startswith("ml."):
        module.fail_json(msg=f"instance_type {p['instance_type']!r} is not a SageMaker instance type (ml.*)")


class Transform(HashedJob):
    KIND = "transform"
    RETRY = "fix the input or the model to score again"
    objects = 0

    def served_model(self) -> str:
        """The model name the endpoint's variant serves (endpoint_name, variant_name)."""
        p = self.params
        endpoint = describe_or_none(self.sagemaker.describe_endpoint, EndpointName=p["endpoint_name"])
        if endpoint is None:
            self.module.fail_json(msg=f"endpoint {p['endpoint_name']!r} does not exist (endpoint_name)")
        config = self.sagemaker.describe_endpoint_config(aws_retry=True,
                                                         EndpointConfigName=endpoint["EndpointConfigName"])
        for variant in config["ProductionVariants"]:
            if variant["VariantName"] == p["variant_name"]:
                return variant["ModelName"]
        self.module.fail_json(msg=f"endpoint {p['endpoint_name']} has no variant {p['variant_name']!r} "
                                  "(variant_name)")

    def model(self) -> dict:
        """What of the model decides the predictions: its image(s) and artefact(s)."""
        model = describe_or_none(self.sagemaker.describe_model, ModelName=self.params["model_name"])
        if model is None:
            self.module.fail_json(msg=f"model {self.params['model_name']!r} does not exist "
                                      f"({'endpoint_name' if self.params['endpoint_name'] else 'model_name'})")
        containers = [model["PrimaryContainer"]] if model.get("PrimaryContainer") else model.get("Containers", [])
        return {"name": model["ModelName"],
                "containers": [{"image": c.get("Image"), "model_data": c.get("ModelDataUrl")} for c in containers]}

    def result(self, job: dict | None, name: str | None = None) -> dict:
        job = job or {}
        return {"transform_job_name": job.get("TransformJobName", name), "model_name": self.params["model_name"],
                "transform_job_arn": job.get("TransformJobArn"),
                "status": job.get("TransformJobStatus"), "output_s3_uri": self.params["output_s3_uri"].rstrip("/"),
                "inputs_sha256": self.digest, "objects": self.objects}

    def run(self) -> None:
        p = self.params
        if p["endpoint_name"]:
            p["model_name"] = self.served_model()
        try:
            data = s3_objects(self.s3, p["input_s3_uri"])
        except NoData as err:
            self.no_data(err, "input_s3_uri")
        self.objects = len(data)
        self.digest = inputs_sha256(request(p, ""), {"model": self.model(), "input": data},
                                    ("TransformJobName", "Tags"))
        name = job_name(p, self.digest)
        self.converge(request(p, name), {
            "transform_job_name": name, "model_name": p["model_name"], "input_s3_uri": p["input_s3_uri"],
            "input_objects": len(data), "output_s3_uri": p["output_s3_uri"].rstrip("/")})


def main():
    module = AnsibleAWSModule(
        argument_spec={
            **JOB_OPTIONS,
            "model_name": {"type": "str"},
            "endpoint_name": {"type": "str"},
            "variant_name": {"type": "str", "default": "AllTraffic"},
            "input_s3_uri": {"type": "str", "required": True},
            "output_s3_uri": {"type": "str", "required": True},
            "content_type": {"type": "str", "default": "text/csv"},
            "accept": {"type": "str", "default": "text/csv"},
            "split_type": {"type": "str", "default": "Line", "choices": ["None", "Line"]},
            "assemble_with": {"type": "str", "default": "Line", "choices": ["None", "Line"]},
            "batch_strategy": {"type": "str", "default": "MultiRecord", "choices": ["SingleRecord", "MultiRecord"]},
            "max_payload_mb": {"type": "int", "default": 6},
            "environment": {"type": "dict", "default": {}},
            "instance_type": {"type": "str", "default": "ml.m5.large"},
            "instance_count": {"type": "int", "default": 1},
        },
        mutually_exclusive=[("name", "name_prefix"), ("model_name", "endpoint_name")],
        supports_check_mode=True,
    )
    validate(module)
    try:
        Transform(module).run()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"transform job {module.params['name'] or module.params['name_prefix']}")


if __name__ == "__main__":
    main()
