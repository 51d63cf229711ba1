"""DeleteObjects authorizes each key that names a VersionId as s3:DeleteObjectVersion.

Gap (moto 5.2.5, moto/s3/responses.py `_bucket_response_delete_keys`): the per-key
permission check always asks for `s3:DeleteObject`, whether or not the key carries a
VersionId. A caller allowed s3:DeleteObject but not s3:DeleteObjectVersion can therefore
destroy specific object versions (the very thing versioning protects) in one DeleteObjects
call.

What AWS does (S3 API Reference, DeleteObjects: "When performing this action on an
versioned bucket ... you must have the s3:DeleteObjectVersion permission to delete a
specific version"; S3 User Guide, "Policy actions for Amazon S3": DeleteObjects is
authorized per object, as DeleteObject, or as DeleteObjectVersion when a version ID is
specified): each object is authorized on its own; the objects denied are reported in the
response's `Errors` list with code AccessDenied, and the others are deleted.

moto's loop asks `FakeBucket.get_permission` once per object, in request order; this
module reads the object list from the request body first and turns the action of each
object that names a version into s3:DeleteObjectVersion before s3_request_authorization
decides it.
"""

from __future__ import annotations

import threading
from typing import Any

from emulator.extensions import s3_request_authorization

_pending = threading.local()  # the VersionId (or None) of each object still to be checked


def _version_ids(body: bytes | str) -> list[str | None]:
    import xmltodict

    objects = (xmltodict.parse(body, strip_whitespace=False).get("Delete") or {}).get("Object", [])
    objects = objects if isinstance(objects, list) else [objects]
    return [(o or {}).get("VersionId") for o in objects]


def apply() -> None:
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    s3_request_authorization.apply()  # wrap its per-key decision, not moto's
    if getattr(S3Response, "_emulator_delete_objects_versions", False):
        return
    delete_keys, get_permission = S3Response._bucket_response_delete_keys, FakeBucket.get_permission

    def checked_delete_keys(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            _pending.versions = _version_ids(self.body)
        except Exception:  # noqa: BLE001 - moto answers MalformedXML for such a body itself
            _pending.versions = []
        try:
            return delete_keys(self, bucket_name, *args, **kwargs)
        finally:
            _pending.versions = []

    def versioned_permission(self: Any, action: str, resource: str) -> Any:
        versions = getattr(_pending, "versions", None)
        if action == "s3:DeleteObject" and versions and versions.pop(0):  # pop: one per object
            action = "s3:DeleteObjectVersion"
        return get_permission(self, action, resource)

    S3Response._bucket_response_delete_keys = checked_delete_keys
    FakeBucket.get_permission = versioned_permission
    S3Response._emulator_delete_objects_versions = True
