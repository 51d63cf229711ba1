"""CloudFormation stack updates reach the resources that depend on a changed one.

Gap: moto 5.2 decides what an update modifies by comparing each resource's raw template
text. A resource whose text is unchanged but whose `Ref`/`Fn::GetAtt`/`Fn::Sub` now
resolves to something new (because the referenced resource was replaced, say a role or a
bucket renamed by a parameter) is left alone: the bucket policy stays on the old bucket,
the managed policy stays attached to the old role, the user is left in the old group. And a
replaced resource is deleted at once, while its dependents still use it, so for IAM the
delete is refused (DeleteConflict) and the whole update fails.

What AWS does (CloudFormation user guide, "Update behaviors of stack resources" and
"Stack status codes", UPDATE_COMPLETE_CLEANUP_IN_PROGRESS): every resource whose resolved
properties change is updated, in dependency order; a replacement is created first, the
dependents are pointed at it, and the old physical resource is deleted last, in the
cleanup phase.

Here: each created/updated resource remembers the properties it was given, resolved;
after moto's update pass, resources whose resolved properties differ are updated again
until nothing changes; replacements that the project's extensions make hand the old
resource's deletion to `defer_cleanup`, run at the end of the update.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing

_original: dict[str, Any] = {}  # what apply() replaced
_cleanup = threading.local()


def defer_cleanup(delete: Callable[[], None]) -> None:
    """Delete an old (replaced) resource at the end of the running stack update, or now."""
    queue = getattr(_cleanup, "queue", None)
    if queue is None:
        delete()
    else:
        queue.append(delete)


def _resolved(resource_json: dict[str, Any], resources: parsing.ResourceMap) -> Any:
    return parsing.clean_json(resource_json.get("Properties", {}), resources)


def _remember(resource: Any, resource_json: dict[str, Any], resources: parsing.ResourceMap) -> Any:
    if resource is not None:
        with contextlib.suppress(AttributeError):  # a model that takes no new attributes is not tracked
            resource.cfn_applied_properties = _resolved(resource_json, resources)
    return resource


def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
    resource = _original["create"](logical_id, resource_json, resources_map, account_id, region_name)
    return _remember(resource, resource_json, resources_map)


def parse_and_update_resource(logical_id, resource_json, resources_map, account_id, region_name):
    resource = _original["update"](logical_id, resource_json, resources_map, account_id, region_name)
    return _remember(resource, resource_json, resources_map)


def _stale(resources: parsing.ResourceMap) -> list[str]:
    """Resources whose properties, resolved now, differ from those they were last given."""
    stale = []
    for name, resource_json in resources._resource_json_map.items():
        applied = getattr(resources._parsed_resources.get(name), "cfn_applied_properties", None)
        if applied is not None and _resolved(resource_json, resources) != applied:
            stale.append(name)
    return stale


def update(self: parsing.ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    outer, _cleanup.queue = getattr(_cleanup, "queue", None), []
    try:
        _original["resource_map_update"](self, template, parameters)
        for _ in range(len(self._resource_json_map)):  # a dependency chain is at most this long
            stale = _stale(self)
            if not stale:
                break
            for name in stale:
                resource_json = self._resource_json_map[name]
                updated = parsing.parse_and_update_resource(name, resource_json, self, self._account_id,
                                                            self._region_name)
                if updated is None:  # a model without updates: leave it, and stop asking
                    _remember(self._parsed_resources[name], resource_json, self)
                else:
                    self._parsed_resources[name] = updated
        queue = _cleanup.queue
    finally:
        _cleanup.queue = outer
    for delete in queue:  # the cleanup phase: old physical resources go last
        delete()


def apply() -> None:
    if "update" in _original:
        return
    _original["create"] = parsing.parse_and_create_resource
    _original["update"] = parsing.parse_and_update_resource
    _original["resource_map_update"] = parsing.ResourceMap.update
    # moto calls both through these module-level names, so the wrappers see every call.
    parsing.parse_and_create_resource = parse_and_create_resource
    parsing.parse_and_update_resource = parse_and_update_resource
    parsing.ResourceMap.update = update
