#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: a SageMaker processing job named from its inputs, so that nothing new is not processed again."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_processing_job
short_description: Run a SageMaker processing job once per image, settings and set of input objects, and wait for it
version_added: 1.0.0
author: MLOps estate project
description:
  - Creates a SageMaker processing job (C(CreateProcessingJob)) running an image with its
    arguments and environment over S3 inputs (File mode, each prefix downloaded to its
    C(local_path)), uploads its outputs at the end, and waits for it to end.
    amazon.aws and community.aws have no SageMaker modules.
  - With I(name_prefix), the job is named C(<name_prefix>-<hash>) where the hash covers the
    image, arguments, environment, resources, outputs and every object under each input's
    prefix (key and ETag). A rerun with nothing new finds that job C(Completed) and reports
    no change without running again. With I(name), the name is taken as given.
  - An existing job still C(InProgress) is waited for. A job that ended C(Failed) or
    C(Stopped) fails the task with SageMaker's C(FailureReason).
  - Check mode calls nothing that changes anything and reports whether a job would be
    created. A diff (job name, image, inputs, outputs) is returned only in diff mode.
options:
  name:
    description: Job name (1-63 letters, digits, hyphens). Mutually exclusive with I(name_prefix).
    type: str
  name_prefix:
    description: Prefix of a name derived from the inputs (at most 50 characters; a hyphen and 12 hex follow).
    type: str
  image:
    description: Processing image URI; pin it by digest so that the hash means the same image.
    type: str
    required: true
  arguments:
    description: C(AppSpecification.ContainerArguments).
    type: list
    elements: str
    default: []
  role_arn:
    description: IAM role SageMaker assumes to read the inputs, pull the image and write the outputs and logs.
    type: str
    required: true
  inputs:
    description: S3 prefixes downloaded before the job starts.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: C(InputName).
        type: str
        required: true
      s3_uri:
        description: S3 prefix (or object) whose objects are downloaded.
        type: str
        required: true
      local_path:
        description: Where in the container (under C(/opt/ml/processing/)).
        type: str
        required: true
  outputs:
    description: Container folders uploaded to S3 when the job ends.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: C(OutputName).
        type: str
        required: true
      s3_uri:
        description: S3 prefix the folder's files go under.
        type: str
        required: true
      local_path:
        description: The folder in the container (under C(/opt/ml/processing/)).
        type: str
        required: true
  environment:
    description: Environment variables of the container.
    type: dict
    default: {}
  instance_type:
    description: Instance type.
    type: str
    default: ml.m5.large
  volume_size_gb:
    description: Storage volume.
    type: int
    default: 10
  max_runtime_seconds:
    description: C(StoppingCondition.MaxRuntimeInSeconds); past it SageMaker stops the job.
    type: int
    default: 3600
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
- name: Model quality of a day's batch predictions once its ground truth is there
  sagemaker_processing_job:
    name_prefix: eta-quality
    image: "{{ ecr_uri }}@{{ image_digest }}"
    arguments: [monitor]
    role_arn: "{{ monitoring_role_arn }}"
    inputs:
      - {name: batch-input, s3_uri: "s3://bucket/batch/day/input/", local_path: /opt/ml/processing/input/batch/input}
      - {name: batch-output, s3_uri: "s3://bucket/batch/day/output/", local_path: /opt/ml/processing/input/batch/output}
      - {name: groundtruth, s3_uri: "s3://bucket/groundtruth/day/", local_path: /opt/ml/processing/input/groundtruth}
    outputs:
      - {name: report, s3_uri: "s3://bucket/reports/day", local_path: /opt/ml/processing/resultdata}
  register: quality
"""

RETURN = r"""
processing_job_name:
  description: The job's name (from the inputs with I(name_prefix)); null in check mode when no input is there yet.
  returned: always
  type: str
processing_job_arn:
  description: The job's ARN (null in check mode before creation).
  returned: always
  type: str
status:
  description: C(Completed), C(InProgress) (I(wait=false)), or null in check mode before creation.
  returned: always
  type: str
exit_message:
  description: The container's C(/opt/ml/output/message), when it wrote one.
  returned: always
  type: str
