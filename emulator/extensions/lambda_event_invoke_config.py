"""Lambda async invocation config: Put replaces, Update merges (stock moto appends).

Gap: stock moto 5.2 appends a new entry on every PutFunctionEventInvokeConfig (and on
UpdateFunctionEventInvokeConfig, which it treats as a put) while Get returns the first
entry. After any change the function keeps reporting its original retry attempts and
destinations, so a tool that compares and puts (lambda_invoke_config in library/) sees
a difference forever.

What AWS does (API reference): PutFunctionEventInvokeConfig "configures options for
asynchronous invocation ... If a configuration already exists ... this operation
overwrites it" - settings left out are reset to their defaults.
UpdateFunctionEventInvokeConfig changes only the settings it is given.

This module keeps one config per function: Put overwrites it, Update merges into it.
"""

from __future__ import annotations

from typing import Any

_MARK = "_project_single_invoke_config"


def _put(self, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    from moto.awslambda.models import EventInvokeConfig

    fn = self.get_function(function_name)
    event_config = EventInvokeConfig(fn.function_arn, fn.last_modified, config)
    fn.event_invoke_config = [event_config]
    return event_config.response()


def _update(self, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    fn = self.get_function(function_name)
    current = dict(fn.event_invoke_config[0].config) if fn.event_invoke_config else {}
    current.update(config)
    return _put(self, function_name, current)


def apply() -> None:
    from moto.awslambda.models import LambdaBackend

    if getattr(LambdaBackend, _MARK, False):
        return
    LambdaBackend.put_function_event_invoke_config = _put
    LambdaBackend.update_function_event_invoke_config = _update
    setattr(LambdaBackend, _MARK, True)
