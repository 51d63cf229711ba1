# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the SageMaker job modules (library/sagemaker_training_job.py, sagemaker_transform_job.py)
share: the S3 objects a job reads, the name hashed from its inputs, describe-or-none, the wait loop."""

from __future__ import annotations

import hashlib
import json
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code, is_boto3_error_message

NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
PREFIX_LIMIT = 50
ENDED = ("Completed", "Failed", "Stopped")


class NoData(Exception):
    """An input prefix holds nothing (or its bucket does not exist)."""


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def s3_objects(s3, uri: str) -> list[list[str]]:
    """[key, ETag] of every object under the prefix, sorted: what the job will read."""
    bucket, prefix = split_s3(uri)
    objects = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            objects += [[o["Key"], o["ETag"]] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    except is_boto3_error_code("NoSuchBucket"):
        raise NoData(f"bucket {bucket} does not exist") from None
    if not objects:
        raise NoData(f"no objects under {uri}")
    return sorted(objects)


def inputs_sha256(spec: dict, data, drop: tuple[str, ...]) -> str:
    """The hash of a Create*Job request less the fields in `drop` (naming, permissions, labels) and
    of the data it reads: the same hash means the same job."""
    spec = {k: v for k, v in spec.items() if k not in drop}
    return hashlib.sha256(json.dumps({"request": spec, "data": data}, sort_keys=True).encode()).hexdigest()


def check_naming(module) -> None:
    """name xor name_prefix, each in SageMaker's form (the prefix leaves room for -<12 hex>)."""
    p = module.params
    if bool(p["name"]) == bool(p["name_prefix"]):
        module.fail_json(msg="set exactly one of name and name_prefix")
    if p["name"] and not NAME.match(p["name"]):
        module.fail_json(msg=f"name {p['name']!r} must be 1-63 letters, digits and hyphens, starting with a "
                             "letter or digit")
    if p["name_prefix"] and (len(p["name_prefix"]) > PREFIX_LIMIT or not NAME.match(p["name_prefix"])):
        module.fail_json(msg=f"name_prefix {p['name_prefix']!r} must be 1-{PREFIX_LIMIT} letters, digits and "
                             "hyphens, starting with a letter or digit")


def job_name(params: dict, digest: str) -> str:
    return params["name"] or f"{params['name_prefix']}-{digest[:12]}"


def describe_or_none(call, **kwargs) -> dict | None:
    """A Describe*Job answer, or None when the job does not exist (moto and AWS word it differently)."""
    try:
        return call(aws_retry=True, **kwargs)
    except is_boto3_error_message("Requested resource not found"):
        return None
    except is_boto3_error_code(("ValidationException", "ResourceNotFound")):
        return None


def wait_for(describe, status_of, timeout: int, on_timeout, interval: float = 2.0) -> dict | None:
    """Poll describe() until the job has ended (or is gone); past `timeout` s call on_timeout(job)."""
    deadline = time.monotonic() + timeout
    while True:
        job = describe()
        if job is None or status_of(job) in ENDED:
            return job
        if time.monotonic() > deadline:
            on_timeout(job)
            return job
        time.sleep(interval)
