"""The cloudformation role's parameter check (roles/cloudformation/filter_plugins) against
the project's real templates: each constraint kind refuses, naming the Ansible variable."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "cfn_parameters", ROOT / "roles/cloudformation/filter_plugins/cfn_parameters.py")
cfn_parameters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cfn_parameters)

WEBAPP = (ROOT / "files/cloudformation/webapp.yaml").read_text()
STORAGE = (ROOT / "files/cloudformation/buckets-and-iam.yaml").read_text()
SOURCE = {"MaxSize": "cloudformation_webapp_parameters.MaxSize"}


def problems(values: dict, template: str = WEBAPP) -> list[str]:
    return cfn_parameters.cfn_parameter_problems(template, values, SOURCE, "webapp.yaml")


def test_the_defaults_pass():
    assert problems({}) == []
    assert problems({"MaxSize": 6, "MinSize": "2", "InstanceType": "t3.small", "TargetCpuPercent": 90}) == []


@pytest.mark.parametrize(("values", "expected"), [
    ({"MaxSize": 1}, "cloudformation_webapp_parameters.MaxSize (parameter MaxSize of webapp.yaml) must be at least 2"),
    ({"TargetCpuPercent": 91}, "must be at most 90 (MaxValue)"),
    ({"TargetCpuPercent": "fifty"}, "must be a number (Type Number)"),
    ({"InstanceType": "t3.nano"}, "'t3.nano' is not one of t3.micro, t3.small, t3.medium, m7i.large"),
    ({"VpcCidr": "10.0.0.0/24"}, "(AllowedPattern)"),
    ({"MaxSise": 5}, "webapp.yaml has no parameter MaxSise"),
    ({"MinSize": {"a": 1}}, "must be a string or a number"),
])
def test_each_constraint_refuses(values, expected):
    found = problems(values)
    assert len(found) == 1 and expected in found[0], found


def test_a_parameter_without_default_is_required():
    found = cfn_parameters.cfn_parameter_problems(STORAGE, {}, {"PublicBucketName": "cloudformation_name_prefix"})
    assert any(p.startswith("cloudformation_name_prefix is required") for p in found), found


def test_the_preview_lists_every_resource_of_a_template():
    resources = cfn_parameters.cfn_resources(STORAGE)
    assert "PublicBucket (AWS::S3::Bucket)" in resources and len(resources) > 5
