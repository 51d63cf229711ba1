"""CloudFormation change sets that behave as on AWS: no-change, type, execute, outputs.

Gaps in moto 5.2, each seen against stock moto:
- A change set that changes nothing RAISES "No updates are to be performed" when the
  request carries Parameters (moto runs UpdateStack's check). AWS creates it with Status
  FAILED and StatusReason "The submitted information didn't contain changes. Submit
  different information to create a change set." amazon.aws.cloudformation's idempotence
  and check mode (create_changeset / check_mode_changeset) read exactly that.
- `ChangeSetType` defaults to CREATE; AWS defaults to UPDATE, refuses CREATE for a stack
  that exists (unless it is REVIEW_IN_PROGRESS, which a new CREATE change set reuses) and
  refuses UPDATE for a REVIEW_IN_PROGRESS stack. moto instead adds a second stack of the
  same name.
- After ExecuteChangeSet the stack has no Outputs (and no Exports), its parameters stay the
  old ones (so the next identical change set is not seen as "no changes"), other change
  sets of the stack survive, FAILED or executed change sets can be executed, and a failing
  resource turns the ExecuteChangeSet call itself into an error.
- DescribeChangeSet `Changes` miss resources whose only change is a new parameter value
  (and the resources that refer to a replaced one), and lack PhysicalResourceId,
  Replacement and Scope. ListChangeSets ignores StackName; change sets outlive their
  deleted stack; DeleteChangeSet of an unknown name is an HTTP 500.

What AWS does (CloudFormation API reference: CreateChangeSet, ExecuteChangeSet,
ListChangeSets, DescribeChangeSet/ResourceChange, DeleteChangeSet): ExecuteChangeSet accepts
only a change set with Status CREATE_COMPLETE and ExecutionStatus AVAILABLE
(InvalidChangeSetStatus otherwise), returns at once, and the stack then reaches
CREATE_COMPLETE/UPDATE_COMPLETE with the new template's Outputs, or a *_FAILED status
whose event says why; executing deletes every other change set of the stack. Deleting a
stack deletes its change sets.
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend
from moto.cloudformation.parsing import resource_name_property_from_type
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_changeset_id, validate_create_change_set
from moto.core.responses import ActionResult

NO_CHANGES = ("The submitted information didn't contain changes. "
              "Submit different information to create a change set.")
_original: dict[str, Any] = {}  # what apply() replaced, called by the replacements


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatus"


def _stack_named(backend: CloudFormationBackend, name_or_id: str):
    return next((s for s in backend.stacks.values() if name_or_id in (s.name, s.stack_id)), None)


# --- responses: the request layer ---------------------------------------------------------

def create_change_set_response(self) -> ActionResult:
    self.params.setdefault("ChangeSetType", "UPDATE")  # the API's documented default
    # UpdateStack's "No updates are to be performed" check (moto's, and any extension's) does
    # not apply here: a change set without changes is recorded as FAILED by the backend.
    # Shadowed on this response object only (one per request).
    self._validate_different_update = lambda *args: None
    return _original["create_change_set_response"](self)


def list_change_sets_response(self) -> ActionResult:
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    summaries = [cs for cs in self.cloudformation_backend.list_change_sets() if cs.stack_id == stack.stack_id]
    return ActionResult({"Summaries": summaries})


# --- backend ------------------------------------------------------------------------------

def create_change_set(self, stack_name: str, change_set_name: str, template: str, parameters: dict[str, str],
                      description: str, change_set_type: str, **kwargs: Any) -> tuple[str, str]:
    existing = _stack_named(self, stack_name)
    reviewing = existing is not None and existing.status == "REVIEW_IN_PROGRESS"
    if change_set_type == "UPDATE" and reviewing:
        raise ValidationError(message=f"Stack:{existing.stack_id} is in REVIEW_IN_PROGRESS state and can not "
                                      "be updated.")
    if change_set_type == "CREATE" and existing is not None and not reviewing:
        raise ValidationError(message=f"Stack [{stack_name}] already exists and cannot be created again with "
                                      f"the changeSet [{change_set_name}].")
    if reviewing:  # a CREATE change set for a stack under review reuses it (moto adds a second one)
        validate_create_change_set(change_set_name)
        change_set_id = generate_changeset_id(change_set_name, self.region_name, self.account_id)
        change_set = ChangeSet(change_set_type=change_set_type, change_set_id=change_set_id,
                               change_set_name=change_set_name, stack=existing, template=template,
                               parameters=parameters, description=description, **kwargs)
        change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
        self.change_sets[change_set_id] = change_set
        return change_set_id, existing.stack_id
    change_set_id, stack_id = _original["create_change_set"](
        self, stack_name, change_set_name, template, parameters, description, change_set_type, **kwargs)
    if change_set_type == "UPDATE":  # moto compares raw parameters: decide on effective values
        change_set = self.change_sets[change_set_id]
        if _changes_nothing(existing, template, parameters, kwargs.get("tags")):
            change_set.status, change_set.execution_status = "FAILED", "UNAVAILABLE"
            change_set.status_reason = NO_CHANGES
        else:
            change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
            change_set.status_reason = None
    return change_set_id, stack_id


def _effective_parameters(stack, template: Any, given: dict[str, Any]) -> dict[str, str]:
    """Parameter values as CloudFormation resolves them: omitted ones take the template default."""
    declared = (stack.parse_template(template) if isinstance(template, str) else template or {}).get(
        "Parameters") or {}
    values = {name: str(spec["Default"]) for name, spec in declared.items() if "Default" in spec}
    values.update({name: str(value) for name, value in (given or {}).items()})
    return values


def _changes_nothing(stack, template: str, parameters: dict[str, str], tags: dict[str, str] | None) -> bool:
    return (stack.has_template(template)
            and _effective_parameters(stack, template, parameters)
            == _effective_parameters(stack, stack.template, stack.parameters)
            and (not tags or tags == stack.tags))


def execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = self.describe_change_set(change_set_name)
    if change_set.status != "CREATE_COMPLETE" or change_set.execution_status != "AVAILABLE":
        state = change_set.status if change_set.status != "CREATE_COMPLETE" else change_set.execution_status
        raise InvalidChangeSetStatus(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of [{state}]")
    stack = self.stacks[change_set.stack_id]
    try:
        _original["execute_change_set"](self, change_set.change_set_id, stack_name)
    except Exception as err:  # noqa: BLE001 (AWS reports resource failures on the stack, not here)
        stack.status = f"{change_set.change_set_type}_FAILED"
        stack._add_stack_event(stack.status, resource_status_reason=str(err))
        change_set.execution_status = "EXECUTE_FAILED"
        return
    stack._parse_template()  # moto keeps the old (or, for CREATE, empty) parsed template
    stack.description = stack.template_dict.get("Description")
    stack.parameters = change_set.parameters
    stack.output_map = stack._create_output_map()
    for name, export in list(self.exports.items()):
        if export.exporting_stack_id == stack.stack_id:
            del self.exports[name]
    for export in stack.exports:
        self.exports[export.name] = export
    for other_id in [k for k, cs in self.change_sets.items()
                     if cs.stack_id == stack.stack_id and k != change_set.change_set_id]:
        del self.change_sets[other_id]


def delete_change_set(self, change_set_name: str) -> None:
    if any(change_set_name in (k, cs.change_set_name) for k, cs in self.change_sets.items()):
        _original["delete_change_set"](self, change_set_name)
    # else: nothing to delete (AWS answers success; moto would fail with an HTTP 500)


def delete_stack(self, name_or_stack_id: str) -> None:
    stack = _stack_named(self, name_or_stack_id)
    _original["delete_stack"](self, name_or_stack_id)
    if stack is not None and stack.status == "DELETE_COMPLETE":
        for change_set_id in [k for k, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
            del self.change_sets[change_set_id]


# --- describe_change_set: what the change set would change --------------------------------

def _references(node: Any) -> set[str]:
    """Logical ids and parameters a template fragment uses (Ref, Fn::GetAtt, Fn::Sub)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found |= {ref.split(".")[0] for ref in re.findall(r"\$\{([^!}][^}]*)\}", str(text))}
                found |= _references(value[1] if isinstance(value, list) else None)
            else:
                found |= _references(value)
    return found


