#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: a SageMaker real-time endpoint as one desired state (model + configuration + endpoint)."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_endpoint
short_description: Roll out a SageMaker real-time endpoint (model, endpoint configuration, endpoint) safely
version_added: 1.0.0
author: MLOps estate project
description:
  - Owns three SageMaker resources as one desired state - the model (image, artefact,
    environment, execution role), the endpoint configuration (variant, instance type and
    count, data capture) and the endpoint. amazon.aws and community.aws have no SageMaker
    modules.
  - The model and the configuration are named from a hash of their content
    (C(<name>-m-<hash>), C(<name>-c-<hash>)), so an unchanged desired state finds the
    endpoint already on its configuration and reports no change, and a changed one makes
    new resources instead of mutating those in service.
  - A new endpoint is created; an existing one is updated with C(UpdateEndpoint) as a
    blue/green deployment (I(deployment)) - all at once, canary or linear traffic
    shifting, with automatic rollback on CloudWatch alarms.
  - Waits (up to I(wait_timeout)) for the endpoint to be C(InService). A failed creation
    fails the task with SageMaker's C(FailureReason). A failed or rolled-back update fails
    the task with the reason while the old configuration keeps serving; the resources the
    failed update made are removed.
  - After a successful update it deletes the configuration and models it superseded (only
    those named by this module; resources named by hand are never deleted).
  - An endpoint in C(Failed) state (a creation that failed) is deleted and created again.
  - Check mode calls nothing that changes anything and reports what would change. A diff
    (model, variant, data capture, configuration name) is returned only in diff mode.
options:
  name:
    description: Endpoint name (also the prefix of the model and configuration names).
    type: str
    required: true
  state:
    description: C(absent) deletes the endpoint and the configuration and models this module made for it.
    type: str
    choices: [present, absent]
    default: present
  model:
    description: The model (required when I(state=present)).
    type: dict
    suboptions:
      image:
        description: Inference image URI; pin it by digest (C(repo@sha256:...)) for a reproducible rollout.
        type: str
        required: true
      model_data_url:
        description: S3 URI of the C(model.tar.gz) artefact.
        type: str
      environment:
        description: Environment variables of the container.
        type: dict
        default: {}
      execution_role_arn:
        description: IAM role SageMaker assumes to pull the image and read the artefact.
        type: str
        required: true
  variant:
    description: The production variant.
    type: dict
    default: {}
    suboptions:
      name:
        description: Variant name.
        type: str
        default: AllTraffic
      instance_type:
        description: Instance type.
        type: str
        default: ml.m5.large
      instance_count:
        description: Initial instance count.
        type: int
        default: 1
  data_capture:
    description:
      - Capture requests and responses to S3 (the input of model monitoring). Omit to disable.
    type: dict
    suboptions:
      destination_s3_uri:
        description: S3 prefix the captured records go to.
        type: str
        required: true
      sampling_percentage:
        description: Percentage of requests captured.
        type: int
        default: 100
      capture_modes:
        description: What to capture.
        type: list
        elements: str
        choices: [Input, Output]
        default: [Input, Output]
      kms_key_id:
        description: KMS key that encrypts the captured data.
        type: str
  deployment:
    description: How an update shifts traffic (C(DeploymentConfig) of C(UpdateEndpoint)); ignored on creation.
    type: dict
    default: {}
    suboptions:
      type:
        description: Traffic shifting.
        type: str
        choices: [ALL_AT_ONCE, CANARY, LINEAR]
        default: ALL_AT_ONCE
      step_percent:
        description: Canary size (C(CANARY)) or step size (C(LINEAR)), in percent of the capacity.
        type: int
        default: 10
      wait_interval_seconds:
        description: Seconds between traffic shifting steps (C(CANARY) and C(LINEAR)).
        type: int
        default: 300
      termination_wait_seconds:
        description: Seconds the old fleet stays up after all traffic moved (alarms still watched).
        type: int
        default: 0
      maximum_execution_timeout_seconds:
        description: Upper bound of the whole deployment.
        type: int
        default: 1800
      rollback_alarms:
        description: CloudWatch alarm names; one in ALARM during the deployment rolls it back.
        type: list
        elements: str
        default: []
  tags:
    description: Tags of the endpoint, configuration and model (set on creation).
    type: dict
    default: {}
  wait:
    description: Wait for the endpoint to leave C(Creating)/C(Updating) and judge the outcome.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Serve the approved model, canary first, rolled back on 5xx or latency alarms
  sagemaker_endpoint:
    name: eta
    model:
      image: "{{ ecr_uri }}@{{ image_digest }}"
      model_data_url: s3://models-bucket/eta/train-42/output/model.tar.gz
      execution_role_arn: "{{ sagemaker_role_arn }}"
    variant:
      instance_type: ml.m5.large
      instance_count: 2
    data_capture:
      destination_s3_uri: s3://capture-bucket/eta/
    deployment:
      type: CANARY
      step_percent: 10
      wait_interval_seconds: 600
      rollback_alarms: [eta-5xx, eta-latency]
  register: rollout

