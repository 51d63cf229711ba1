"""S3 requests are authorized like AWS does: identity policies, bucket policy with real
conditions, ACL grants, Block Public Access, the bucket owner's account.

Gap (moto 5.2.5, moto/s3/responses.py `_key_response`, moto/s3/models.py
`FakeBucket.get_permission`): moto checks the bucket policy only for object calls, before
anything else, with no request context and no caller: `IAMPolicy.is_action_permitted`
skips the `Bool` operator, so a Deny with `{"Bool": {"aws:SecureTransport": "false"}}`
applies to every object call, over HTTPS too (and answers an empty 403). Bucket-level
calls (ListObjects, GetBucketVersioning, DeleteBucket...) never look at the policy, so
the same TLS-only policy lets them through over HTTP. An Allow in the bucket policy grants
nothing to an IAM principal of the account; Principal is not matched against the caller;
the IAM action names are moto's (HeadBucket, DeleteObject for every DeleteObjects...);
a caller from another account needs no grant from the bucket's account at all.

What AWS does (S3 User Guide: "How Amazon S3 authorizes a request for a bucket/object
operation", "Policy actions for Amazon S3", "Condition keys for Amazon S3", "Blocking
public access"; IAM User Guide "Policy evaluation logic", "Cross-account policy
evaluation logic"): each request is one IAM action on one resource (arn:aws:s3:::bucket
or arn:aws:s3:::bucket/key) evaluated with the request context (aws:SecureTransport is
false over HTTP). An explicit Deny in the bucket policy or an identity policy wins.
Within the bucket owner's account, an Allow in either the identity policies or the bucket
policy (naming the user, the role, the role session or "*") allows; naming the account
delegates to identity policies. From another account both the caller's identity policies
and the bucket policy (naming the caller or its account) must allow. ACL grants to
AllUsers / AuthenticatedUsers also allow, unless Object Ownership is BucketOwnerEnforced
or IgnorePublicAcls is set (on the bucket or its account: s3_account_public_access_block).
With RestrictPublicBuckets, a bucket policy that is public
(s3_public_policy) grants nothing to callers outside the owner's account, not even by its
non-public statements ("including non-public delegation to specific accounts"); callers
of the owner's account keep only its non-public grants (the guide allows "authorized
users within the bucket owner's account": a public "*" grant does not authorize them).
The owner account's root user may always get, put and delete the bucket policy.
GetObject of a missing key is AccessDenied without s3:ListBucket; CopyObject also needs
s3:GetObject on the source.

This module replaces moto's S3 authorization step with that evaluation (decisions by
iam_policy_evaluation), for bucket and object calls, and turns moto's context-free
bucket-policy pre-check into a no-op (DeleteObjects' per-key check uses the same
evaluation). Without enforcement (moto's default) identity policies are not checked,
every signed caller counts as allowed by them, and the bucket policy still applies.
Not modelled: grants to canonical user ids, access points, object-tag condition keys
(they fail closed). (DeleteObjects of specific versions: see s3_delete_objects_versions.)

Cross-account callers can be simulated: while IAM is not enforced, create a user in
another account by sending moto's `x-moto-account-id: 001234567890` header; its access
keys belong to that account, so once enforcement is on its requests come from there (and
bucket names are global, as on AWS). tests/emulator/test_ext_s3_request_authorization.py
does exactly that.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import unquote

from emulator.extensions import iam_policy_evaluation as evaluation
from emulator.extensions import s3_anonymous_requests as anonymous
from emulator.extensions import s3_public_policy
from emulator.extensions.s3_account_public_access_block import setting as _blocks

log = logging.getLogger(__name__)

# Query parameter -> IAM action for (GET, PUT, DELETE) on a bucket.
_BUCKET_SUBRESOURCES = {
    "acl": ("GetBucketAcl", "PutBucketAcl", None),
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "policyStatus": ("GetBucketPolicyStatus", None, None),
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
    "versions": ("ListBucketVersions", None, None),
    "uploads": ("ListBucketMultipartUploads", None, None),
    "location": ("GetBucketLocation", None, None),
    "lifecycle": ("GetLifecycleConfiguration", "PutLifecycleConfiguration", "PutLifecycleConfiguration"),
    "encryption": ("GetEncryptionConfiguration", "PutEncryptionConfiguration", "PutEncryptionConfiguration"),
    "publicAccessBlock": ("GetBucketPublicAccessBlock", "PutBucketPublicAccessBlock",
                          "PutBucketPublicAccessBlock"),
    "ownershipControls": ("GetBucketOwnershipControls", "PutBucketOwnershipControls",
                          "PutBucketOwnershipControls"),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "PutBucketTagging"),
    "cors": ("GetBucketCORS", "PutBucketCORS", "PutBucketCORS"),
    "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
    "logging": ("GetBucketLogging", "PutBucketLogging", None),
    "notification": ("GetBucketNotification", "PutBucketNotification", None),
    "replication": ("GetReplicationConfiguration", "PutReplicationConfiguration",
                    "PutReplicationConfiguration"),
    "object-lock": ("GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration", None),
    "accelerate": ("GetAccelerateConfiguration", "PutAccelerateConfiguration", None),
    "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
    "inventory": ("GetInventoryConfiguration", "PutInventoryConfiguration", "PutInventoryConfiguration"),
    "metrics": ("GetMetricsConfiguration", "PutMetricsConfiguration", "PutMetricsConfiguration"),
    "analytics": ("GetAnalyticsConfiguration", "PutAnalyticsConfiguration", "PutAnalyticsConfiguration"),
    "intelligent-tiering": ("GetIntelligentTieringConfiguration", "PutIntelligentTieringConfiguration",
                            "PutIntelligentTieringConfiguration"),
}
_BUCKET_DEFAULT = {"GET": "ListBucket", "HEAD": "ListBucket", "PUT": "CreateBucket",
                   "DELETE": "DeleteBucket", "POST": "PutObject", "OPTIONS": "ListBucket"}
# Query parameter -> (GET, PUT, DELETE) on an object; "{V}" becomes "Version" with versionId.
_OBJECT_SUBRESOURCES = {
    "uploadId": ("ListMultipartUploadParts", "PutObject", "AbortMultipartUpload"),
    "acl": ("GetObject{V}Acl", "PutObject{V}Acl", None),
    "tagging": ("GetObject{V}Tagging", "PutObject{V}Tagging", "DeleteObject{V}Tagging"),
    "retention": ("GetObjectRetention", "PutObjectRetention", None),
    "legal-hold": ("GetObjectLegalHold", "PutObjectLegalHold", None),
    "attributes": ("GetObject{V}Attributes", None, None),
    "torrent": ("GetObjectTorrent", None, None),
}
_OBJECT_DEFAULT = {"GET": "GetObject{V}", "HEAD": "GetObject{V}", "PUT": "PutObject",
                   "DELETE": "DeleteObject{V}", "OPTIONS": "GetObject"}
_OBJECT_POST = {"restore": "RestoreObject", "select": "GetObject", "uploads": "PutObject",
                "uploadId": "PutObject"}
_POLICY_ADMIN = {"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}

# ACL permission -> IAM actions it grants, on the bucket and on an object.
_BUCKET_ACL = {"READ": {"ListBucket", "ListBucketVersions", "ListBucketMultipartUploads"},
               "WRITE": {"PutObject", "DeleteObject", "DeleteObjectVersion"},
               "READ_ACP": {"GetBucketAcl"}, "WRITE_ACP": {"PutBucketAcl"}}
_OBJECT_ACL = {"READ": {"GetObject", "GetObjectVersion"},
               "READ_ACP": {"GetObjectAcl", "GetObjectVersionAcl"},
               "WRITE_ACP": {"PutObjectAcl", "PutObjectVersionAcl"}}
_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

_S3_KEYS = ("s3:prefix", "s3:delimiter", "s3:max-keys", "s3:x-amz-acl", "s3:x-amz-server-side-encryption",
            "s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-copy-source",
            "s3:x-amz-metadata-directive", "s3:x-amz-storage-class", "s3:x-amz-content-sha256",
            "s3:VersionId", "s3:authType", "s3:signatureversion", "s3:ResourceAccount", "s3:TlsVersion",
            "s3:DataAccessPointArn", "s3:DataAccessPointAccount", "s3:AccessPointNetworkOrigin",
            "s3:object-lock-mode", "s3:object-lock-retain-until-date", "s3:object-lock-legal-hold",
            "s3:object-lock-remaining-retention-days", "s3:x-amz-grant-read", "s3:x-amz-grant-write",
            "s3:x-amz-grant-read-acp", "s3:x-amz-grant-write-acp", "s3:x-amz-grant-full-control")

_state = threading.local()  # per request: who called, and how to decide per-key checks


def iam_action(method: str, key: str | None, query: dict, bucket: str | None) -> str:
    """The IAM action ("Policy actions for Amazon S3") for one REST request."""
    method = method.upper()
    if not bucket:
        return "ListAllMyBuckets"
    index = {"GET": 0, "HEAD": 0, "PUT": 1, "DELETE": 2}.get(method)
    if key is None:
        if method == "POST" and "delete" in query:
            return "DeleteObject"  # DeleteObjects: checked per key
        for param, actions in _BUCKET_SUBRESOURCES.items():
            if param in query and index is not None and actions[index]:
                return actions[index]
        return _BUCKET_DEFAULT.get(method, "ListBucket")
    version = "Version" if "versionId" in query else ""
    if method == "POST":
        action = next((a for p, a in _OBJECT_POST.items() if p in query), "PutObject")
    else:
        action = next((acts[index] for p, acts in _OBJECT_SUBRESOURCES.items()
                       if p in query and index is not None and acts[index]), None) \
            or _OBJECT_DEFAULT.get(method, "GetObject{V}")
    return action.replace("{V}", version)


def _bucket(name: str | None) -> Any:
    from moto.s3.models import s3_backends

    if not name or name not in s3_backends.bucket_accounts:
        return None
    partition, account = s3_backends.bucket_accounts[name]
    return s3_backends[account][partition].buckets.get(name)


def _s3_context(response: Any, caller: evaluation.Caller, action: str, bucket: Any) -> dict:
    ctx = evaluation.request_context(response, caller)
    query = _query(response)
    headers = response.headers
    if action in ("ListBucket", "ListBucketVersions"):
        for key, param in (("s3:prefix", "prefix"), ("s3:delimiter", "delimiter"), ("s3:max-keys", "max-keys")):
            if param in query:
                ctx[key] = [query[param][0]]
    for header in ("x-amz-acl", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                   "x-amz-copy-source", "x-amz-metadata-directive", "x-amz-storage-class",
                   "x-amz-content-sha256", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                   "x-amz-grant-write-acp", "x-amz-grant-full-control"):
        if headers.get(header):
            ctx[f"s3:{header}"] = [headers[header]]
    if "versionId" in query:
        ctx["s3:versionid"] = [query["versionId"][0]]
    authorization = headers.get("Authorization", "")
    if authorization:
        ctx["s3:authtype"] = ["REST-HEADER"]
        ctx["s3:signatureversion"] = ["AWS4-HMAC-SHA256" if authorization.startswith("AWS4") else "AWS"]
    tls = response.normalized_request.environ.get("emulator.tls_version")
    if tls:
        ctx["s3:tlsversion"] = [tls]
    if bucket is not None:
        ctx["s3:resourceaccount"] = [bucket.account_id]
    return ctx


def _policy_for(bucket: Any, caller: evaluation.Caller, action: str) -> evaluation.ResourcePolicy | None:
    if bucket is None:
        return None
    label = f"bucket policy of {bucket.name}"
    if not bucket.policy:
        return evaluation.ResourcePolicy(None, bucket.account_id, label)
    if caller.kind == "root" and caller.account == bucket.account_id and action in _POLICY_ADMIN:
        return evaluation.ResourcePolicy(None, bucket.account_id, label)  # root may always fix the policy
    try:
        document = json.loads(bucket.policy)
    except ValueError:  # AWS rejects such a policy at PutBucketPolicy; here: fail closed
        log.warning("bucket policy of %s is not JSON: denying every request but policy repairs", bucket.name)
        document = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}
    if _blocks(bucket, "restrict_public_buckets") and s3_public_policy.is_public(document):
        # RestrictPublicBuckets: nothing for other accounts, no public grant for the owner's.
        outsider = caller.account != bucket.account_id
        document = {**document, "Statement": [
            s for s in evaluation._as_list(document.get("Statement", []))
            if s.get("Effect") == "Deny" or not (outsider or s3_public_policy.statement_is_public(s))]}
    return evaluation.ResourcePolicy(document, bucket.account_id, label)


def _acl_grants(bucket: Any, key: Any, caller: evaluation.Caller, action: str) -> bool:
    """True when an ACL grant to AllUsers/AuthenticatedUsers covers the action."""
    if bucket is None or "BucketOwnerEnforced" in str(bucket.ownership_rule or ""):
        return False
    if _blocks(bucket, "ignore_public_acls"):
        return False
    action = action.removeprefix("s3:")
    grants = []
    if bucket.acl is not None:
        grants.append((bucket.acl, _BUCKET_ACL))
    if key is not None and getattr(key, "acl", None) is not None:
        grants.append((key.acl, _OBJECT_ACL))
    groups = {_ALL_USERS} if caller.kind == "anonymous" else {_ALL_USERS, _AUTHENTICATED_USERS}
    for acl, table in grants:
        for grant in acl.grants:
            if not any(getattr(g, "uri", "") in groups for g in grant.grantees):
                continue
            for permission in evaluation._as_list(grant.permissions):
                allowed = set().union(*table.values()) if permission == "FULL_CONTROL" else table.get(permission, ())
                if action in allowed:
                    return True
    return False


def decide(response: Any, caller: evaluation.Caller, enforced: bool, action: str, bucket_name: str | None,
           key_name: str | None) -> evaluation.Decision:
    """Decide one S3 action ("s3:GetObject") on a bucket or object for this request."""
    bucket = _bucket(bucket_name)
    if not bucket_name:
        resource = "arn:aws:s3:::*"
    else:
        resource = f"arn:aws:s3:::{bucket_name}" + (f"/{key_name}" if key_name is not None else "")
    request = evaluation.Request(caller, action, resource,
                                 _s3_context(response, caller, action.removeprefix("s3:"), bucket))
    decision = evaluation.decide(request, identity_enforced=enforced,
                                 resource_policy=_policy_for(bucket, caller, action))
    if not decision.allowed and not decision.explicit_deny:
        key = bucket.keys.get(key_name) if bucket is not None and key_name is not None else None
        cross_account_ok = caller.kind == "anonymous" or bucket is None or caller.account == bucket.account_id \
            or not enforced or evaluation.weigh(list(caller.policies), request).allowed
        if cross_account_ok and _acl_grants(bucket, key, caller, action):
            decision = evaluation.Decision(True, "ACL grant to a public group")
    log.log(logging.DEBUG if decision.allowed else logging.INFO, "authorization %s %s on %s by %s: %s",
            "ALLOW" if decision.allowed else "DENY", action, resource, caller.arn, decision.reason)
    return decision


def _caller_without_enforcement(response: Any) -> evaluation.Caller:
    """Who is calling when moto does not authenticate: anonymous if unsigned, else the
    IAM user / role session owning the access key, else the account's root user."""
    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key
    from moto.utilities.utils import get_partition

    if anonymous.unsigned(response.headers, response.uri):
        return evaluation.Caller.anonymous()
    partition = get_partition(response.region)
    try:
        key = create_access_key(account_id=response.current_account, partition=partition,
                                access_key_id=response.get_access_key(), headers=response.headers)
        return evaluation.caller_of(key)
    except CreateAccessKeyFailure:
        return evaluation.Caller.root(response.current_account, partition)


