"""Lambda entry point: a thin adapter from S3 events to process.process_object.

Cold start validates the configuration (a bad variable fails the init phase, naming
it). Per object: transient AWS errors are retried with exponential backoff and jitter
(botocore's standard retry mode inside each call, and the whole object again on top
for failures mid-stream); permanent errors are posted to the failure queue with the
original event record, ready to replay. Each record of an event is handled on its own:
one that fails never stops the others. Only after all of them does the invocation fail,
and only for what Lambda's own retries can fix (a transient error that outlived the
retries here, or a failure queue that could not be written): its async retries and its
on-failure destination (the same queue) then hold the event. A retry is cheap and
safe: the records already done are skipped (their manifests exist).
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config as BotoConfig
from botocore.exceptions import ParamValidationError

from trip_features import config as config_module
from trip_features import schema as schema_module
from trip_features.errors import ConfigError, InvalidEvent, PermanentError
from trip_features.process import ObjectRef, is_transient, process_object

for _name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"):
    if not os.environ.get(_name):
        raise ConfigError(f"{_name} must be set (structured logs and EMF metrics need it)")
CONFIG = config_module.from_env()
SCHEMA = schema_module.load()
logger = Logger()
metrics = Metrics()
_BOTO = BotoConfig(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)
_clients: dict[str, object] = {}
MAX_MESSAGE_BYTES = 200_000  # SQS takes 256 KiB; room for the attributes


def client(name: str):
    if name not in _clients:
        _clients[name] = boto3.client(name, config=_BOTO)
    return _clients[name]


def object_ref(record: object) -> ObjectRef | None:
    """The object an S3 event record names; None for an S3 event that creates nothing (a
    deletion, the s3:TestEvent S3 sends when notifications are set up). Anything else that
    is not an S3 object-created record raises InvalidEvent, naming what is wrong."""
    if not isinstance(record, dict):
        raise InvalidEvent(f"event record is {type(record).__name__}, not an S3 event record")
    if record.get("eventSource") != "aws:s3":
        raise InvalidEvent(f"not an S3 event record (eventSource {str(record.get('eventSource'))[:80]!r})")
    name = record.get("eventName")
    if not isinstance(name, str) or not name:
        raise InvalidEvent("S3 event record without an eventName")
    if not name.startswith(("ObjectCreated:", "s3:ObjectCreated:")):
        return None
    s3 = record.get("s3")
    bucket = s3.get("bucket") if isinstance(s3, dict) else None
    obj = s3.get("object") if isinstance(s3, dict) else None
    bucket_name = bucket.get("name") if isinstance(bucket, dict) else None
    key = obj.get("key") if isinstance(obj, dict) else None
    if not isinstance(bucket_name, str) or not bucket_name or not isinstance(key, str) or not key:
        raise InvalidEvent("S3 event record without s3.bucket.name and s3.object.key")
    version, etag, size = obj.get("versionId"), obj.get("eTag"), obj.get("size")
    return ObjectRef(bucket=bucket_name, key=unquote_plus(key),
                     version_id=version if isinstance(version, str) and version else None,
                     etag=etag if isinstance(etag, str) and etag else None,
                     size=size if isinstance(size, int) else None)


def _remaining_s(context) -> float:
    try:
        return context.get_remaining_time_in_millis() / 1000
    except AttributeError:
        return 900.0


def process_with_retries(ref: ObjectRef, context, sleep=time.sleep) -> dict:
    attempt = 0
    while True:
        attempt += 1
        try:
            return process_object(client("s3"), ref, CONFIG, SCHEMA, request_id=context.aws_request_id)
        except Exception as err:
            if not is_transient(err) or attempt >= CONFIG.object_attempts:
                raise
            delay = CONFIG.backoff_base_s * 2 ** (attempt - 1) * (1 + random.random())  # noqa: S311 (jitter)
            if delay + 30 > _remaining_s(context):
                raise
            logger.warning("transient error; retrying the object", extra={
                "attempt": attempt, "delay_s": round(delay, 2), "error": f"{type(err).__name__}: {err}"})
            sleep(delay)


def report_failure(record, ref: ObjectRef | None, err: PermanentError, context) -> None:
    """Post a replayable failure: the original record, what went wrong, who saw it."""
    message = {
        "failure_version": 1,
        "failed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "error": {"type": err.kind, "message": str(err)},
        "object": None if ref is None else
                  {"bucket": ref.bucket, "key": ref.key, "version_id": ref.version_id, "etag": ref.etag},
        "request_id": context.aws_request_id,
        "function": getattr(context, "invoked_function_arn", ""),
        "replay_event": {"Records": [record]},
    }
    body = json.dumps(message)
    if len(body) > MAX_MESSAGE_BYTES:  # an event too big for SQS: keep its start, say so
        message["replay_event"] = None
        message["event_excerpt"] = json.dumps(record)[:4096]
        body = json.dumps(message)
    client("sqs").send_message(QueueUrl=CONFIG.failure_queue_url, MessageBody=body,
                               MessageAttributes={"error_type": {"DataType": "String", "StringValue": err.kind}})


class RetryLater(Exception):
    """A record Lambda's own retry may still process; raised once every record is done."""


