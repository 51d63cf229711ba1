"""CloudFormation `Fn::GetAtt` on a resource type the emulator cannot model: a clear error.

Gap: in moto 5.2, a template whose Outputs use `Fn::GetAtt` on a resource of a type moto
has no model for (for example AWS::S3::AccessPoint) makes CreateStack fail with HTTP 500
(an AttributeError inside moto's output validation). The same GetAtt inside a resource's
properties says "references undefined resource", which blames the template.

What AWS does: such a template is valid and deploys. The emulator cannot, so instead of a
500 it answers what any invalid template gets from CloudFormation, a ValidationError
(HTTP 400, the CloudFormation API reference's common error), whose message names the
resource, its type and the attribute, and says the limitation is the emulator's.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

_original: dict[str, Any] = {}  # what apply() replaced, called by the replacements


def _check(resources: parsing.ResourceMap, getatt: Any) -> None:
    """Raise a clear ValidationError if `getatt` ([name, attribute]) targets an unmodelled type."""
    if not isinstance(getatt, list) or len(getatt) != 2:
        return
    name, attribute = getatt
    resource_json = resources._resource_json_map.get(name) if isinstance(name, str) else None
    if resource_json and parsing.resource_class_from_type(resource_json.get("Type", "")) is None:
        kind = resource_json["Type"]
        raise ValidationError(message=(
            f"Template error: Fn::GetAtt {name}.{attribute} cannot be resolved: the embedded AWS "
            f"(moto) does not support resources of type {kind}"))


def validate_outputs(self: parsing.ResourceMap) -> None:
    for output in (self._template.get("Outputs") or {}).values():
        value = output.get("Value") if isinstance(output, dict) else None
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            _check(self, value["Fn::GetAtt"])
    _original["validate_outputs"](self)


def clean_json(resource_json: Any, resources_map: parsing.ResourceMap) -> Any:
    if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
        _check(resources_map, resource_json["Fn::GetAtt"])
    return _original["clean_json"](resource_json, resources_map)


def apply() -> None:
    if getattr(parsing, "_cfn_getatt_extension", False):
        return
    _original["validate_outputs"] = parsing.ResourceMap.validate_outputs
    _original["clean_json"] = parsing.clean_json
    parsing.ResourceMap.validate_outputs = validate_outputs
    parsing.clean_json = clean_json  # moto's clean_json recurses through this module-level name
    parsing._cfn_getatt_extension = True
