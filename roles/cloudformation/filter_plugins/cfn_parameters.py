# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check stack parameters against the template's own Parameters section, before any change.

AWS refuses a stack operation whose parameters break the template's constraints with a
ValidationError; an endpoint that does not (the embedded AWS) would apply them. Checking
here gives the same refusal everywhere, before a change set exists, and names the Ansible
variable the user set instead of the CloudFormation parameter.
"""

from __future__ import annotations

import math
import re

import yaml

_SCALAR_TYPES = {"String", "Number", "CommaDelimitedList", "List<Number>"}
# AWS-specific parameter types whose values have a fixed shape (the others are not checked).
_AWS_ID_PATTERNS = {
    "AWS::EC2::Image::Id": r"ami-[0-9a-f]{8,17}",
    "AWS::EC2::VPC::Id": r"vpc-[0-9a-f]{8,17}",
    "AWS::EC2::Subnet::Id": r"subnet-[0-9a-f]{8,17}",
    "AWS::EC2::SecurityGroup::Id": r"sg-[0-9a-f]{8,17}",
    "AWS::EC2::Instance::Id": r"i-[0-9a-f]{8,17}",
}


class _TagIgnoringLoader(yaml.SafeLoader):
    """Reads CloudFormation YAML: short-form intrinsics (!Ref, !Sub...) load as plain nodes."""


def _ignore_tag(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_TagIgnoringLoader.add_multi_constructor("!", _ignore_tag)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_one(spec: dict, text: str) -> list[str]:
    """What is wrong with one value (as CloudFormation receives it, a string)."""
    kind = spec.get("Type", "String")
    if kind in ("Number", "List<Number>"):
        items = text.split(",") if kind == "List<Number>" else [text]
        bad = [i for i in items if _number(i.strip()) is None]
        if bad:
            return [f"must be a number (Type {kind}), got '{text}'"]
        number = _number(text) if kind == "Number" else None
        problems = []
        if number is not None and "MinValue" in spec and number < float(spec["MinValue"]):
            problems.append(f"must be at least {spec['MinValue']} (MinValue), got {text}")
        if number is not None and "MaxValue" in spec and number > float(spec["MaxValue"]):
            problems.append(f"must be at most {spec['MaxValue']} (MaxValue), got {text}")
        return problems
    problems = []
    if kind in _AWS_ID_PATTERNS and not re.fullmatch(_AWS_ID_PATTERNS[kind], text):
        problems.append(f"must be an id of type {kind} ({_AWS_ID_PATTERNS[kind]}), got '{text}'")
    if "MinLength" in spec and len(text) < int(spec["MinLength"]):
        problems.append(f"must be at least {spec['MinLength']} characters (MinLength), got '{text}'")
    if "MaxLength" in spec and len(text) > int(spec["MaxLength"]):
        problems.append(f"must be at most {spec['MaxLength']} characters (MaxLength), got {len(text)}")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], text):
        why = spec.get("ConstraintDescription", f"the pattern {spec['AllowedPattern']}")
        problems.append(f"'{text}' does not match {why} (AllowedPattern)")
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [str(a) for a in allowed]:
        problems.append(f"'{text}' is not one of {', '.join(str(a) for a in allowed)} (AllowedValues)")
    return problems


def _as_text(value) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ",".join(str(v) for v in value)
    return None


def cfn_parameter_problems(template: str, values: dict, sources: dict, template_name: str = "the template") -> list:
    """Messages for every value that breaks its parameter's constraints ([] when all hold).

    template: the template text; values: parameter name -> value; sources: parameter name
    -> the Ansible variable that feeds it (named in the message).
    """
    parameters = (yaml.load(template, Loader=_TagIgnoringLoader) or {}).get("Parameters") or {}  # noqa: S506 (a SafeLoader subclass)
    problems = []
    for name, value in values.items():
        source = sources.get(name, name)
        if name not in parameters:
            problems.append(f"{source}: {template_name} has no parameter {name} (it has {', '.join(parameters)})")
            continue
        text = _as_text(value)
        if text is None:
            problems.append(f"{source} must be a string or a number, got {type(value).__name__} {value!r}")
            continue
        problems += [f"{source} (parameter {name} of {template_name}) {p}" for p in _check_one(parameters[name], text)]
    missing = [n for n, spec in parameters.items() if "Default" not in spec and n not in values]
    problems += [f"{sources.get(n, n)} is required (parameter {n} of {template_name} has no default)" for n in missing]
    return problems


def cfn_resources(template: str) -> list:
    """'LogicalId (Type)' for every resource of a template: the preview of a stack to create."""
    resources = (yaml.load(template, Loader=_TagIgnoringLoader) or {}).get("Resources") or {}  # noqa: S506 (a SafeLoader subclass)
    return [f"{name} ({spec.get('Type', '?')})" for name, spec in resources.items()]


class FilterModule:
    def filters(self):
        return {"cfn_parameter_problems": cfn_parameter_problems, "cfn_resources": cfn_resources}