def handle_record(record, context) -> dict:
    ref = None
    started = time.monotonic()
    try:
        ref = object_ref(record)
        if ref is None:
            result = {"status": "ignored", "reason": f"not an object-created event ({record.get('eventName')})"}
        else:
            logger.append_keys(bucket=ref.bucket, object_key=ref.key, version_id=ref.version_id)
            result = process_with_retries(ref, context)
    except Exception as err:
        if isinstance(err, PermanentError):
            failure = err
        elif isinstance(err, ParamValidationError):  # botocore refused the event's bucket or key
            failure = InvalidEvent(f"the event names a bucket or key S3 cannot take: {err}")
        elif is_transient(err):
            logger.exception("transient error outlived the retries: Lambda will retry the event")
            raise RetryLater(f"{type(err).__name__}: {err}") from err
        else:  # a bug, or a case nobody foresaw: reported with the record, never lost
            logger.exception("unexpected error: sent to the failure queue")
            failure = PermanentError(f"{type(err).__name__}: {str(err)[:500]}")
            failure.kind = "UnexpectedError"
        logger.error("object not processed: sent to the failure queue",
                     extra={"error_type": failure.kind, "error": str(failure)})
        try:
            report_failure(record, ref, failure, context)
        except Exception as post_err:
            # The queue is not the only record: failing the invocation hands the event to
            # Lambda's retries and its on-failure destination.
            logger.exception("could not post to the failure queue")
            raise RetryLater(f"failure queue: {type(post_err).__name__}: {post_err}") from post_err
        metrics.add_metric(name="ObjectsFailed", unit=MetricUnit.Count, value=1)
        return {"status": "failed", "key": getattr(ref, "key", None), "version_id": getattr(ref, "version_id", None),
                "error": {"type": failure.kind, "message": str(failure)}}
    finally:
        logger.remove_keys(["bucket", "object_key", "version_id"])
    status = result["status"]
    if status in ("skipped", "ignored"):
        logger.info(f"object {status}: {result['reason']}", extra={"object_key": getattr(ref, "key", None)})
        metrics.add_metric(name="ObjectsSkipped", unit=MetricUnit.Count, value=1)
        return {"status": status, "key": getattr(ref, "key", None), "version_id": getattr(ref, "version_id", None),
                "reason": result["reason"],
                "manifest_key": result.get("manifest")}
    counts = result["counts"]
    logger.info("object processed", extra={"object_key": ref.key, "status": status, **counts,
                                           "bytes_in": result["source"]["bytes"]})
    metrics.add_metric(name="ObjectsProcessed", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Records", unit=MetricUnit.Count, value=counts["records_in"])
    metrics.add_metric(name="RecordsOut", unit=MetricUnit.Count, value=counts["records_out"])
    metrics.add_metric(name="Rejects", unit=MetricUnit.Count, value=counts["records_rejected"])
    metrics.add_metric(name="BytesIn", unit=MetricUnit.Bytes, value=result["source"]["bytes"])
    metrics.add_metric(name="Duration", unit=MetricUnit.Milliseconds,
                       value=round((time.monotonic() - started) * 1000, 1))
    return {"status": status, "key": ref.key, "version_id": result["source"]["version_id"], "counts": counts,
            "manifest_key": result["manifest_key"]}


def event_records(event: object) -> list:
    """The records of an S3 notification; anything else is one invalid record (reported)."""
    if isinstance(event, dict) and isinstance(event.get("Records"), list) and event["Records"]:
        return event["Records"]
    if isinstance(event, dict) and event.get("Event") == "s3:TestEvent":
        return []  # S3 checks it may invoke the function when notifications are configured
    return [event]


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context) -> dict:
    results, retry = [], []
    for record in event_records(event):
        try:
            results.append(handle_record(record, context))
        except RetryLater as err:
            retry.append(str(err))
            results.append({"status": "retry", "error": str(err)})
    if retry:  # every other record is done (and will be skipped on the retry)
        raise RetryLater(f"{len(retry)} of {len(results)} record(s) need Lambda's retry: {retry}")
    return {"results": [{k: v for k, v in r.items() if v is not None} for r in results]}
