#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: a SageMaker training job named from its inputs, so that nothing new means no new training."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_training_job
short_description: Run a SageMaker training job once per distinct set of inputs and wait for its result
version_added: 1.0.0
author: MLOps estate project
description:
  - Creates a SageMaker training job (C(CreateTrainingJob)) with a custom image and S3
    channels, waits for it to end and returns the model artefact's S3 URI and the final
    metrics. amazon.aws and community.aws have no SageMaker modules.
  - With I(name_prefix), the job is named C(<name_prefix>-<hash>) where the hash covers
    the image (pin it by digest), every object under each channel's S3 prefix (key and
    ETag, so new or changed data is a new job), the hyperparameters, the resources and the
    output path. A rerun with nothing new finds that job C(Completed) and reports no
    change without training again. With I(name), the name is taken as given.
  - An existing job still C(InProgress) is waited for. A job that ended C(Failed) or
    C(Stopped) fails the task with SageMaker's C(FailureReason); SageMaker never reuses a
    name, so the same inputs cannot train again - change the data or the hyperparameters.
  - Check mode calls nothing that changes anything and reports whether a job would be
    created. A diff (job name, image, channels, hyperparameters) is returned only in diff mode.
options:
  name:
    description: Job name (1-63 letters, digits, hyphens). Mutually exclusive with I(name_prefix).
    type: str
  name_prefix:
    description: Prefix of a name derived from the inputs (at most 50 characters; a hyphen and 12 hex follow).
    type: str
  image:
    description: Training image URI; pin it by digest (C(repo@sha256:...)) so that the hash means the same image.
    type: str
    required: true
  role_arn:
    description: IAM role SageMaker assumes to read the channels, pull the image and write the artefact and logs.
    type: str
    required: true
  channels:
    description: Input channels (File mode, S3 prefixes); each appears as C(/opt/ml/input/data/<name>).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Channel name.
        type: str
        required: true
      s3_uri:
        description: S3 prefix whose objects form the channel.
        type: str
        required: true
      content_type:
        description: MIME type of the channel's data.
        type: str
        default: text/csv
  output_s3_uri:
    description: S3 prefix the artefact goes under (C(<output_s3_uri>/<job>/output/model.tar.gz)).
    type: str
    required: true
  hyperparameters:
    description: Hyperparameters (SageMaker passes every value to the image as a string).
    type: dict
    default: {}
  metric_definitions:
    description: Regexes over the job's log that give C(FinalMetricDataList) (first group = value).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Metric name.
        type: str
        required: true
      regex:
        description: Regular expression; its first group is the value.
        type: str
        required: true
  environment:
    description: Environment variables of the training container.
    type: dict
    default: {}
  instance_type:
    description: Training instance type.
    type: str
    default: ml.m5.large
  instance_count:
    description: Number of instances.
    type: int
    default: 1
  volume_size_gb:
    description: Storage volume per instance.
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
- name: Train on the feature set; a rerun with the same image, data and hyperparameters does nothing
  sagemaker_training_job:
    name_prefix: eta-train
    image: "{{ ecr_uri }}@{{ image_digest }}"
    role_arn: "{{ execution_role_arn }}"
    channels:
      - name: train
        s3_uri: s3://lambda-data-123456789012-us-east-1/processed/
    output_s3_uri: s3://sagemaker-123456789012-us-east-1/models
    hyperparameters:
      max_iter: 300
      learning_rate: 0.1
    metric_definitions:
      - name: validation:mae
        regex: '"mae": ([0-9.eE+-]+)'
  register: job

- name: Use the artefact
  ansible.builtin.debug:
    msg: "{{ job.model_artifact }} (MAE {{ job.final_metrics['validation:mae'] }})"
"""

RETURN = r"""
training_job_name:
  description: The job's name (from the inputs with I(name_prefix)); null in check mode when no data is there yet.
  returned: always
  type: str
training_job_arn:
  description: The job's ARN (null in check mode before creation).
  returned: always
  type: str
status:
  description: C(Completed), C(InProgress) (I(wait=false)), or null in check mode before creation.
  returned: always
  type: str
model_artifact:
  description: S3 URI of C(model.tar.gz).
  returned: always
  type: str
final_metrics:
  description: C(FinalMetricDataList) as name to value.
  returned: always
  type: dict
inputs_sha256:
  description: The hash the name comes from (image, channel objects and ETags, hyperparameters, resources, output).
  returned: always
  type: str
training_seconds:
  description: C(TrainingTimeInSeconds) of the job.
  returned: when the job ended
  type: int
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible.module_utils.sagemaker_jobs import (
    ENDED,
    JOB_OPTIONS,
    HashedJob,
    NoData,
    check_naming,
    job_name,
    s3_objects,
    split_s3,
)
from ansible.module_utils.sagemaker_jobs import inputs_sha256 as request_sha256
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


