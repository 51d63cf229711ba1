"""CloudFormation refuses parameter values that break the template's constraints.

Gap (moto 5.2.5, moto/cloudformation/parsing.py `ResourceMap.load_parameters`): parameter
values are taken as given. AllowedValues, AllowedPattern, MinLength/MaxLength and
MinValue/MaxValue are never checked, a `Number` that is not a number either fails deep in
moto or is stored as text, and a parameter the template does not declare is ignored. So
CreateStack, UpdateStack and CreateChangeSet succeed where AWS refuses them, and a role's
input validation can never be seen to matter here.

What AWS does (CloudFormation User Guide, "Parameters" - "Parameter properties" and
"Supported parameter types"; API reference CreateStack/UpdateStack/CreateChangeSet,
ValidationError): before anything is created or changed, every parameter's value (given,
previous with UsePreviousValue, or Default) must satisfy its constraints; otherwise the
call fails with HTTP 400 ValidationError and a message naming the parameter:
- AllowedValues: "Parameter 'P' must be one of AllowedValues";
- AllowedPattern (the whole value must match): "Parameter 'P' must match pattern X";
- MinLength / MaxLength (String): "Parameter 'P' must contain at least N characters" /
  "... at most N characters";
- Number: "Parameter 'P' must be a number"; MinValue / MaxValue: "Parameter 'P' must be a
  number not less than N" / "... not greater than N";
- with a ConstraintDescription, a broken constraint reads "Parameter 'P' failed to satisfy
  constraint: <ConstraintDescription>";
- a key the template does not declare: "Parameters: [K] do not exist in the template".
For List<Number> and CommaDelimitedList each element is checked. NoEcho changes nothing.

This module checks the request (TemplateBody, TemplateURL or UsePreviousTemplate, with the
stack's previous values) before the create, update or change set is handled. Not
modelled: AWS-specific parameter types (AWS::EC2::KeyPair::KeyName, ...) are not checked
against existing resources; SSM parameter types are resolved by moto.
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.cloudformation.responses import CloudFormationResponse

from emulator.extensions import cloudformation_change_sets, cloudformation_stack_create_failure

_ACTIONS = ("create_stack", "update_stack", "create_change_set")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _shown(number: Any) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def check_value(name: str, spec: dict, value: str) -> None:
    """Raise ValidationError when `value` breaks one of the parameter's constraints."""
    kind = str(spec.get("Type", "String"))
    listed = kind == "CommaDelimitedList" or kind.startswith("List<")
    items = [v.strip() if listed else v for v in value.split(",")] if listed else [value]
    numeric = kind in ("Number", "List<Number>")

    def broken(message: str) -> ValidationError:
        reason = spec.get("ConstraintDescription")
        text = f"Parameter '{name}' failed to satisfy constraint: {reason}" if reason else message
        return ValidationError(message=text)

    for item in items:
        number = _number(item) if numeric else None
        if numeric and number is None:
            raise ValidationError(message=f"Parameter '{name}' must be a number")
        allowed = spec.get("AllowedValues")
        if allowed is not None and item not in [str(a) for a in allowed] \
                and not (numeric and number in [_number(str(a)) for a in allowed]):
            raise broken(f"Parameter '{name}' must be one of AllowedValues")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and not numeric and re.fullmatch(str(pattern), item) is None:
            raise broken(f"Parameter '{name}' must match pattern {pattern}")
        if not numeric:
            if "MinLength" in spec and len(item) < int(spec["MinLength"]):
                raise broken(f"Parameter '{name}' must contain at least {int(spec['MinLength'])} characters")
            if "MaxLength" in spec and len(item) > int(spec["MaxLength"]):
                raise broken(f"Parameter '{name}' must contain at most {int(spec['MaxLength'])} characters")
        else:
            if "MinValue" in spec and number < float(spec["MinValue"]):
                raise broken(f"Parameter '{name}' must be a number not less than {_shown(spec['MinValue'])}")
            if "MaxValue" in spec and number > float(spec["MaxValue"]):
                raise broken(f"Parameter '{name}' must be a number not greater than {_shown(spec['MaxValue'])}")


def check(template: dict, given: list[dict], previous: dict[str, str]) -> None:
    """Check every declared parameter's effective value; refuse undeclared keys."""
    declared = template.get("Parameters") or {}
    unknown = [p.get("ParameterKey") for p in given if p.get("ParameterKey") not in declared]
    if unknown:
        raise ValidationError(message=f"Parameters: [{', '.join(map(str, unknown))}] do not exist in the template")
    values = {}
    for p in given:
        if str(p.get("UsePreviousValue", "")).lower() == "true":
            if p["ParameterKey"] in previous:
                values[p["ParameterKey"]] = previous[p["ParameterKey"]]
        elif "ParameterValue" in p:
            values[p["ParameterKey"]] = p["ParameterValue"]
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        value = values.get(name, spec.get("Default"))
        if value is None or str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::"):
            continue  # missing: moto's own "must have values"; SSM: the value is a parameter name
        check_value(name, spec, ",".join(map(str, value)) if isinstance(value, list) else str(value))


def _request_template(self: CloudFormationResponse, stack: Any) -> dict | None:
    body = self._get_param("TemplateBody")
    url = self._get_param("TemplateURL")
    if not body and url:
        body = self._get_stack_from_s3_url(url)
    if not body and str(self._get_param("UsePreviousTemplate", "")).lower() == "true" and stack is not None:
        body = stack.template
    if not body:
        return None  # moto answers the missing template itself
    try:
        template = Stack.parse_template(body) if isinstance(body, str) else body
    except ValueError:
        return None  # not a template: moto's own error
    return template if isinstance(template, dict) else None


def _checked(original: Any) -> Any:
    def handler(self: CloudFormationResponse) -> Any:
        name = self._get_param("StackName")
        stack = next((s for s in self.cloudformation_backend.stacks.values()
                      if name in (s.name, s.stack_id) and s.status != "DELETE_COMPLETE"), None)
        template = _request_template(self, stack)
        if template is not None:
            check(template, self._get_param("Parameters", []) or [],
                  dict(stack.parameters) if stack is not None else {})
        return original(self)

    handler._emulator_parameter_constraints = True
    return handler


def apply() -> None:
    # Outermost: check before the other extensions' create/change-set handling starts.
    cloudformation_change_sets.apply()
    cloudformation_stack_create_failure.apply()
    for action in _ACTIONS:
        original = getattr(CloudFormationResponse, action)
        if not getattr(original, "_emulator_parameter_constraints", False):
            setattr(CloudFormationResponse, action, _checked(original))
