"""Lambda GetAccountSettings: the account's limits and usage (stock moto answers 404).

Gap: stock moto 5.2 has no route for `GET /2016-08-19/account-settings/`; it answers
404 "Not yet implemented", so a tool that checks a reserved concurrency against the
account (the lambda role does, before any change) cannot run against it.

What AWS does (API reference, GetAccountSettings): returns `AccountLimit` -
`TotalCodeSize` (75 GB of code storage), `CodeSizeUnzipped` (250 MB), `CodeSizeZipped`
(50 MB), `ConcurrentExecutions` (the Region's quota, 1000 by default) and
`UnreservedConcurrentExecutions` (the quota minus what functions reserve) - and
`AccountUsage` - `TotalCodeSize` (bytes of function and layer code stored) and
`FunctionCount`.

This module answers it from the Lambda backend's own state: the default quotas, the
reservations made with PutFunctionConcurrency, and the code of every function version
and layer version stored.
"""

from __future__ import annotations

import json

_MARK = "_project_account_settings"
TOTAL_CODE_SIZE = 80_530_636_800      # 75 GB
CODE_SIZE_UNZIPPED = 262_144_000      # 250 MB
CODE_SIZE_ZIPPED = 52_428_800         # 50 MB
CONCURRENT_EXECUTIONS = 1000


def settings(backend) -> dict:
    """The GetAccountSettings body for one account and Region's backend."""
    groups = list(backend._lambdas._functions.values())
    reserved = sum(int(g["latest"].reserved_concurrency or 0) for g in groups)
    code = sum(fn.code_size or 0 for g in groups for fn in [g["latest"], *g["versions"]])
    code += sum(v.code_size or 0 for layer in backend._layers._layers.values()
                for v in layer.layer_versions.values())
    return {
        "AccountLimit": {"TotalCodeSize": TOTAL_CODE_SIZE, "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
                         "CodeSizeZipped": CODE_SIZE_ZIPPED, "ConcurrentExecutions": CONCURRENT_EXECUTIONS,
                         "UnreservedConcurrentExecutions": CONCURRENT_EXECUTIONS - reserved},
        "AccountUsage": {"TotalCodeSize": code, "FunctionCount": len(groups)},
    }


def apply() -> None:
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    if getattr(LambdaResponse, _MARK, False):
        return

    def get_account_settings(self):
        return 200, {}, json.dumps(settings(self.backend))

    LambdaResponse.get_account_settings = get_account_settings
    # The route botocore calls (GetAccountSettings: GET /2016-08-19/account-settings/).
    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/?$"] = LambdaResponse.dispatch
    setattr(LambdaResponse, _MARK, True)
