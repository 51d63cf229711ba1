#!/usr/bin/env python3
"""Run the deployed function's handler here, on a real S3 event, against the real S3 API.

Used where the AWS endpoint cannot execute Lambda code (the embedded AWS stores functions
but cannot run them) and for replaying failures. The code is the deployment package itself
(--package: the zip the role built and deployed) and the environment is the deployed
function's (read back with GetFunctionConfiguration), so what runs here is what Lambda
would run. The event is built the way S3 builds it (key URL-encoded, versionId, eTag).

Prints one JSON object: {"local_invoke": true, "changed": <any object processed>, ...}.
Exit status 1 when the handler raised (Lambda would retry, then use its destination).

  python local_invoke.py --function trip-features --package dist.zip --bucket B --key raw/x.csv
  python local_invoke.py --function trip-features --package dist.zip --replay-queue URL
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime
from urllib.parse import quote_plus

import boto3


class LocalContext:
    """The parts of the Lambda context object the handler and Powertools read."""

    def __init__(self, function_name: str, function_arn: str, memory_mb: int, timeout_s: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = f"local-{uuid.uuid4()}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local-invoke"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def s3_event(s3, bucket: str, key: str, version_id: str | None = None) -> dict:
    head = s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))
    obj = {"key": quote_plus(key), "size": head["ContentLength"], "eTag": head["ETag"].strip('"'),
           "sequencer": f"{int(head['LastModified'].timestamp() * 1e6):016X}"}
    if head.get("VersionId") and head["VersionId"] != "null":
        obj["versionId"] = head["VersionId"]
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": s3.meta.region_name,
        "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "local-invoke",
               "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}, "object": obj},
    }]}


def load_handler(package: str | None, env: dict[str, str], workdir: str | None = None):
    """Import trip_features.handler from the deployment package (extracted into `workdir`)
    with the function's environment."""
    if package:
        target = os.path.join(workdir or tempfile.mkdtemp(prefix="lambda-package-"), "package")
        with zipfile.ZipFile(package) as zf:
            zf.extractall(target)
    else:
        target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")
    sys.path.insert(0, target)
    os.environ.update(env)
    for name in [m for m in sys.modules if m == "trip_features" or m.startswith("trip_features.")]:
        del sys.modules[name]
    return importlib.import_module("trip_features.handler")


def invoke(handler_module, event: dict, context: LocalContext) -> tuple[dict | None, str | None]:
    # The handler's JSON logs and EMF metrics go to stderr; stdout carries only our summary.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            return handler_module.lambda_handler(event, context), None
        except Exception as err:  # noqa: BLE001 (reported: Lambda would retry, then the destination)
            return None, f"{type(err).__name__}: {err}"


def replay_events(sqs, queue_url: str, max_messages: int) -> list[tuple[dict, str]]:
    """Failure-queue messages -> the events to run again (ours carry `replay_event`; a Lambda
    on-failure destination record carries `requestPayload`)."""
    out = []
    while len(out) < max_messages:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                    VisibilityTimeout=60).get("Messages", [])
        if not batch:
            break
        for msg in batch:
            body = json.loads(msg["Body"])
            event = body.get("replay_event") or body.get("requestPayload")
            if event:
                out.append((event, msg["ReceiptHandle"]))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--function", required=True, help="deployed function whose configuration to use")
    p.add_argument("--package", help="deployment zip to run (default: the source tree)")
    p.add_argument("--bucket")
    p.add_argument("--key")
    p.add_argument("--version-id")
    p.add_argument("--replay-queue", help="replay the events held in this failure queue instead")
    p.add_argument("--max-messages", type=int, default=100)
    a = p.parse_args(argv)
    if not a.replay_queue and not (a.bucket and a.key):
        p.error("give --bucket and --key, or --replay-queue")

    with tempfile.TemporaryDirectory(prefix="lambda-local-invoke-") as workdir:
        return run(a, workdir)


def run(a: argparse.Namespace, workdir: str) -> int:
    conf = boto3.client("lambda").get_function_configuration(FunctionName=a.function)
    env = conf.get("Environment", {}).get("Variables", {})
    with contextlib.redirect_stdout(sys.stderr):  # Powertools binds its log stream at import
        handler_module = load_handler(a.package, env, workdir)
    context_args = (conf["FunctionName"], conf["FunctionArn"], conf["MemorySize"], conf["Timeout"])

    runs = []
    if a.replay_queue:
        sqs = boto3.client("sqs")
        for event, receipt in replay_events(sqs, a.replay_queue, a.max_messages):
            result, error = invoke(handler_module, event, LocalContext(*context_args))
            if error is None:  # a replay that raised stays on the queue
                sqs.delete_message(QueueUrl=a.replay_queue, ReceiptHandle=receipt)
            runs.append({"result": result, "error": error})
    else:
        event = s3_event(boto3.client("s3"), a.bucket, a.key, a.version_id)
        result, error = invoke(handler_module, event, LocalContext(*context_args))
        runs.append({"event": event, "result": result, "error": error})
    statuses = [r.get("status") for item in runs for r in ((item["result"] or {}).get("results") or [])]
    summary = {"local_invoke": True, "function": a.function, "changed": "processed" in statuses or
               "empty" in statuses, "statuses": statuses, "runs": runs}
    print(json.dumps(summary, default=str))
    return 1 if any(item["error"] for item in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
