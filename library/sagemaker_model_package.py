#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: register a trained model in a SageMaker model package group, behind an approval gate."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_model_package
short_description: Register a trained model as a model package version, approved only on its metrics
version_added: 1.0.0
author: MLOps estate project
description:
  - Makes sure the model package group exists and that the model (I(image) and
    I(model_data_url)) is a version in it, with its inference specification, its
    evaluation report as C(ModelMetrics) and its metrics as customer metadata. A model
    already registered (same image and artefact) is not registered again.
  - A new version starts C(PendingManualApproval). With I(auto_approve) it is approved
    only when its metrics meet I(thresholds), it beats the report's baseline (when
    I(require_beats_baseline)) and its I(metric) beats the newest approved version's by
    I(min_improvement); otherwise it stays pending and I(reasons) says why. Versions a
    person approved or rejected are never changed.
  - Returns the newest approved version of the group (I(approved)), which is what a
    deployment should serve; so a version a person approves by hand is deployed by the
    next run.
  - The evaluation report is read from I(evaluation_s3_uri), or else from
    C(evaluation.json) inside the artefact, which is then written beside it (C(.../evaluation.json))
    so that C(ModelMetrics) can point at it.
  - Check mode changes nothing. A diff is returned only in diff mode.
  - amazon.aws and community.aws have no SageMaker modules.
