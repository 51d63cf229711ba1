"""Lambda entry point: a thin adapter from S3 events to process.process_object.

Cold start validates the configuration (a bad variable fails the init phase, naming
it). Per object: transient AWS errors are retried with exponential backoff and jitter
(botocore's standard retry mode inside each call, and the whole object again on top
for failures mid-stream); permanent errors are posted to the failure queue with the
original event record, ready to replay; anything left raises, so Lambda's own async
retries and its on-failure destination (the same queue) take over.
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
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from botocore.config import Config as BotoConfig

from trip_features import config as config_module
from trip_features import schema as schema_module
from trip_features.errors import ConfigError, PermanentError
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


def client(name: str):
    if name not in _clients:
        _clients[name] = boto3.client(name, config=_BOTO)
    return _clients[name]


def object_ref(record) -> ObjectRef:
    obj = record.s3.get_object
    return ObjectRef(bucket=record.s3.bucket.name, key=unquote_plus(obj.key), version_id=obj.version_id,
                     etag=obj.get("eTag"), size=obj.get("size"))


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


def report_failure(record, ref: ObjectRef, err: PermanentError, context) -> None:
    """Post a replayable failure: the original record, what went wrong, who saw it."""
    message = {
        "failure_version": 1,
        "failed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "error": {"type": err.kind, "message": str(err)},
        "object": {"bucket": ref.bucket, "key": ref.key, "version_id": ref.version_id, "etag": ref.etag},
        "request_id": context.aws_request_id,
        "function": getattr(context, "invoked_function_arn", ""),
        "replay_event": {"Records": [dict(record.raw_event)]},
    }
    client("sqs").send_message(QueueUrl=CONFIG.failure_queue_url, MessageBody=json.dumps(message),
                               MessageAttributes={"error_type": {"DataType": "String", "StringValue": err.kind}})


def handle_record(record, context) -> dict:
    ref = object_ref(record)
    logger.append_keys(bucket=ref.bucket, object_key=ref.key, version_id=ref.version_id)
    started = time.monotonic()
    try:
        result = process_with_retries(ref, context)
    except PermanentError as err:
        logger.error("object not processed: sent to the failure queue",
                     extra={"error_type": err.kind, "error": str(err)})
        report_failure(record, ref, err, context)
        metrics.add_metric(name="ObjectsFailed", unit=MetricUnit.Count, value=1)
        return {"status": "failed", "key": ref.key, "version_id": ref.version_id,
                "error": {"type": err.kind, "message": str(err)}}
    finally:
        logger.remove_keys(["bucket", "object_key", "version_id"])
    status = result["status"]
    if status in ("skipped", "ignored"):
        logger.info(f"object {status}: {result['reason']}", extra={"object_key": ref.key})
        metrics.add_metric(name="ObjectsSkipped", unit=MetricUnit.Count, value=1)
        return {"status": status, "key": ref.key, "version_id": ref.version_id, "reason": result["reason"],
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


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context) -> dict:
    results = [handle_record(record, context) for record in event.records]
    return {"results": [{k: v for k, v in r.items() if v is not None} for r in results]}
