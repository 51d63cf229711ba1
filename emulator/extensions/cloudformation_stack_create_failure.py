"""CloudFormation CreateStack whose resource fails: the stack rolls back, the call succeeds.

Gap: moto 5.2 creates a stack's resources inside the CreateStack call. When one resource
cannot be created (an IAM policy that does not exist, a bucket name that is taken), the
call fails with that service's error, which the CloudFormation protocol cannot carry: the
client gets an HTTP 500 with an HTML body. The stack is left CREATE_IN_PROGRESS for ever
with the resources created so far.

What AWS does (CloudFormation API reference, CreateStack `OnFailure` / `DisableRollback`;
user guide "Stack status codes"): template errors are ValidationErrors of the call itself;
a resource that fails makes the call return its StackId all the same, and the stack then
goes CREATE_FAILED (OnFailure DO_NOTHING or DisableRollback), or ROLLBACK_COMPLETE after
deleting what it created (OnFailure ROLLBACK, the default), or DELETE_COMPLETE
(OnFailure DELETE). The stack events carry the reason. amazon.aws.cloudformation then
fails the task with those events.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.parsing import OutputMap
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

_original: dict[str, Any] = {}  # what apply() replaced


def create_stack(self: CloudFormationResponse) -> ActionResult:
    backend = self.cloudformation_backend
    before = set(backend.stacks)
    try:
        return _original["create_stack"](self)
    except Exception as err:
        stack = next((backend.stacks[k] for k in set(backend.stacks) - before), None)
        if stack is None:
            raise  # nothing was created: a request or template error, answered as such
        on_failure = self._get_param("OnFailure") or (
            "DO_NOTHING" if self._get_bool_param("DisableRollback", False) else "ROLLBACK")
        stack._add_stack_event("CREATE_FAILED", resource_status_reason=str(err))
        if isinstance(err, CloudFormationError) or on_failure != "DO_NOTHING":
            _remove_resources(stack)
        if isinstance(err, CloudFormationError):  # e.g. an unresolvable Fn::GetAtt: still a template error
            del backend.stacks[stack.stack_id]
            raise
        if on_failure == "DO_NOTHING":
            stack.status = "CREATE_FAILED"
        elif on_failure == "DELETE":
            stack.status = "DELETE_COMPLETE"
            del backend.stacks[stack.stack_id]
            backend.deleted_stacks[stack.stack_id] = stack
        else:
            stack.status = "ROLLBACK_COMPLETE" if stack.status != "ROLLBACK_FAILED" else stack.status
        stack._add_stack_event(stack.status)
        return ActionResult({"StackId": stack.stack_id})


def _remove_resources(stack) -> None:
    """Delete what the failed creation made; ROLLBACK_FAILED if something refuses."""
    resources = stack.resource_map
    try:
        resources.delete()
    except Exception as err:  # noqa: BLE001 (reported on the stack, as AWS does)
        stack.status = "ROLLBACK_FAILED"
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=str(err))
    # moto creates resources on first lookup: keep only what is left, and no outputs, so that
    # describing the stack does not create them again.
    resources._resource_json_map = {k: v for k, v in resources._resource_json_map.items()
                                    if k in resources._parsed_resources}
    stack.output_map = OutputMap(resources, {"Outputs": {}}, stack.stack_id)


def apply() -> None:
    if "create_stack" in _original:
        return
    _original["create_stack"] = CloudFormationResponse.create_stack
    CloudFormationResponse.create_stack = create_stack