def authorize(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
    """Replacement for ActionAuthenticatorMixin._authenticate_and_authorize_s3_action."""
    from moto.iam.access_control import S3IAMRequest
    from moto.s3.exceptions import BucketAccessDeniedError, S3AccessDeniedError
    from moto.s3.models import FakeKey

    iam_request = evaluation.authenticate(self, S3IAMRequest)
    enforced = iam_request is not None
    caller = evaluation.caller_of(iam_request._access_key) if enforced else _caller_without_enforcement(self)
    _state.decide = lambda action, resource: decide(  # for moto's per-key DeleteObjects check
        self, caller, enforced, action, *_split(resource)).allowed
    query = _query(self)
    action = "s3:" + iam_action(self.method, key_name, query, bucket_name)
    if self.method == "OPTIONS":
        return  # CORS preflight: answered from the bucket's CORS rules, not authorized
    if self.method == "POST" and key_name is None and "delete" in query:
        return  # DeleteObjects: moto checks each key through FakeBucket.get_permission

    def deny() -> None:
        raise BucketAccessDeniedError(bucket=bucket_name) if bucket_name else S3AccessDeniedError()

    if not decide(self, caller, enforced, action, bucket_name, key_name).allowed:
        deny()
    if action == "s3:GetObject" and key_name is not None:
        bucket = _bucket(bucket_name)
        if bucket is not None and not isinstance(bucket.keys.get(key_name), FakeKey) \
                and not decide(self, caller, enforced, "s3:ListBucket", bucket_name, None).allowed:
            deny()  # AWS hides whether a key exists from callers who may not list the bucket
    source = self.headers.get("x-amz-copy-source")
    if source and self.method == "PUT" and key_name is not None:
        src_bucket, _, src_key = source.lstrip("/").partition("/")
        src_key, _, version = src_key.partition("?versionId=")
        src_action = "s3:GetObjectVersion" if version else "s3:GetObject"
        if not decide(self, caller, enforced, src_action, src_bucket, unquote(src_key)).allowed:
            deny()


def _query(response: Any) -> dict[str, list[str]]:
    """The URL's query parameters (moto's `querystring` falls back to the headers)."""
    return response.normalized_request.args.to_dict(flat=False)


def _split(resource: str) -> tuple[str, str | None]:
    """arn:aws:s3:::bucket/key -> (bucket, key); (bucket, None) for a bucket ARN."""
    bucket, slash, key = resource.split(":::", 1)[-1].partition("/")
    return bucket, key if slash else None


def _tls_version_environ(original: Any) -> Any:
    def make_environ(self: Any) -> dict:
        environ = original(self)
        version = getattr(self.connection, "version", None)
        if callable(version) and version():  # ssl.SSLSocket: "TLSv1.3" -> s3:TlsVersion "1.3"
            environ["emulator.tls_version"] = version().removeprefix("TLSv")
        return environ

    make_environ._emulator = True
    return make_environ


def apply() -> None:
    from moto.iam.access_control import PermissionResult
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    evaluation.apply()
    anonymous.apply()
    evaluation.register_keys(*_S3_KEYS)
    if getattr(S3Response, "_emulator_authorization", False):
        return
    original_setup = S3Response.setup_class
    original_get_permission = FakeBucket.get_permission

    def setup_class(self: Any, request: Any, full_url: str | None = None, headers: Any = None) -> None:
        _state.__dict__.clear()
        _state.active = True
        original_setup(self, request, full_url, headers)

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if not getattr(_state, "active", False):
            return original_get_permission(self, action, resource)  # not an S3 HTTP request
        decide_key = getattr(_state, "decide", None)
        if decide_key is None:
            return PermissionResult.PERMITTED  # moto's pre-check: `authorize` decides right after
        return PermissionResult.PERMITTED if decide_key(action, resource) else PermissionResult.DENIED

    S3Response.setup_class = setup_class
    S3Response._authenticate_and_authorize_s3_action = authorize
    FakeBucket.get_permission = get_permission
    if not getattr(MotoRequestHandler.make_environ, "_emulator", False):
        MotoRequestHandler.make_environ = _tls_version_environ(MotoRequestHandler.make_environ)
    S3Response._emulator_authorization = True