options:
  group:
    description: Model package group name.
    type: str
    required: true
  group_description:
    description: Description of the group, when it is created.
    type: str
    default: Managed by Ansible
  image:
    description: Inference image, pinned by digest (C(repo@sha256:...)).
    type: str
    required: true
  model_data_url:
    description: S3 URI of the model artefact (C(model.tar.gz)).
    type: str
    required: true
  evaluation_s3_uri:
    description: S3 URI of the evaluation report (JSON); default C(evaluation.json) inside the artefact.
    type: str
  metric:
    description: The metric that ranks versions (a key of the report's C(regression_metrics)); lower is better.
    type: str
    default: mae
  min_improvement:
    description: Fraction by which I(metric) must beat the approved version (0.02 = 2% lower).
    type: float
    default: 0.0
  thresholds:
    description:
      - "Bounds each metric must meet: C(mae: {max: 240}), C(r2: {min: 0.6})."
    type: dict
    default: {}
  require_beats_baseline:
    description: Also require the report's C(beats_baseline) to be true.
    type: bool
    default: true
  auto_approve:
    description: Approve a new version that passes the gate. False leaves every version to a person.
    type: bool
    default: true
  description:
    description: Description of a new version.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register the trained model; approve it only if it is good enough and better
  sagemaker_model_package:
    group: eta
    image: "{{ ecr_uri }}@{{ image_digest }}"
    model_data_url: "{{ job.ModelArtifacts.S3ModelArtifacts }}"
    metric: mae
    min_improvement: 0.01
    thresholds:
      mae: {max: 240}
      r2: {min: 0.6}
  register: package

- name: Say why it waits for a person
  ansible.builtin.debug:
    msg: "{{ package.reasons }}"
  when: package.approval_status == 'PendingManualApproval'
"""

RETURN = r"""
model_package_arn:
  description: ARN of the version that holds this model (null in check mode before registration).
  returned: always
  type: str
version:
  description: Its version number in the group.
  returned: always
  type: int
approval_status:
  description: C(Approved), C(PendingManualApproval) or C(Rejected).
  returned: always
  type: str
metrics:
  description: The report's regression metrics, name to value.
  returned: always
  type: dict
reasons:
  description: Why the gate did not approve it (empty when approved or already decided).
  returned: always
  type: list
  elements: str
approved:
  description: The group's newest approved version (C(arn), C(version), C(image), C(model_data_url)), or null.
  returned: always
  type: dict
"""

import contextlib
import io
import json
import tarfile

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_message
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

CONTENT_TYPES = ["text/csv", "application/json"]


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def read_report(s3, params: dict) -> tuple[dict, str, bytes | None]:
    """(report, its S3 URI, bytes to upload there or None when it is already there)."""
    if params["evaluation_s3_uri"]:
        bucket, key = split_s3(params["evaluation_s3_uri"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return json.loads(body), params["evaluation_s3_uri"], None
    bucket, key = split_s3(params["model_data_url"])
    with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()), mode="r:*") as tar:
        member = next((m for m in tar.getmembers() if m.name.lstrip("./") == "evaluation.json"), None)
        if member is None:
            raise ValueError(f"{params['model_data_url']} holds no evaluation.json; set evaluation_s3_uri")
        body = tar.extractfile(member).read()
    return json.loads(body), f"s3://{bucket}/{key.rsplit('/', 1)[0]}/evaluation.json", body


def metric_values(report: dict) -> dict:
    return {k: v["value"] for k, v in report.get("regression_metrics", {}).items()
            if isinstance(v, dict) and isinstance(v.get("value"), int | float)}


def gate(params: dict, report: dict, metrics: dict, approved: dict | None) -> list[str]:
    """Why this version may not be approved automatically (empty: it may)."""
    reasons = []
    for name, bound in sorted(params["thresholds"].items()):
        value = metrics.get(name)
        if value is None:
            reasons.append(f"the report has no metric {name} (thresholds.{name})")
            continue
        if "max" in bound and value > float(bound["max"]):
            reasons.append(f"{name} {value:.4g} is above the threshold {bound['max']}")
        if "min" in bound and value < float(bound["min"]):
            reasons.append(f"{name} {value:.4g} is below the threshold {bound['min']}")
    if params["require_beats_baseline"] and report.get("beats_baseline") is not True:
        reasons.append("it does not beat the report's baseline (" + str(report.get("baseline", {}).get("name")) + ")")
    metric = params["metric"]
    if metric not in metrics:
        reasons.append(f"the report has no metric {metric} (metric)")
    elif approved and approved.get("metric") is not None:
        limit = approved["metric"] * (1 - params["min_improvement"])
        if not metrics[metric] < limit:
            reasons.append(f"{metric} {metrics[metric]:.4g} does not beat the approved version {approved['version']} "
                           f"({approved['metric']:.4g}, min_improvement {params['min_improvement']})")
    return reasons


class Registry:
    def __init__(self, module: AnsibleAWSModule) -> None:
        self.module = module
        self.params = module.params
        retry = AWSRetry.jittered_backoff()
        self.sagemaker = module.client("sagemaker", retry_decorator=retry)
        self.s3 = module.client("s3", retry_decorator=retry)

    def group_exists(self) -> bool:
        try:
            self.sagemaker.describe_model_package_group(aws_retry=True, ModelPackageGroupName=self.params["group"])
        except is_boto3_error_message("does not exist"):
            return False
        return True

    def versions(self) -> list[dict]:
        """Every version of the group, described, newest first."""
        summaries, token = [], None
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = self.sagemaker.list_model_packages(aws_retry=True, ModelPackageGroupName=self.params["group"],
                                                      SortBy="CreationTime", SortOrder="Descending", **kwargs)
            summaries += page["ModelPackageSummaryList"]
            token = page.get("NextToken")
            if not token:
                break
        return [self.sagemaker.describe_model_package(aws_retry=True, ModelPackageName=s["ModelPackageArn"])
                for s in summaries]

    def approved(self, versions: list[dict]) -> dict | None:
        for package in versions:
            if package.get("ModelApprovalStatus") == "Approved":
                container = package["InferenceSpecification"]["Containers"][0]
                return {"arn": package["ModelPackageArn"], "version": package.get("ModelPackageVersion"),
                        "image": container["Image"], "model_data_url": container.get("ModelDataUrl"),
                        "metric": self.metric_of(package)}
        return None

    def metric_of(self, package: dict) -> float | None:
        """The ranking metric of a registered version: its metadata, else its ModelMetrics report."""
        value = (package.get("CustomerMetadataProperties") or {}).get(self.params["metric"])
        if value is not None:
            return float(value)
        uri = (((package.get("ModelMetrics") or {}).get("ModelQuality") or {}).get("Statistics") or {}).get("S3Uri")
        if not uri:
            return None
        bucket, key = split_s3(uri)
        report = json.loads(self.s3.get_object(aws_retry=True, Bucket=bucket, Key=key)["Body"].read())
        return metric_values(report).get(self.params["metric"])

    def run(self) -> None:
        p, check = self.params, self.module.check_mode
        changed = False
        report, report_uri, upload = read_report(self.s3, p)
        metrics = metric_values(report)
        if not self.group_exists():
            changed = True
            if not check:
                self.sagemaker.create_model_package_group(aws_retry=True, ModelPackageGroupName=p["group"],
                                                          ModelPackageGroupDescription=p["group_description"])
        versions = [] if check and changed else self.versions()
        mine = next((v for v in versions if (v["InferenceSpecification"]["Containers"][0].get("Image"),
                                             v["InferenceSpecification"]["Containers"][0].get("ModelDataUrl"))
                     == (p["image"], p["model_data_url"])), None)
        approved = self.approved([v for v in versions if v is not mine])
        before = {"approval_status": mine.get("ModelApprovalStatus")} if mine else {}
        if mine is None:
            changed = True
            if not check:
                if upload is not None:
                    bucket, key = split_s3(report_uri)
                    self.s3.put_object(aws_retry=True, Bucket=bucket, Key=key, Body=upload,
                                       ContentType="application/json")
                arn = self.sagemaker.create_model_package(
                    aws_retry=True, ModelPackageGroupName=p["group"],
                    ModelPackageDescription=p["description"] or f"{p['metric']} {metrics.get(p['metric'])}",
                    InferenceSpecification={"Containers": [{"Image": p["image"], "ModelDataUrl": p["model_data_url"]}],
                                            "SupportedContentTypes": CONTENT_TYPES,
                                            "SupportedResponseMIMETypes": CONTENT_TYPES},
                    ModelMetrics={"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                                  "S3Uri": report_uri}}},
                    CustomerMetadataProperties={k: repr(float(v)) for k, v in metrics.items()},
                    ModelApprovalStatus="PendingManualApproval")["ModelPackageArn"]
                mine = self.sagemaker.describe_model_package(aws_retry=True, ModelPackageName=arn)
        status = mine.get("ModelApprovalStatus") if mine else "PendingManualApproval"
        reasons = []
        if status == "PendingManualApproval":
            reasons = gate(p, report, metrics, approved)
            if not p["auto_approve"]:
                reasons.append("auto_approve is false: a person approves")
            if not reasons:
                changed, status = True, "Approved"
                if not check:
                    self.sagemaker.update_model_package(
                        aws_retry=True, ModelPackageArn=mine["ModelPackageArn"], ModelApprovalStatus="Approved",
                        ApprovalDescription=f"approved automatically: {p['metric']} {metrics[p['metric']]:.4g}"
                        + (f" beats version {approved['version']} ({approved['metric']:.4g})" if approved else "")
                        + ", thresholds met")
        if status == "Approved" and mine:
            container = mine["InferenceSpecification"]["Containers"][0]
            newest = {"arn": mine["ModelPackageArn"], "version": mine.get("ModelPackageVersion"),
                      "image": container["Image"], "model_data_url": container.get("ModelDataUrl"),
                      "metric": metrics.get(p["metric"])}
            if not approved or (newest["version"] or 0) > (approved["version"] or 0):
                approved = newest
        result = {"changed": changed, "model_package_arn": (mine or {}).get("ModelPackageArn"),
                  "version": (mine or {}).get("ModelPackageVersion"), "approval_status": status,
                  "metrics": metrics, "reasons": reasons, "approved": approved}
        if self.module._diff:
            result["diff"] = {"before": before, "after": {"approval_status": status}}
        self.module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "group": {"type": "str", "required": True},
            "group_description": {"type": "str", "default": "Managed by Ansible"},
            "image": {"type": "str", "required": True},
            "model_data_url": {"type": "str", "required": True},
            "evaluation_s3_uri": {"type": "str"},
            "metric": {"type": "str", "default": "mae"},
            "min_improvement": {"type": "float", "default": 0.0},
            "thresholds": {"type": "dict", "default": {}},
            "require_beats_baseline": {"type": "bool", "default": True},
            "auto_approve": {"type": "bool", "default": True},
            "description": {"type": "str"},
        },
        supports_check_mode=True,
    )
    p = module.params
    for uri, name in ((p["model_data_url"], "model_data_url"), (p["evaluation_s3_uri"], "evaluation_s3_uri")):
        if uri is not None and not uri.startswith("s3://"):
            module.fail_json(msg=f"{name} must be an s3:// URI, not {uri!r}")
    for metric, bound in p["thresholds"].items():
        if not isinstance(bound, dict) or not bound or set(bound) - {"min", "max"}:
            module.fail_json(msg=f"thresholds.{metric} must be {{max: N}} and/or {{min: N}}, not {bound!r}")
    if not 0 <= p["min_improvement"] < 1:
        module.fail_json(msg="min_improvement must be a fraction in [0, 1)")
    try:
        Registry(module).run()
    except (ValueError, KeyError) as e:
        module.fail_json(msg=f"reading the evaluation report: {e}")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"registering the model in model package group {p['group']}")


if __name__ == "__main__":
    main()
