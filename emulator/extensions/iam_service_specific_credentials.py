"""ListServiceSpecificCredentials answers (with no credentials) instead of HTTP 500.

Gap: moto 5.2 has no service-specific credentials (CodeCommit / Keyspaces passwords) and
no ListServiceSpecificCredentials action: the call fails with HTTP 500 "The
list_service_specific_credentials action has not been implemented". amazon.aws.iam_user
lists them before DeleteUser (to delete them first), so deleting any user fails.

AWS (IAM API Reference, ListServiceSpecificCredentials): returns the user's
service-specific credentials, `ServiceSpecificCredentials` (empty when there are none),
optionally filtered by ServiceName; an unknown UserName fails with NoSuchEntity (404).
Since the emulator cannot create such credentials, every user has none.
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

_MARK = "_project_service_specific_credentials"


def apply() -> None:
    if getattr(IamResponse, _MARK, False):
        return

    def list_service_specific_credentials(self) -> ActionResult:
        user_name = self._get_param("UserName")
        if user_name:
            self.backend.get_user(user_name)  # NoSuchEntity for an unknown user, as AWS
        return ActionResult({"ServiceSpecificCredentials": []})

    IamResponse.list_service_specific_credentials = list_service_specific_credentials
    setattr(IamResponse, _MARK, True)