def request(params: dict, name: str) -> dict:
    """The CreateTrainingJob request the parameters describe."""
    algorithm = {"TrainingImage": params["image"], "TrainingInputMode": "File"}
    if params["metric_definitions"]:
        algorithm["MetricDefinitions"] = [{"Name": m["name"], "Regex": m["regex"]}
                                          for m in params["metric_definitions"]]
    out = {
        "TrainingJobName": name,
        "AlgorithmSpecification": algorithm,
        "RoleArn": params["role_arn"],
        "HyperParameters": {k: str(v) for k, v in sorted(params["hyperparameters"].items())},
        "InputDataConfig": [{"ChannelName": c["name"], "ContentType": c["content_type"], "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": c["s3_uri"],
                             "S3DataDistributionType": "FullyReplicated"}}} for c in params["channels"]],
        "OutputDataConfig": {"S3OutputPath": params["output_s3_uri"].rstrip("/")},
        "ResourceConfig": {"InstanceType": params["instance_type"], "InstanceCount": params["instance_count"],
                           "VolumeSizeInGB": params["volume_size_gb"]},
        "StoppingCondition": {"MaxRuntimeInSeconds": params["max_runtime_seconds"]},
    }
    if params["environment"]:
        out["Environment"] = {k: str(v) for k, v in params["environment"].items()}
    if params["tags"]:
        out["Tags"] = [{"Key": k, "Value": str(v)} for k, v in sorted(params["tags"].items())]
    return out


def inputs_sha256(params: dict, data: dict) -> str:
    """What makes a run a new training: everything the job reads, and how it is asked to train."""
    return request_sha256(request(params, ""), data, ("TrainingJobName", "RoleArn", "Tags"))


def validate(module: AnsibleAWSModule) -> None:
    p = module.params
    check_naming(module)
    uris = [("output_s3_uri", p["output_s3_uri"])] + [(f"channels[{i}].s3_uri", c["s3_uri"])
                                                      for i, c in enumerate(p["channels"])]
    for where, uri in uris:
        if not uri.startswith("s3://") or not split_s3(uri)[0]:
            module.fail_json(msg=f"{where} must be an s3://bucket/prefix URI, not {uri!r}")
    if not p["channels"]:
        module.fail_json(msg="channels must name at least one channel")
    names = [c["name"] for c in p["channels"]]
    if len(set(names)) != len(names):
        module.fail_json(msg=f"channels have duplicate names: {names}")
    for field, low in (("instance_count", 1), ("volume_size_gb", 1), ("max_runtime_seconds", 1)):
        if p[field] < low:
            module.fail_json(msg=f"{field} must be at least {low}")
    if not p["instance_type"].startswith("ml."):
        module.fail_json(msg=f"instance_type {p['instance_type']!r} is not a SageMaker instance type (ml.*)")


class Training(HashedJob):
    KIND = "training"
    RETRY = "change the data or the hyperparameters to train again"

    def result(self, job: dict | None, name: str | None = None) -> dict:
        job = job or {}
        out = {"training_job_name": job.get("TrainingJobName", name), "training_job_arn": job.get("TrainingJobArn"),
               "status": job.get("TrainingJobStatus"),
               "model_artifact": (job.get("ModelArtifacts") or {}).get("S3ModelArtifacts"),
               "final_metrics": {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList") or []},
               "inputs_sha256": self.digest}
        if job.get("TrainingJobStatus") in ENDED:
            out["training_seconds"] = job.get("TrainingTimeInSeconds")
        return out

    def run(self) -> None:
        p = self.params
        try:
            data = {c["name"]: s3_objects(self.s3, c["s3_uri"]) for c in p["channels"]}
        except NoData as err:
            self.no_data(err, "channels")
        self.digest = inputs_sha256(p, data)
        spec = request(p, job_name(p, self.digest))
        self.converge(spec, {"training_job_name": spec["TrainingJobName"], "image": p["image"],
                             "hyperparameters": spec["HyperParameters"],
                             "channels": {c: f"{len(objects)} object(s)" for c, objects in data.items()}})


def main():
    module = AnsibleAWSModule(
        argument_spec={
            **JOB_OPTIONS,
            "image": {"type": "str", "required": True},
            "role_arn": {"type": "str", "required": True},
            "channels": {"type": "list", "elements": "dict", "required": True, "options": {
                "name": {"type": "str", "required": True},
                "s3_uri": {"type": "str", "required": True},
                "content_type": {"type": "str", "default": "text/csv"}}},
            "output_s3_uri": {"type": "str", "required": True},
            "hyperparameters": {"type": "dict", "default": {}},
            "metric_definitions": {"type": "list", "elements": "dict", "default": [], "options": {
                "name": {"type": "str", "required": True},
                "regex": {"type": "str", "required": True}}},
            "environment": {"type": "dict", "default": {}},
            "instance_type": {"type": "str", "default": "ml.m5.large"},
            "instance_count": {"type": "int", "default": 1},
            "volume_size_gb": {"type": "int", "default": 10},
            "max_runtime_seconds": {"type": "int", "default": 3600},
        },
        mutually_exclusive=[("name", "name_prefix")],
        supports_check_mode=True,
    )
    validate(module)
    try:
        Training(module).run()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"training job {module.params['name'] or module.params['name_prefix']}")


if __name__ == "__main__":
    main()
