"""UpdateStack with nothing to change must fail with "No updates are to be performed."

Gap: moto only detects a no-op update when the request carries Parameters; a stack
without parameters (or an update that passes none) is "updated" every time and reaches
UPDATE_COMPLETE, so amazon.aws.cloudformation reports changed=True on every run. Tag
changes are also ignored by moto's comparison.

AWS (CloudFormation API Reference, UpdateStack; and the ValidationError every SDK user
sees): when the template, the effective parameter values and the stack tags are all
unchanged, UpdateStack returns ValidationError "No updates are to be performed." and
the stack is untouched. Parameters omitted from the request take the template default
(not the previous value) unless UsePreviousValue is set, so we compare effective values.
"""

from __future__ import annotations

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse

_MARK = "_project_update_no_op"


def _effective_parameters(stack, template_body: str, incoming: dict) -> dict:
    declared = stack.parse_template(template_body).get("Parameters", {}) or {}
    values = {name: str(spec["Default"]) for name, spec in declared.items() if "Default" in spec}
    values.update({k: str(v) for k, v in incoming.items()})
    return values


def apply() -> None:
    original = CloudFormationResponse._validate_different_update
    if getattr(original, _MARK, False):
        return

    def _validate_different_update(self, incoming_params, stack_body, old_stack):
        original(self, incoming_params, stack_body, old_stack)
        if not stack_body or not old_stack.has_template(stack_body):
            return
        new = _effective_parameters(old_stack, stack_body,
                                    self._get_param_values(incoming_params or [], old_stack.stack_parameters))
        old = _effective_parameters(old_stack, old_stack.template, old_stack.parameters or {})
        tags = {t["Key"]: t["Value"] for t in self._get_param("Tags", [])}
        if new == old and (not tags or tags == old_stack.tags):
            raise ValidationError(old_stack.name, message="No updates are to be performed.")

    setattr(_validate_different_update, _MARK, True)
    CloudFormationResponse._validate_different_update = _validate_different_update
