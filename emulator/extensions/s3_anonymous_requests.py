"""Unsigned S3 requests are the anonymous principal, not a server error.

Gap (moto 5.2.5): with enforcement on, moto builds an `S3IAMRequest` for every S3 call and
its constructor reads the `Authorization` header unconditionally, so an unsigned request
(`boto3` with `signature_version=UNSIGNED`, `curl`, a browser) ends in HTTP 500
(KeyError) - for a public object, for a private one and for ListObjects alike. Without
enforcement (moto's default) an unsigned caller may list any bucket, add objects to it and
even replace its bucket policy; only calls on an existing object (read, delete) are
refused, with an empty 403, unless the key's ACL or the bucket policy allows them.

What AWS does (S3 User Guide: "How Amazon S3 authorizes a request", "Bucket policy
examples - granting read-only permission to an anonymous user"; IAM "Principal" element:
`"*"` includes anonymous users): an unsigned request is made by the anonymous principal
(aws:PrincipalType "Anonymous", aws:userid "anonymous"). It has no identity policies, so
it is allowed only by a bucket policy statement whose Principal is "*" (or {"AWS": "*"}),
or by an ACL grant to AllUsers, and an explicit Deny still wins. A private bucket answers
AccessDenied (403), never 500; GetObject of a missing key answers AccessDenied unless the
anonymous principal may also s3:ListBucket.

This module makes moto's authentication step recognise unsigned requests and give them
an anonymous access key (no policies, no signature to check); s3_request_authorization
then decides with the bucket policy and ACLs, with or without enforcement. Query-string (presigned) requests are not
unsigned: they are refused with AccessDenied under enforcement, because this emulator does
not verify presigned signatures (stock moto: HTTP 500).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlparse

from emulator.extensions import iam_policy_evaluation as evaluation

log = logging.getLogger(__name__)

_QUERY_AUTH = ("x-amz-credential", "x-amz-signature", "awsaccesskeyid", "signature")


def query_signed(path: str) -> bool:
    return any(k.lower() in _QUERY_AUTH for k in parse_qs(urlparse(path).query, keep_blank_values=True))


def unsigned(headers: Any, path: str) -> bool:
    """True for a request that carries no credentials at all."""
    return "Authorization" not in headers and not query_signed(path)


class AnonymousAccessKey:
    """Stands in for moto's access key objects for an unsigned request."""

    caller = evaluation.Caller.anonymous()
    arn = "anonymous"

    def __init__(self, account_id: str, partition: str = "aws") -> None:
        self.account_id = account_id
        self.partition = partition

    @staticmethod
    def collect_policies() -> list:
        return []


def apply() -> None:
    from moto.iam.access_control import S3IAMRequest

    evaluation.apply()
    if getattr(S3IAMRequest, "_emulator_anonymous", False):
        return
    original_init = S3IAMRequest.__init__
    original_check_signature = S3IAMRequest.check_signature

    def __init__(self: Any, account_id: str, method: str, path: str, data: dict, body: bytes,
                 headers: Any, action: Any) -> None:
        if "Authorization" in headers:
            original_init(self, account_id, method, path, data, body, headers, action)
            return
        if query_signed(path):
            log.warning("presigned (query-string) S3 requests are not verified by the emulator: "
                        "answering AccessDenied")
            self._data = data
            self._raise_access_denied()
        self.account_id = account_id
        self._method, self._path, self._data, self._body, self._headers = method, path, data, body, headers
        self._region, self._service = "us-east-1", "s3"
        self._action = f"s3:{action[0] if isinstance(action, list) else action}"
        self._access_key = AnonymousAccessKey(account_id)

    def check_signature(self: Any) -> None:
        if isinstance(self._access_key, AnonymousAccessKey):
            return  # nothing was signed
        original_check_signature(self)

    S3IAMRequest.__init__ = __init__
    S3IAMRequest.check_signature = check_signature
    S3IAMRequest._emulator_anonymous = True
