"""s3_delete_objects_versions: in DeleteObjects, an object named with a VersionId needs
s3:DeleteObjectVersion; each denied object is reported in Errors, the others are deleted
(stock moto: strict xfail; ours: pass)."""

from __future__ import annotations

from tests.emulator.tls import policy

BUCKET = "versions-kept"


def test_deleting_a_version_needs_delete_object_version(flavour):
    s3 = flavour.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    kept = s3.put_object(Bucket=BUCKET, Key="kept", Body=b"1")["VersionId"]
    s3.put_object(Bucket=BUCKET, Key="current", Body=b"2")
    # Versions may not be destroyed; plain deletes (which add a delete marker) may happen.
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObjectVersion",
         "Resource": f"arn:aws:s3:::{BUCKET}/*"}))

    result = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [
        {"Key": "kept", "VersionId": kept}, {"Key": "current"}]})

    assert [(e["Key"], e["Code"]) for e in result.get("Errors", [])] == [("kept", "AccessDenied")]
    assert [(d["Key"], d.get("DeleteMarker")) for d in result.get("Deleted", [])] == [("current", True)]
    versions = s3.list_object_versions(Bucket=BUCKET)
    assert [v["VersionId"] for v in versions["Versions"] if v["Key"] == "kept"] == [kept]
    assert [m["Key"] for m in versions.get("DeleteMarkers", [])] == ["current"]