- name: Remove the endpoint and what this module made for it
  sagemaker_endpoint:
    name: eta
    state: absent
"""

RETURN = r"""
endpoint_name:
  description: The endpoint's name.
  returned: always
  type: str
endpoint_arn:
  description: The endpoint's ARN (null when absent, or in check mode before creation).
  returned: always
  type: str
endpoint_status:
  description: C(InService), C(Creating) or C(Updating) (I(wait=false)), or null when absent.
  returned: always
  type: str
endpoint_config_name:
  description: The configuration the desired state names (the one serving after success).
  returned: always
  type: str
  sample: eta-c-3f9a0c12d4
model_name:
  description: The model the desired state names.
  returned: always
  type: str
  sample: eta-m-8b1e27aa90
deleted:
  description: Superseded (or, with I(state=absent), owned) configurations and models deleted in this run.
  returned: always
  type: list
  elements: str
failure_reason:
  description: SageMaker's FailureReason of the last deployment, when it has one.
  returned: always
  type: str
rolled_back:
  description: Whether the update was rolled back (the task then fails; the old configuration serves).
  returned: always
  type: bool
"""

import contextlib
import hashlib
import json
import time

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_message
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

IN_PROGRESS = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting")
NAME_LIMIT = 63


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:10]


def owned_name(endpoint: str, kind: str, content) -> str:
    return f"{endpoint[:NAME_LIMIT - 13]}-{kind}-{digest(content)}"


def is_owned(endpoint: str, kind: str, name: str) -> bool:
    prefix = f"{endpoint[:NAME_LIMIT - 13]}-{kind}-"
    return name.startswith(prefix) and len(name) == len(prefix) + 10


def desired_state(params: dict) -> tuple[dict, dict]:
    """The CreateModel and CreateEndpointConfig requests the parameters describe."""
    name, model, variant = params["name"], params["model"], params["variant"]
    container = {"Image": model["image"], "Environment": model["environment"] or {}}
    if model.get("model_data_url"):
        container["ModelDataUrl"] = model["model_data_url"]
    model_request = {"PrimaryContainer": container, "ExecutionRoleArn": model["execution_role_arn"]}
    model_request["ModelName"] = owned_name(name, "m", model_request)
    config_request = {"ProductionVariants": [{
        "VariantName": variant["name"], "ModelName": model_request["ModelName"],
        "InstanceType": variant["instance_type"], "InitialInstanceCount": variant["instance_count"],
        "InitialVariantWeight": 1.0}]}
    capture = params.get("data_capture")
    if capture:
        config_request["DataCaptureConfig"] = {
            "EnableCapture": True, "InitialSamplingPercentage": capture["sampling_percentage"],
            "DestinationS3Uri": capture["destination_s3_uri"],
            "CaptureOptions": [{"CaptureMode": mode} for mode in capture["capture_modes"]]}
        if capture.get("kms_key_id"):
            config_request["DataCaptureConfig"]["KmsKeyId"] = capture["kms_key_id"]
    config_request["EndpointConfigName"] = owned_name(name, "c", config_request)
    return model_request, config_request


def deployment_config(spec: dict) -> dict:
    kind = spec["type"]
    routing = {"Type": kind}
    if kind in ("CANARY", "LINEAR"):
        size = {"Type": "CAPACITY_PERCENT", "Value": spec["step_percent"]}
        routing["CanarySize" if kind == "CANARY" else "LinearStepSize"] = size
        routing["WaitIntervalInSeconds"] = spec["wait_interval_seconds"]
    config = {"BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": spec["termination_wait_seconds"],
        "MaximumExecutionTimeoutInSeconds": spec["maximum_execution_timeout_seconds"]}}
    if spec["rollback_alarms"]:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": a} for a in spec["rollback_alarms"]]}
    return config


class Rollout:
    def __init__(self, module: AnsibleAWSModule) -> None:
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.client = module.client("sagemaker", retry_decorator=AWSRetry.jittered_backoff())
        self.deleted: list[str] = []

    # --- reading -------------------------------------------------------------------------
    def _describe(self, call, **kwargs) -> dict | None:
        try:
            return call(aws_retry=True, **kwargs)
        except is_boto3_error_message("Could not find"):
            return None

    def endpoint(self) -> dict | None:
        return self._describe(self.client.describe_endpoint, EndpointName=self.name)

    def config(self, name: str) -> dict | None:
        return self._describe(self.client.describe_endpoint_config, EndpointConfigName=name)

    def model(self, name: str) -> dict | None:
        return self._describe(self.client.describe_model, ModelName=name)

    def summary(self, config_name: str | None) -> dict:
        """What a configuration deploys, in the terms of this module's parameters (for the diff)."""
        config = self.config(config_name) if config_name else None
        if not config:
            return {}
        variant = config["ProductionVariants"][0]
        model = self.model(variant["ModelName"]) or {}
        container = model.get("PrimaryContainer", {})
        capture = config.get("DataCaptureConfig") or {}
        return {"endpoint_config_name": config_name, "model_name": variant["ModelName"],
                "image": container.get("Image"), "model_data_url": container.get("ModelDataUrl"),
                "environment": container.get("Environment", {}),
                "variant": {"name": variant["VariantName"], "instance_type": variant.get("InstanceType"),
                            "instance_count": variant.get("InitialInstanceCount")},
                "data_capture": capture.get("DestinationS3Uri") if capture.get("EnableCapture") else None}

    def wait(self) -> dict:
        deadline = time.monotonic() + self.params["wait_timeout"]
        while True:
            endpoint = self.endpoint()
            if endpoint is None or endpoint["EndpointStatus"] not in IN_PROGRESS:
                return endpoint
            if time.monotonic() > deadline:
                self.module.fail_json(msg=f"endpoint {self.name} is still {endpoint['EndpointStatus']} after "
                                          f"{self.params['wait_timeout']}s (wait_timeout); it goes on in SageMaker",
                                      **self.result(endpoint))
            time.sleep(2)

    # --- changing ------------------------------------------------------------------------
    def ensure(self, model_request: dict, config_request: dict) -> None:
        tags = [{"Key": k, "Value": str(v)} for k, v in sorted(self.params["tags"].items())]
        if not self.model(model_request["ModelName"]):
            self.client.create_model(aws_retry=True, Tags=tags, **model_request)
        if not self.config(config_request["EndpointConfigName"]):
            self.client.create_endpoint_config(aws_retry=True, Tags=tags, **config_request)

    def delete_owned(self, config_name: str | None, keep_models: set[str] = frozenset()) -> None:
        """Delete a configuration this module made, and its models, unless still wanted."""
        if not config_name or not is_owned(self.name, "c", config_name):
            return
        config = self.config(config_name)
        if config is None:
            return
        self.client.delete_endpoint_config(aws_retry=True, EndpointConfigName=config_name)
        self.deleted.append(config_name)
        for variant in config["ProductionVariants"]:
            model = variant["ModelName"]
            if model not in keep_models and is_owned(self.name, "m", model) and self.model(model):
                self.client.delete_model(aws_retry=True, ModelName=model)
                self.deleted.append(model)

    def result(self, endpoint: dict | None, **extra) -> dict:
        return {"endpoint_name": self.name, "endpoint_arn": (endpoint or {}).get("EndpointArn"),
                "endpoint_status": (endpoint or {}).get("EndpointStatus"),
                "failure_reason": (endpoint or {}).get("FailureReason"), "deleted": self.deleted,
                "rolled_back": False, **extra}

    def exit(self, changed: bool, endpoint: dict | None, before: dict, after: dict, **extra) -> None:
        out = self.result(endpoint, **extra)
        if self.module._diff:
            out["diff"] = {"before": before, "after": after}
        self.module.exit_json(changed=changed, **out)

    # --- the two states ------------------------------------------------------------------
    def absent(self) -> None:
        endpoint = self.endpoint()
        if endpoint is None:
            self.exit(False, None, {}, {}, endpoint_config_name=None, model_name=None)
        before = self.summary(endpoint["EndpointConfigName"])
        if not self.module.check_mode:
            if endpoint["EndpointStatus"] in IN_PROGRESS:
                endpoint = self.wait() or endpoint
            self.client.delete_endpoint(aws_retry=True, EndpointName=self.name)
            self.delete_owned(endpoint["EndpointConfigName"])
        self.exit(True, None, before, {}, endpoint_config_name=None, model_name=None)

    def present(self) -> None:
        model_request, config_request = desired_state(self.params)
        config_name, model_name = config_request["EndpointConfigName"], model_request["ModelName"]
        names = {"endpoint_config_name": config_name, "model_name": model_name}
        endpoint = self.endpoint()
        if endpoint and endpoint["EndpointStatus"] in IN_PROGRESS and not self.module.check_mode:
            endpoint = self.wait()
        current = endpoint["EndpointConfigName"] if endpoint else None
        if endpoint and current == config_name and endpoint["EndpointStatus"] == "InService":
            summary = self.summary(current)
            self.exit(False, endpoint, summary, summary, **names)

        before = self.summary(current)
        after = {"endpoint_config_name": config_name, "model_name": model_name, "image": model_request[
            "PrimaryContainer"]["Image"], "model_data_url": model_request["PrimaryContainer"].get("ModelDataUrl"),
            "environment": model_request["PrimaryContainer"]["Environment"],
            "variant": {k: self.params["variant"][k] for k in ("name", "instance_type", "instance_count")},
            "data_capture": (self.params.get("data_capture") or {}).get("destination_s3_uri")}
        if self.module.check_mode:
            self.exit(True, endpoint, before, after, **names)

        if endpoint and endpoint["EndpointStatus"] == "Failed":
            # SageMaker cannot update a failed endpoint: start again from nothing.
            self.client.delete_endpoint(aws_retry=True, EndpointName=self.name)
            self.delete_owned(current, keep_models={model_name})
            self.wait()
            endpoint, current = None, None
        self.ensure(model_request, config_request)
        tags = [{"Key": k, "Value": str(v)} for k, v in sorted(self.params["tags"].items())]
        if endpoint is None:
            self.client.create_endpoint(aws_retry=True, EndpointName=self.name, EndpointConfigName=config_name,
                                        Tags=tags)
        else:
            self.client.update_endpoint(aws_retry=True, EndpointName=self.name, EndpointConfigName=config_name,
                                        DeploymentConfig=deployment_config(self.params["deployment"]))
        if not self.params["wait"]:
            self.exit(True, self.endpoint(), before, after, **names)
        endpoint = self.wait()
        if endpoint is None:
            self.module.fail_json(msg=f"endpoint {self.name} disappeared while it was being deployed", **names,
                                  **self.result(None))
        if endpoint["EndpointConfigName"] == config_name and endpoint["EndpointStatus"] == "InService":
            self.delete_owned(current, keep_models={model_name})
            self.exit(True, endpoint, before, after, **names)
        if endpoint["EndpointStatus"] == "Failed":
            self.module.fail_json(msg=f"endpoint {self.name} failed to deploy {config_name}: "
                                      f"{endpoint.get('FailureReason')}", changed=True, **names,
                                  **self.result(endpoint))
        # The update did not take: the old configuration serves. Remove what this run made.
        self.delete_owned(config_name, keep_models={m for m in [self.summary(current).get("model_name")] if m})
        self.module.fail_json(
            msg=f"update of endpoint {self.name} to {config_name} failed and was rolled back; "
                f"{endpoint['EndpointConfigName']} still serves. Reason: {endpoint.get('FailureReason')}",
            changed=True, **names, **self.result(endpoint, rolled_back=True))


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "model": {"type": "dict", "options": {
                "image": {"type": "str", "required": True},
                "model_data_url": {"type": "str"},
                "environment": {"type": "dict", "default": {}},
                "execution_role_arn": {"type": "str", "required": True}}},
            "variant": {"type": "dict", "default": {}, "options": {
                "name": {"type": "str", "default": "AllTraffic"},
                "instance_type": {"type": "str", "default": "ml.m5.large"},
                "instance_count": {"type": "int", "default": 1}}},
            "data_capture": {"type": "dict", "options": {
                "destination_s3_uri": {"type": "str", "required": True},
                "sampling_percentage": {"type": "int", "default": 100},
                "capture_modes": {"type": "list", "elements": "str", "choices": ["Input", "Output"],
                                  "default": ["Input", "Output"]},
                "kms_key_id": {"type": "str"}}},
            "deployment": {"type": "dict", "default": {}, "options": {
                "type": {"type": "str", "choices": ["ALL_AT_ONCE", "CANARY", "LINEAR"], "default": "ALL_AT_ONCE"},
                "step_percent": {"type": "int", "default": 10},
                "wait_interval_seconds": {"type": "int", "default": 300},
                "termination_wait_seconds": {"type": "int", "default": 0},
                "maximum_execution_timeout_seconds": {"type": "int", "default": 1800},
                "rollback_alarms": {"type": "list", "elements": "str", "default": []}}},
            "tags": {"type": "dict", "default": {}},
            "wait": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 1800},
        },
        required_if=[("state", "present", ["model"])],
        supports_check_mode=True,
    )
    params = module.params
    if len(params["name"]) > NAME_LIMIT:
        module.fail_json(msg=f"name must be at most {NAME_LIMIT} characters (it names the endpoint)")
    if params["state"] == "present":
        if params["variant"]["instance_count"] < 1:
            module.fail_json(msg="variant.instance_count must be 1 or more")
        if not 1 <= params["deployment"]["step_percent"] <= 100:
            module.fail_json(msg="deployment.step_percent must be 1-100")
        capture = params.get("data_capture")
        if capture and not capture["destination_s3_uri"].startswith("s3://"):
            module.fail_json(msg="data_capture.destination_s3_uri must be an s3:// URI")
        if capture and not 0 <= capture["sampling_percentage"] <= 100:
            module.fail_json(msg="data_capture.sampling_percentage must be 0-100")
    rollout = Rollout(module)
    try:
        rollout.present() if params["state"] == "present" else rollout.absent()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"rolling out SageMaker endpoint {params['name']}")


if __name__ == "__main__":
    main()
