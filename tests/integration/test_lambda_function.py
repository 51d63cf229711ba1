"""The function's handler against the emulator's S3 and SQS: the S3 event in, real
objects out (processed rows, rejects, manifest), the failure queue for what cannot be
processed. The handler runs in this process with the function's environment, exactly as
the local invoke runs it (the emulator stores Lambda functions but cannot execute them)."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "files" / "lambda" / "src"))
sys.path.insert(0, str(PROJECT / "files" / "lambda"))

import generate  # noqa: E402
import local_invoke  # noqa: E402

BUCKET = "lambda-data-test"
FUNCTION = "trip-features-test"


@pytest.fixture
def aws(clean_emulator, monkeypatch):
    """Bucket, queue and function environment; returns (s3, sqs, queue_url, invoke)."""
    for name, value in clean_emulator.env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    s3, sqs = clean_emulator.client("s3"), clean_emulator.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    queue = sqs.create_queue(QueueName=f"{FUNCTION}-failures")["QueueUrl"]
    env = {"FAILURE_QUEUE_URL": queue, "POWERTOOLS_SERVICE_NAME": FUNCTION,
           "POWERTOOLS_METRICS_NAMESPACE": "Test/TripFeatures", "BATCH_BYTES": str(256 * 1024),
           "PART_BYTES": str(5 * 1024 * 1024)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    handler = local_invoke.load_handler(None, env)
    handler = importlib.reload(handler)

    def invoke(key: str, event: dict | None = None, *, all_results: bool = False):
        event = local_invoke.s3_event(s3, BUCKET, key) if event is None else event
        context = local_invoke.LocalContext(FUNCTION, f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}",
                                            1024, 900)
        results = handler.lambda_handler(event, context)["results"]
        return results if all_results else results[0]

    invoke.handler = handler
    return s3, sqs, queue, invoke


def put_generated(s3, key: str, gzip_output: bool = False, **kwargs) -> generate.Stats:
    stats = generate.Stats()
    data = b"".join(generate.iter_chunks(stats=stats, **kwargs))
    s3.put_object(Bucket=BUCKET, Key=key, Body=gzip.compress(data, mtime=0) if gzip_output else data)
    return stats


def read(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def manifest_of(s3, result: dict) -> dict:
    return json.loads(read(s3, result["manifest_key"]))


def keys(s3, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def failures(sqs, queue: str) -> list[dict]:
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


@pytest.mark.parametrize(("fmt", "gzipped"), [("csv", False), ("jsonl", False), ("csv", True), ("jsonl", True)])
def test_objects_are_processed_and_every_record_accounted_for(aws, fmt, gzipped):
    s3, sqs, queue, invoke = aws
    key = f"raw/2024/trips.{fmt}"  # the name says nothing about the gzip: content decides
    stats = put_generated(s3, key, gzip_output=gzipped, rows=3000, seed=11, bad_fraction=0.05, fmt=fmt)
    result = invoke(key)
    assert result["status"] == "processed", result
    manifest = manifest_of(s3, result)
    counts = manifest["counts"]
    assert counts["records_in"] == 3000
    assert counts["records_rejected"] == stats.bad_rows > 0
    assert counts["records_out"] + counts["records_rejected"] == counts["records_in"]
    assert manifest["source"]["compression"] == ("gzip" if gzipped else "none")
    assert manifest["source"]["format"] == fmt and manifest["source"]["version_id"]
    processed = read(s3, manifest["outputs"]["processed"]["key"])
    rejected = read(s3, manifest["outputs"]["rejected"]["key"])
    assert processed.count(b"\n") == counts["records_out"] + 1  # header
    assert rejected.count(b"\n") == counts["records_rejected"]
    assert hashlib.sha256(processed).hexdigest() == manifest["outputs"]["processed"]["sha256"]
    assert hashlib.sha256(rejected).hexdigest() == manifest["outputs"]["rejected"]["sha256"]
    assert all(json.loads(line)["reasons"] for line in rejected.splitlines())
    assert failures(sqs, queue) == []


def test_empty_object_has_a_manifest_and_no_outputs(aws):
    s3, _sqs, _queue, invoke = aws
    s3.put_object(Bucket=BUCKET, Key="raw/empty.csv", Body=b"")
    result = invoke("raw/empty.csv")
    manifest = manifest_of(s3, result)
    assert result["status"] == manifest["status"] == "empty"
    assert manifest["counts"]["records_in"] == 0 and manifest["outputs"] == {"processed": None, "rejected": None}
    assert keys(s3, "processed/") == keys(s3, "rejected/") == []
    assert invoke("raw/empty.csv")["status"] == "skipped"  # and a redelivery is skipped


def test_redelivered_event_is_skipped_and_reprocessing_is_idempotent(aws):
    s3, _, _, invoke = aws
    put_generated(s3, "raw/a.csv", rows=500, seed=2, bad_fraction=0.1)
    first = invoke("raw/a.csv")
    manifest = manifest_of(s3, first)
    again = invoke("raw/a.csv")
    assert again["status"] == "skipped" and "already processed" in again["reason"]
    # Forced reprocessing of the same version (manifest gone): same keys, same bytes, no duplicates.
    s3.delete_object(Bucket=BUCKET, Key=first["manifest_key"])
    redo = manifest_of(s3, invoke("raw/a.csv"))
    for kind in ("processed", "rejected"):
        assert redo["outputs"][kind]["key"] == manifest["outputs"][kind]["key"]
        assert redo["outputs"][kind]["sha256"] == manifest["outputs"][kind]["sha256"]
    assert keys(s3, "processed/") == [manifest["outputs"]["processed"]["key"]]
    assert keys(s3, "rejected/") == [manifest["outputs"]["rejected"]["key"]]
    # A new version of the same key is new input: its own outputs, next to the first ones.
    put_generated(s3, "raw/a.csv", rows=100, seed=3)
    newer = invoke("raw/a.csv")
    assert newer["status"] == "processed" and newer["version_id"] != first["version_id"]
    assert len(keys(s3, "processed/")) == 2


def test_large_object_streams_through_multipart_uploads(aws):
    s3, _, _, invoke = aws
    put_generated(s3, "raw/big.csv", target_bytes=12 * 1024 * 1024, seed=5, bad_fraction=0.01)
    result = invoke("raw/big.csv")
    manifest = manifest_of(s3, result)
    out = manifest["outputs"]["processed"]
    assert out["parts"] >= 2 and out["bytes"] > 5 * 1024 * 1024
    body = read(s3, out["key"])
    assert len(body) == out["bytes"] and hashlib.sha256(body).hexdigest() == out["sha256"]
    assert body.count(b"\n") - 1 == manifest["counts"]["records_out"]
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize(("body", "error_type"), [
    ("truncated", "TruncatedGzip"),
    ("utf16", "UnsupportedEncoding"),
    ("noheader", "UnrecognisedFormat"),
])
def test_permanent_errors_go_to_the_failure_queue_with_a_replayable_event(aws, body, error_type):
    s3, sqs, queue, invoke = aws
    good = b"".join(generate.iter_chunks(rows=20000, seed=4))
    data = {"truncated": gzip.compress(good, mtime=0)[:-5000],
            "utf16": good.decode().encode("utf-16"),
            "noheader": b"1,2,3\n4,5,6\n"}[body]
    s3.put_object(Bucket=BUCKET, Key="raw/bad.bin", Body=data)
    result = invoke("raw/bad.bin")
    assert result["status"] == "failed" and result["error"]["type"] == error_type
    (message,) = failures(sqs, queue)
    assert message["error"]["type"] == error_type and message["object"]["key"] == "raw/bad.bin"
    assert message["object"]["version_id"] == result["version_id"]
    record = message["replay_event"]["Records"][0]
    assert record["s3"]["object"]["versionId"] == result["version_id"]
    # Nothing half-written: no outputs, no manifest, no multipart upload left open.
    assert keys(s3, "processed/") == keys(s3, "rejected/") == keys(s3, "manifests/") == []
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    # The replay event reproduces the same verdict (it carries everything needed).
    assert invoke("raw/bad.bin", message["replay_event"])["error"]["type"] == error_type


def test_missing_object_is_reported_not_retried(aws):
    s3, sqs, queue, invoke = aws
    put_generated(s3, "raw/gone.csv", rows=10, seed=1)
    event = local_invoke.s3_event(s3, BUCKET, "raw/gone.csv")
    version = event["Records"][0]["s3"]["object"]["versionId"]
    s3.delete_object(Bucket=BUCKET, Key="raw/gone.csv", VersionId=version)
    result = invoke("raw/gone.csv", event)
    assert result["status"] == "failed" and result["error"]["type"] == "ObjectMissing"
    assert failures(sqs, queue)[0]["error"]["type"] == "ObjectMissing"


def test_replay_tool_runs_lambda_destination_records(aws, clean_emulator):
    """What Lambda's on-failure destination posts after its own retries (requestPayload =
    the event) is replayed by local_invoke --replay-queue, with the deployed function's
    environment, and removed from the queue once it succeeded."""
    s3, sqs, queue, _ = aws
    iam, lam = clean_emulator.client("iam"), clean_emulator.client("lambda")
    role = iam.create_role(RoleName="replay-test", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName=FUNCTION, Runtime="python3.11", Role=role, Handler="x.h",
                        Code={"ZipFile": _empty_zip()}, Environment={"Variables": {
                            "FAILURE_QUEUE_URL": queue, "POWERTOOLS_SERVICE_NAME": FUNCTION,
                            "POWERTOOLS_METRICS_NAMESPACE": "Test/TripFeatures"}})
    put_generated(s3, "raw/late.csv", rows=50, seed=9)
    event = local_invoke.s3_event(s3, BUCKET, "raw/late.csv")
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({
        "version": "1.0", "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": event, "responsePayload": {"errorType": "ReadTimeoutError"}}))
    proc = subprocess.run([sys.executable, str(PROJECT / "files" / "lambda" / "local_invoke.py"),
                           "--function", FUNCTION, "--replay-queue", queue],
                          env=clean_emulator.env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["statuses"] == ["processed"] and summary["changed"] is True
    assert keys(s3, "manifests/late.csv/")
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"


def _empty_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.py", "")
    return buf.getvalue()


HEADER = b"trip_id,pickup_at,dropoff_at,pickup_zone,dropoff_zone,passenger_count,trip_distance_km,payment_type"
ROW = b"T1,2024-03-04T08:00:00Z,2024-03-04T08:20:00Z,132,48,1,18.5,card"


def test_one_bad_record_never_stops_the_others_in_its_event(aws):
    """Records of one event are independent: an invalid record, a missing bucket and a key
    too long for its outputs are each a permanent failure on the queue; the good object
    after them is processed."""
    s3, sqs, queue, invoke = aws
    s3.put_object(Bucket=BUCKET, Key="raw/good.csv", Body=HEADER + b"\n" + ROW + b"\n")
    good = local_invoke.s3_event(s3, BUCKET, "raw/good.csv")["Records"][0]
    long_key = "raw/" + "k" * 1010
    s3.put_object(Bucket=BUCKET, Key=long_key, Body=HEADER + b"\n")
    too_long = local_invoke.s3_event(s3, BUCKET, long_key)["Records"][0]
    no_bucket = json.loads(json.dumps(good))
    no_bucket["s3"]["bucket"]["name"] = "no-such-bucket-here"
    bad_name = json.loads(json.dumps(good))
    bad_name["s3"]["bucket"]["name"] = "not a bucket name"
    event = {"Records": [{"eventSource": "aws:sqs", "body": "x"}, {"eventSource": "aws:s3"}, no_bucket,
                         too_long, bad_name, good]}
    results = invoke("", event, all_results=True)
    assert [r["status"] for r in results] == ["failed"] * 5 + ["processed"], results
    assert [r.get("error", {}).get("type") for r in results[:5]] == \
        ["InvalidEvent", "InvalidEvent", "ObjectMissing", "KeyTooLong", "InvalidEvent"]
    messages = []
    while batch := failures(sqs, queue):
        messages += batch
    assert sorted(m["error"]["type"] for m in messages) == \
        ["InvalidEvent", "InvalidEvent", "InvalidEvent", "KeyTooLong", "ObjectMissing"]
    assert all(m["replay_event"]["Records"][0] in event["Records"] for m in messages)
    assert "1024-byte limit" in next(m for m in messages if m["error"]["type"] == "KeyTooLong")["error"]["message"]


@pytest.mark.parametrize("event", [{}, {"Records": []}, [], "text", {"Records": "x"}, {"detail": {}}])
def test_events_that_are_not_s3_notifications_are_reported(aws, event):
    _s3, sqs, queue, invoke = aws
    results = invoke("", event, all_results=True)
    assert [r["status"] for r in results] == ["failed"] and results[0]["error"]["type"] == "InvalidEvent"
    (message,) = failures(sqs, queue)
    assert message["replay_event"] == {"Records": [event]}


def test_s3_test_event_and_deletions_are_ignored(aws):
    _s3, sqs, queue, invoke = aws
    assert invoke("", {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET},
                  all_results=True) == []
    removed = {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
               "s3": {"bucket": {"name": BUCKET}, "object": {"key": "raw/x.csv"}}}
    (result,) = invoke("", {"Records": [removed]}, all_results=True)
    assert result["status"] == "ignored" and "ObjectRemoved:Delete" in result["reason"]
    assert failures(sqs, queue) == []


def test_unversioned_object_overwritten_before_processing_is_reported_not_misfiled(aws):
    """Without versioning the event names the content by its ETag: the function reads that
    content (If-Match) or reports that the key now holds another."""
    s3, sqs, queue, invoke = aws
    s3.create_bucket(Bucket="plain-bucket")
    s3.put_object(Bucket="plain-bucket", Key="raw/t.csv", Body=HEADER + b"\n" + ROW + b"\n")
    event = local_invoke.s3_event(s3, "plain-bucket", "raw/t.csv")
    assert "versionId" not in event["Records"][0]["s3"]["object"]
    s3.put_object(Bucket="plain-bucket", Key="raw/t.csv", Body=HEADER + b"\n" + ROW + b"\n" + ROW + b"\n")
    result = invoke("", event)
    assert result["status"] == "failed" and result["error"]["type"] == "ObjectChanged", result
    assert s3.list_objects_v2(Bucket="plain-bucket", Prefix="processed/").get("KeyCount") == 0
    assert failures(sqs, queue)[0]["error"]["type"] == "ObjectChanged"
    fresh = invoke("", local_invoke.s3_event(s3, "plain-bucket", "raw/t.csv"))
    assert fresh["status"] == "processed" and fresh["counts"]["records_out"] == 2


@pytest.mark.parametrize(("body", "fmt", "counts"), [
    (HEADER + b"\r" + ROW + b"\r" + ROW + b"\r", "csv", (2, 2, 0, 0)),              # CR-only line ends
    (b"{}\n" + b'{"trip_id": "\\ud800"}\n' + b'{"trip_id": "\\ud83d\\ude00"}\n', "jsonl", (3, 0, 3, 0)),
    (b"\n" * 5000 + HEADER + b",,\n" + ROW + b",x,y\n" + b",,,,,,,,,\n" * 300, "csv", (1, 1, 0, 5300)),
    (b"junk first line\n" + b"{}\n" * 20, "jsonl", (21, 0, 21, 0)),                # format by more than line 1
])
def test_hostile_objects_end_in_a_manifest_with_every_line_accounted_for(aws, body, fmt, counts):
    s3, sqs, queue, invoke = aws
    s3.put_object(Bucket=BUCKET, Key="raw/hostile", Body=body)
    result = invoke("raw/hostile")
    assert result["status"] == "processed", result
    manifest = manifest_of(s3, result)
    c = manifest["counts"]
    assert manifest["source"]["format"] == fmt
    assert (c["records_in"], c["records_out"], c["records_rejected"], c["blank_lines"]) == counts
    if c["records_rejected"]:
        rejects = [json.loads(x) for x in read(s3, manifest["outputs"]["rejected"]["key"]).splitlines()]
        assert sum(r.get("lines", 1) for r in rejects) == c["records_rejected"]  # a run: "lines": n
        assert all(r["reasons"] and r["line"] for r in rejects)
    assert failures(sqs, queue) == []


def test_gzip_bomb_is_a_permanent_failure_naming_the_cap(aws, monkeypatch):
    s3, sqs, queue, invoke = aws
    s3.put_object(Bucket=BUCKET, Key="raw/bomb.gz", Body=gzip.compress(b"\n" * (80 * 1024 * 1024), 9, mtime=0))
    result = invoke("raw/bomb.gz")
    assert result["status"] == "failed" and result["error"]["type"] == "TooLarge"
    assert "MAX_COMPRESSION_RATIO" in failures(sqs, queue)[0]["error"]["message"]


def test_a_failure_queue_that_cannot_be_written_fails_the_invocation(aws, monkeypatch):
    """The queue is not the only record: if posting fails, the invocation fails, after the
    other records, so Lambda's retries and on-failure destination still hold the event."""
    s3, _sqs, _queue, invoke = aws
    s3.put_object(Bucket=BUCKET, Key="raw/good.csv", Body=HEADER + b"\n" + ROW + b"\n")
    good = local_invoke.s3_event(s3, BUCKET, "raw/good.csv")["Records"][0]
    handler = invoke.handler
    monkeypatch.setattr(handler, "CONFIG", handler.CONFIG.__class__(
        **{**handler.CONFIG.__dict__, "failure_queue_url": handler.CONFIG.failure_queue_url + "-gone"}))
    with pytest.raises(handler.RetryLater, match="1 of 2 record"):
        invoke("", {"Records": [{"eventSource": "aws:s3"}, good]})
    assert keys(s3, "manifests/good.csv/")  # the good record was done before the invocation failed