def diff(self: ChangeSet) -> list[Change]:
    """moto compares raw template text only. Like AWS, also count resources that use a changed
    parameter, say which modifications replace the resource (its name changes), and list the
    resources that refer to a replaced one (they will be updated to point at the new one)."""
    stack, resources = self.stack, self.stack.resource_map
    old, new = resources._resource_json_map, self.template_dict.get("Resources", {})
    before = _effective_parameters(stack, stack.template, stack.parameters)
    after = _effective_parameters(stack, self.template, self.parameters)
    changed = {name for name in after if before.get(name) != after[name]}

    modified, replaced = {}, set()
    for name in [n for n in new if n in old]:
        name_property = resource_name_property_from_type(new[name]["Type"])
        props_before, props_after = old[name].get("Properties", {}), new[name].get("Properties", {})
        if new[name] != old[name] or _references(new[name]) & changed:
            name_value = props_after.get(name_property) if name_property else None
            renamed = bool(name_property) and (props_before.get(name_property) != name_value
                                               or bool(_references(name_value) & changed))
            modified[name] = "True" if renamed else "False"
            if renamed:
                replaced.add(name)
    for name in [n for n in new if n in old and n not in modified]:
        if _references(new[name].get("Properties", {})) & replaced:
            modified[name] = "False"

    changes = [Change("Add", name, new[name]["Type"]) for name in new if name not in old]
    for name, replacement in modified.items():
        change = Change("Modify", name, new[name]["Type"])
        change.replacement, change.scope = replacement, ["Properties"]
        changes.append(change)
    changes += [Change("Remove", name, old[name]["Type"]) for name in old if name not in new]
    for change in changes:
        if change.action != "Add":
            parsed = resources._parsed_resources.get(change.logical_resource_id)
            change.physical_resource_id = getattr(parsed, "physical_resource_id", None)
    return changes


def apply() -> None:
    if getattr(CloudFormationBackend, "_cfn_change_sets_extension", False):
        return
    patches = [
        (CloudFormationResponse, "create_change_set", create_change_set_response,
         "create_change_set_response"),
        (CloudFormationResponse, "list_change_sets", list_change_sets_response, None),
        (CloudFormationBackend, "create_change_set", create_change_set, "create_change_set"),
        (CloudFormationBackend, "execute_change_set", execute_change_set, "execute_change_set"),
        (CloudFormationBackend, "delete_change_set", delete_change_set, "delete_change_set"),
        (CloudFormationBackend, "delete_stack", delete_stack, "delete_stack"),
        (ChangeSet, "diff", diff, None),
    ]
    for owner, name, replacement, key in patches:
        if key:
            _original[key] = getattr(owner, name)
        setattr(owner, name, replacement)
    CloudFormationBackend._cfn_change_sets_extension = True
