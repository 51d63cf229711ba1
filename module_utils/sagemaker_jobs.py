# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the SageMaker job modules (library/sagemaker_training_job.py, sagemaker_transform_job.py)
share: the S3 objects a job reads, the name hashed from its inputs, describe-or-none, the wait loop."""

from __future__ import annotations

import hashlib
import json
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code, is_boto3_error_message
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
PREFIX_LIMIT = 50
ENDED = ("Completed", "Failed", "Stopped")


# The options every hashed job module has (each documents them in its DOCUMENTATION).
JOB_OPTIONS = {
    "name": {"type": "str"},
    "name_prefix": {"type": "str"},
    "tags": {"type": "dict", "default": {}},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 3600},
}


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


class HashedJob:
    """The life of a SageMaker job named from its inputs: found and judged, waited for while it
    runs, or created (not in check mode) and waited for. A subclass sets KIND (`training`,
    `transform`, `processing`: the API's DescribeTrainingJob, TrainingJobStatus...), RETRY
    (what to change to run again) and result(job, name); its run() hashes what the job reads
    (self.digest) and calls converge()."""

    KIND = ""
    RETRY = ""

    def __init__(self, module) -> None:
        self.module, self.params, self.digest = module, module.params, ""
        retry = AWSRetry.jittered_backoff()
        self.sagemaker = module.client("sagemaker", retry_decorator=retry)
        self.s3 = module.client("s3", retry_decorator=retry)

    @property
    def api(self) -> str:
        return f"{self.KIND.capitalize()}Job"

    def describe(self, name: str) -> dict | None:
        return describe_or_none(getattr(self.sagemaker, f"describe_{self.KIND}_job"), **{f"{self.api}Name": name})

    def result(self, job: dict | None, name: str | None = None) -> dict:
        raise NotImplementedError

    def wait(self, name: str) -> dict | None:
        def timed_out(job: dict) -> None:
            secondary = f" ({job['SecondaryStatus']})" if job.get("SecondaryStatus") else ""
            self.module.fail_json(msg=f"{self.KIND} job {name} is still {job[self.api + 'Status']}{secondary} after "
                                      f"{self.params['wait_timeout']}s (wait_timeout); it goes on in SageMaker",
                                  **self.result(job))
        return wait_for(lambda: self.describe(name), lambda job: job[self.api + "Status"],
                        self.params["wait_timeout"], timed_out)

    def judge(self, job: dict, changed: bool, diff: dict | None) -> None:
        extra = {"diff": diff} if diff is not None else {}
        status = job[self.api + "Status"]
        if status in ("Failed", "Stopped"):
            secondary = f" ({job['SecondaryStatus']})" if job.get("SecondaryStatus") else ""
            self.module.fail_json(
                msg=f"{self.KIND} job {job[self.api + 'Name']} ended {status}{secondary}: "
                    f"{job.get('FailureReason') or 'no FailureReason'}. SageMaker does not reuse a job name: "
                    f"{self.RETRY}.",
                changed=changed, failure_reason=job.get("FailureReason"), **self.result(job), **extra)
        self.module.exit_json(changed=changed, **self.result(job), **extra)

    def converge(self, spec: dict, after: dict) -> None:
        """Judge the job named in `spec` if it exists, else create it (check mode: say it would)."""
        name, check = spec[self.api + "Name"], self.module.check_mode
        diff = {"before": after, "after": after} if self.module._diff else None
        job = self.describe(name)
        if job is not None:
            if job[self.api + "Status"] not in ENDED and self.params["wait"] and not check:
                job = self.wait(name)
            self.judge(job, False, diff)
        diff = {"before": {}, "after": after} if self.module._diff else None
        if check:
            self.module.exit_json(changed=True, **self.result(None, name), **({"diff": diff} if diff else {}))
        getattr(self.sagemaker, f"create_{self.KIND}_job")(aws_retry=True, **spec)
        job = self.wait(name) if self.params["wait"] else self.describe(name)
        if job is None:
            self.module.fail_json(msg=f"{self.KIND} job {name} disappeared after its creation", changed=True,
                                  **self.result(None, name))
        self.judge(job, True, diff)

    def no_data(self, err: NoData, what: str) -> None:
        """No input yet: a failure, except in check mode from nothing (the same run uploads it)."""
        if not self.module.check_mode:
            self.module.fail_json(msg=f"no input: {err} ({what})")
        self.module.exit_json(changed=True, msg=f"a {self.KIND} job would be created once the input is there "
                                                f"({err})", **self.result(None))
