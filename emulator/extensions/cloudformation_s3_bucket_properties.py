"""CloudFormation `AWS::S3::Bucket`: apply every security property, on create and update.

Gap: moto 5.2's Bucket model applies only `BucketEncryption` and `Tags`, and only on
create. `PublicAccessBlockConfiguration`, `VersioningConfiguration`, `OwnershipControls`,
`LifecycleConfiguration` and `LoggingConfiguration` are ignored: the stack says
CREATE_COMPLETE and the bucket blocks nothing, is unversioned, has no ownership controls.
On update, a bucket without an explicit `BucketName` that has `Tags` fails (KeyError),
`BucketKeyEnabled` is dropped, and a property removed from the template stays on the bucket.

What AWS does (CloudFormation template reference, AWS::S3::Bucket; S3 API reference):
all of these properties update without interruption. A property present in the template
is applied with its Put* call (PutPublicAccessBlock, PutBucketVersioning,
PutBucketOwnershipControls, PutBucketEncryption, PutBucketTagging,
PutBucketLifecycleConfiguration, PutBucketLogging; `LoggingConfiguration` without
`DestinationBucketName` logs to the bucket itself). A property removed by an update is
removed with its Delete* call (DeletePublicAccessBlock, DeleteBucketOwnershipControls,
DeleteBucketEncryption, DeleteBucketTagging, DeleteBucketLifecycle, logging disabled);
versioning cannot be removed once enabled, so it becomes Suspended.

All calls go through the S3 backend, so whatever the backend checks or defaults (for
example another extension's Block Public Access rules) applies to stacks as to the API.
"""

from __future__ import annotations

from typing import Any

from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.tagging_service import TaggingService
from moto.utilities.utils import get_partition

_original: dict[str, Any] = {}  # the classmethods apply() replaced (their functions)

_PUBLIC_ACCESS_BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                             "RestrictPublicBuckets")


def _encryption(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation BucketEncryption -> the shape moto keeps for PutBucketEncryption."""
    rule = config["ServerSideEncryptionConfiguration"][0]
    default = {"SSEAlgorithm": rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]}
    if rule["ServerSideEncryptionByDefault"].get("KMSMasterKeyID"):
        default["KMSMasterKeyID"] = rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    return {"Rule": {"ApplyServerSideEncryptionByDefault": default,
                     "BucketKeyEnabled": str(rule.get("BucketKeyEnabled", False)).lower()}}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """One CloudFormation lifecycle Rule -> the PutBucketLifecycleConfiguration shape."""
    tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters", [])]
    prefix = rule.get("Prefix", "")
    if not tags:
        lc_filter: dict[str, Any] = {"Prefix": prefix}
    elif len(tags) == 1 and not prefix:
        lc_filter = {"Tag": tags[0]}
    else:
        lc_filter = {"And": {"Prefix": prefix, "Tag": tags}}
    api: dict[str, Any] = {"ID": rule.get("Id"), "Status": rule["Status"], "Filter": lc_filter}
    expiration = {key: rule[cfn] for cfn, key in (("ExpirationInDays", "Days"), ("ExpirationDate", "Date"),
                                                   ("ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker"))
                  if cfn in rule}
    if expiration:
        api["Expiration"] = expiration
    transitions = rule.get("Transitions") or ([rule["Transition"]] if "Transition" in rule else [])
    if transitions:
        api["Transition"] = [{"Days": t.get("TransitionInDays"), "Date": t.get("TransitionDate"),
                              "StorageClass": t["StorageClass"]} for t in transitions]
    noncurrent = rule.get("NoncurrentVersionExpiration")
    if noncurrent is None and "NoncurrentVersionExpirationInDays" in rule:
        noncurrent = {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
    if noncurrent is not None:
        api["NoncurrentVersionExpiration"] = noncurrent
    nv_transitions = rule.get("NoncurrentVersionTransitions") or (
        [rule["NoncurrentVersionTransition"]] if "NoncurrentVersionTransition" in rule else [])
    if nv_transitions:
        api["NoncurrentVersionTransition"] = [
            {"NoncurrentDays": t["TransitionInDays"], "StorageClass": t["StorageClass"],
             "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions")} for t in nv_transitions]
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return api


def _apply(name: str, properties: dict[str, Any], account_id: str, region_name: str,
           creating: bool) -> None:
    """Put each property that is present; on update, remove each that is absent."""
    s3 = s3_backends[account_id][get_partition(region_name)]
    if "PublicAccessBlockConfiguration" in properties:
        config = properties["PublicAccessBlockConfiguration"]
        s3.put_public_access_block(name, {k: config.get(k, False) for k in _PUBLIC_ACCESS_BLOCK_KEYS})
    elif not creating:
        s3.delete_public_access_block(name)

    if "OwnershipControls" in properties:
        s3.put_bucket_ownership_controls(name, properties["OwnershipControls"]["Rules"][0]["ObjectOwnership"])
    elif not creating:
        s3.delete_bucket_ownership_controls(name)

    if "VersioningConfiguration" in properties:
        s3.put_bucket_versioning(name, properties["VersioningConfiguration"]["Status"])
    elif not creating and s3.get_bucket_versioning(name) == "Enabled":
        s3.put_bucket_versioning(name, "Suspended")

    if "BucketEncryption" in properties:
        s3.put_bucket_encryption(name, _encryption(properties["BucketEncryption"]))
    elif not creating:
        s3.delete_bucket_encryption(name)

    if "Tags" in properties:
        s3.put_bucket_tagging(name, TaggingService().flatten_tag_list(properties["Tags"]))
    elif not creating:
        s3.delete_bucket_tagging(name)

    if "LifecycleConfiguration" in properties:
        rules = [_lifecycle_rule(rule) for rule in properties["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(name, rules)
    elif not creating:
        s3.delete_bucket_lifecycle(name)

    if "LoggingConfiguration" in properties:
        config = properties["LoggingConfiguration"]
        s3.put_bucket_logging(name, {"TargetBucket": config.get("DestinationBucketName", name),
                                     "TargetPrefix": config.get("LogFilePrefix", "")})
    elif not creating:
        s3.put_bucket_logging(name, {})


def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                    account_id: str, region_name: str, **kwargs: Any) -> FakeBucket:
    bucket = _original["create"](cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    _apply(bucket.name, cloudformation_json.get("Properties", {}), account_id, region_name, creating=True)
    return bucket


def update_from_cloudformation_json(cls, original_resource: FakeBucket, new_resource_name: str,
                                    cloudformation_json: dict[str, Any], account_id: str,
                                    region_name: str) -> FakeBucket:
    properties = cloudformation_json.get("Properties", {})
    if properties.get("BucketName", original_resource.name) != original_resource.name:
        # A new name replaces the bucket; moto's replacement path creates it through ours.
        return _original["update"](cls, original_resource, new_resource_name, cloudformation_json, account_id,
                       region_name)
    _apply(original_resource.name, properties, account_id, region_name, creating=False)
    return original_resource


def apply() -> None:
    if getattr(FakeBucket, "_cfn_bucket_properties_extension", False):
        return
    _original["create"] = FakeBucket.create_from_cloudformation_json.__func__
    _original["update"] = FakeBucket.update_from_cloudformation_json.__func__
    FakeBucket.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    FakeBucket.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    FakeBucket._cfn_bucket_properties_extension = True
