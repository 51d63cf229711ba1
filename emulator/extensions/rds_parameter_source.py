"""Parameters set in a DB (cluster) parameter group carry `Source: user`, and the
`Source` filter of DescribeDBParameters / DescribeDBClusterParameters is honoured.

Gap: moto stores the parameters of ModifyDBParameterGroup and
ModifyDBClusterParameterGroup as sent, so they come back without `Source`, and it
ignores the `Source` request parameter. Terraform's aws_db_parameter_group reads the
group with `Source=user` and keeps only user parameters, so on moto every `parameter`
block looks missing and each plan wants to set max_connections again (false drift).

AWS (RDS API Reference, DescribeDBParameters and DescribeDBClusterParameters, request
parameter `Source`, valid values `user | system | engine-default`; data type
`Parameter`, field `Source`): a parameter changed with ModifyDB(Cluster)ParameterGroup
is returned with `Source: user`; with `Source` in the request only parameters of that
source are returned. Not emulated: the engine-default and system parameters a real
group lists besides the user ones (moto has no per-family parameter catalogue).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import DBParameterGroupNotFoundError
from moto.rds.models import DBClusterParameterGroup, DBParameterGroup
from moto.rds.responses import RDSResponse

_MARK = "_project_rds_parameter_source"


def _as_user(parameters: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**parameter, "Source": "user"} for parameter in parameters]


def _filtered(parameters: Iterable[dict[str, Any]], source: str | None) -> list[dict[str, Any]]:
    return [p for p in parameters if not source or p.get("Source") == source]


def apply() -> None:
    if getattr(DBParameterGroup.update_parameters, _MARK, False):
        return
    update_parameters = DBParameterGroup.update_parameters
    update_cluster_parameters = DBClusterParameterGroup.update_cluster_parameters

    def update_parameters_as_user(self, new_parameters):
        update_parameters(self, _as_user(new_parameters))

    def update_cluster_parameters_as_user(self, new_parameters):
        update_cluster_parameters(self, _as_user(new_parameters))

    def describe_db_parameters(self):
        name = self.params.get("DBParameterGroupName")
        groups = self.backend.describe_db_parameter_groups({"db_parameter_group_name": name})
        if not groups:
            raise DBParameterGroupNotFoundError(name)
        return ActionResult({"Parameters": _filtered(groups[0].parameters.values(), self.params.get("Source"))})

    def describe_db_cluster_parameters(self):
        name = self.params.get("DBClusterParameterGroupName")
        parameters = self.backend.describe_db_cluster_parameters(name)  # raises if unknown
        return ActionResult({"Parameters": _filtered(parameters, self.params.get("Source"))})

    for function in (update_parameters_as_user, update_cluster_parameters_as_user,
                     describe_db_parameters, describe_db_cluster_parameters):
        setattr(function, _MARK, True)
    DBParameterGroup.update_parameters = update_parameters_as_user
    DBClusterParameterGroup.update_cluster_parameters = update_cluster_parameters_as_user
    RDSResponse.describe_db_parameters = describe_db_parameters
    RDSResponse.describe_db_cluster_parameters = describe_db_cluster_parameters