inputs_sha256:
  description: The hash the name comes from (image, settings, input objects and ETags).
  returned: always
  type: str
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible.module_utils.sagemaker_jobs import (
    JOB_OPTIONS,
    HashedJob,
    NoData,
    check_naming,
    inputs_sha256,
    job_name,
    s3_objects,
    split_s3,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


def request(params: dict, name: str) -> dict:
    """The CreateProcessingJob request the parameters describe."""
    app = {"ImageUri": params["image"]}
    if params["arguments"]:
        app["ContainerArguments"] = list(params["arguments"])
    out = {
        "ProcessingJobName": name,
        "RoleArn": params["role_arn"],
        "AppSpecification": app,
        "ProcessingInputs": [{"InputName": i["name"], "S3Input": {
            "S3Uri": i["s3_uri"], "LocalPath": i["local_path"], "S3DataType": "S3Prefix", "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated"}} for i in params["inputs"]],
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": params["instance_type"],
                                                  "VolumeSizeInGB": params["volume_size_gb"]}},
        "StoppingCondition": {"MaxRuntimeInSeconds": params["max_runtime_seconds"]},
    }
    if params["outputs"]:
        out["ProcessingOutputConfig"] = {"Outputs": [{"OutputName": o["name"], "S3Output": {
            "S3Uri": o["s3_uri"].rstrip("/"), "LocalPath": o["local_path"], "S3UploadMode": "EndOfJob"}}
            for o in params["outputs"]]}
    if params["environment"]:
        out["Environment"] = {k: str(v) for k, v in params["environment"].items()}
    if params["tags"]:
        out["Tags"] = [{"Key": k, "Value": str(v)} for k, v in sorted(params["tags"].items())]
    return out


def validate(module: AnsibleAWSModule) -> None:
    p = module.params
    check_naming(module)
    places = [(f"inputs[{i}]", x) for i, x in enumerate(p["inputs"])] + \
             [(f"outputs[{i}]", x) for i, x in enumerate(p["outputs"])]
    for where, item in places:
        if not item["s3_uri"].startswith("s3://") or not split_s3(item["s3_uri"])[0]:
            module.fail_json(msg=f"{where}.s3_uri must be an s3://bucket/prefix URI, not {item['s3_uri']!r}")
        if not item["local_path"].startswith("/opt/ml/processing/"):
            module.fail_json(msg=f"{where}.local_path must be under /opt/ml/processing/, not {item['local_path']!r}")
    if not p["inputs"]:
        module.fail_json(msg="inputs must name at least one input")
    names = [x["name"] for _, x in places]
    if len(set(names)) != len(names):
        module.fail_json(msg=f"inputs and outputs have duplicate names: {names}")
    for field in ("volume_size_gb", "max_runtime_seconds", "wait_timeout"):
        if p[field] < 1:
            module.fail_json(msg=f"{field} must be at least 1")
    if not p["instance_type"].startswith("ml."):
        module.fail_json(msg=f"instance_type {p['instance_type']!r} is not a SageMaker instance type (ml.*)")


class Processing(HashedJob):
    KIND = "processing"
    RETRY = "change the inputs or the settings to run again"

    def result(self, job: dict | None, name: str | None = None) -> dict:
        job = job or {}
        return {"processing_job_name": job.get("ProcessingJobName", name),
                "processing_job_arn": job.get("ProcessingJobArn"), "status": job.get("ProcessingJobStatus"),
                "exit_message": job.get("ExitMessage"), "inputs_sha256": self.digest}

    def run(self) -> None:
        p = self.params
        try:
            data = {i["name"]: s3_objects(self.s3, i["s3_uri"]) for i in p["inputs"]}
        except NoData as err:
            self.no_data(err, "inputs")
        self.digest = inputs_sha256(request(p, ""), data, ("ProcessingJobName", "RoleArn", "Tags"))
        name = job_name(p, self.digest)
        self.converge(request(p, name), {
            "processing_job_name": name, "image": p["image"], "arguments": p["arguments"],
            "inputs": {i: f"{len(objects)} object(s)" for i, objects in data.items()},
            "outputs": {o["name"]: o["s3_uri"] for o in p["outputs"]}})


def main():
    location = {"name": {"type": "str", "required": True}, "s3_uri": {"type": "str", "required": True},
                "local_path": {"type": "str", "required": True}}
    module = AnsibleAWSModule(
        argument_spec={
            **JOB_OPTIONS,
            "image": {"type": "str", "required": True},
            "arguments": {"type": "list", "elements": "str", "default": []},
            "role_arn": {"type": "str", "required": True},
            "inputs": {"type": "list", "elements": "dict", "required": True, "options": location},
            "outputs": {"type": "list", "elements": "dict", "default": [], "options": location},
            "environment": {"type": "dict", "default": {}},
            "instance_type": {"type": "str", "default": "ml.m5.large"},
            "volume_size_gb": {"type": "int", "default": 10},
            "max_runtime_seconds": {"type": "int", "default": 3600},
        },
        mutually_exclusive=[("name", "name_prefix")],
        supports_check_mode=True,
    )
    validate(module)
    try:
        Processing(module).run()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"processing job {module.params['name'] or module.params['name_prefix']}")


if __name__ == "__main__":
    main()
