"""S3 requests carry the global condition key aws:ResourceAccount: the bucket owner's account.

Gap: stock moto ignores policy conditions (a Deny with a condition always applies, an
Allow always allows). The project's evaluator (iam_policy_evaluation, with
s3_request_authorization for S3) evaluates conditions but does not model
aws:ResourceAccount, so a statement that uses it fails closed: the usual data-perimeter
guard `"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}` on an Allow
never allows, and a Deny on `StringNotEquals` always denies, even for the caller's own
buckets.

AWS (IAM User Guide, "AWS global condition context keys", aws:ResourceAccount): the key
holds the account ID of the resource owner and is in the request context of requests to
resources; for Amazon S3 that is the account that owns the bucket, for bucket and object
operations alike. Modelled here for S3 only: in requests to other services the key is
absent (a condition on it is then false, a negated one true, as AWS does for a missing key).
"""

from __future__ import annotations

from typing import Any

from emulator.extensions import iam_policy_evaluation as evaluation
from emulator.extensions import s3_request_authorization as s3_authorization

_MARK = "_project_s3_resource_account"


def apply() -> None:
    s3_authorization.apply()  # idempotent: the context this module extends
    evaluation.register_keys("aws:ResourceAccount")
    original = s3_authorization._s3_context
    if getattr(original, _MARK, False):
        return

    def _s3_context(response: Any, caller: Any, action: str, bucket: Any) -> dict:
        ctx = original(response, caller, action, bucket)
        if bucket is not None:
            ctx["aws:resourceaccount"] = [bucket.account_id]
        return ctx

    setattr(_s3_context, _MARK, True)
    s3_authorization._s3_context = _s3_context
