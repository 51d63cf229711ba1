"""One S3 object version end to end: skip if done, stream, write outputs, then the manifest.

The manifest is written last and is the commit marker: an object version is processed
iff its manifest exists. Output keys derive from the source key and version only, so a
reprocessed version overwrites the same keys with the same bytes (no duplicates).
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from trip_features import parse, reader, transform, validate
from trip_features.config import Config
from trip_features.errors import (
    AccessDenied,
    KeyTooLong,
    ObjectChanged,
    ObjectMissing,
    TransientError,
    UnrecognisedFormat,
)
from trip_features.schema import Schema
from trip_features.writer import S3Writer

READ_CHUNK = 1024 * 1024
READ_AHEAD_CHUNKS = 8  # downloaded while the previous batch is processed
MANIFEST_VERSION = 1
_TRANSIENT_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
                    "InternalError", "ServiceUnavailable", "503", "500", "502", "504"}
_MISSING_CODES = {"NoSuchKey", "NoSuchVersion", "NoSuchBucket", "404", "NotFound"}
_CHANGED_CODES = {"PreconditionFailed", "412"}
MAX_KEY_BYTES = 1024  # S3's limit on a key, in UTF-8 bytes
_BLANK = b" \t\r\x0b\x0c"

# Arrow allocates through malloc, not its default mimalloc pool: mimalloc keeps what each
# worker thread freed for reuse, so the short-lived columns of a batch (rejects are about
# twice their input) raised the peak by 20-35 MB on the every-record-invalid input; with
# malloc and MALLOC_MMAP_THRESHOLD_ (set by the role) large buffers go back to the system
# when freed. Same throughput, measured in docs/lambda.md.
pa.set_memory_pool(pa.system_memory_pool())


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None

    @property
    def version_tag(self) -> str:
        if self.version_id and self.version_id != "null":
            return f"v={self.version_id}"
        return f"etag={(self.etag or '').strip(chr(34))}"


def output_keys(ref: ObjectRef, config: Config) -> dict[str, str]:
    rel = ref.key[len(config.raw_prefix):] if ref.key.startswith(config.raw_prefix) else ref.key
    base = f"{rel}/{ref.version_tag}"
    keys = {"processed": f"{config.processed_prefix}{base}/records.csv",
            "rejected": f"{config.rejected_prefix}{base}/rejects.jsonl",
            "manifest": f"{config.manifest_prefix}{base}/manifest.json"}
    for key in keys.values():
        if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
            raise KeyTooLong(f"output key would be {len(key.encode('utf-8', 'surrogatepass'))} bytes, over S3's "
                             f"{MAX_KEY_BYTES}-byte limit: shorten the source key ({len(ref.key)} characters) "
                             "or the output prefixes")
    return keys


def is_transient(err: BaseException) -> bool:
    if isinstance(err, TransientError):
        return True
    if isinstance(err, ClientError):
        code = str(err.response.get("Error", {}).get("Code", ""))
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in _TRANSIENT_CODES or status >= 500
    # connection reset, read timeout, streaming error; not a request botocore refused to send
    return isinstance(err, BotoCoreError) and not isinstance(err, ParamValidationError)


def manifest_exists(s3, bucket: str, key: str) -> bool:
    # ListBucket on the manifest prefix (not HeadObject): allowed by the role's prefix-scoped
    # s3:ListBucket, and a clean yes/no where HeadObject without ListBucket answers 403.
    try:
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        if code in _MISSING_CODES:
            raise ObjectMissing(f"bucket {bucket!r} does not exist ({code})") from None
        if code in ("AccessDenied", "403"):
            raise AccessDenied(f"the function may not list s3://{bucket}/{key}: {err}") from None
        raise
    return any(item["Key"] == key for item in listing.get("Contents", []))


def _open(s3, ref: ObjectRef) -> dict:
    params = {"Bucket": ref.bucket, "Key": ref.key}
    if ref.version_id and ref.version_id != "null":
        params["VersionId"] = ref.version_id
    elif ref.etag:  # unversioned: read the content the event names, not whatever the key holds now
        params["IfMatch"] = f'"{ref.etag.strip(chr(34))}"'
    try:
        return s3.get_object(**params)
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        if code in _CHANGED_CODES:
            raise ObjectChanged(f"s3://{ref.bucket}/{ref.key} no longer has ETag {ref.etag}: overwritten "
                                "before it was processed (the new content has its own event)") from None
        if code in _MISSING_CODES:
            raise ObjectMissing(f"s3://{ref.bucket}/{ref.key} (version {ref.version_id}) no longer exists; "
                                "deleted or overwritten before it was processed") from None
        if code in ("AccessDenied", "403"):
            listing = s3.list_objects_v2(Bucket=ref.bucket, Prefix=ref.key, MaxKeys=1)
            if not any(item["Key"] == ref.key for item in listing.get("Contents", [])):
                raise ObjectMissing(f"s3://{ref.bucket}/{ref.key} no longer exists") from None
            raise AccessDenied(f"the function may not read s3://{ref.bucket}/{ref.key}: {err}") from None
        raise


def _counting(body, stats: dict) -> Iterator[bytes]:
    for chunk in body.iter_chunks(READ_CHUNK):
        stats["bytes_in"] += len(chunk)
        yield chunk


def _skip_blank_lines(data: bytes) -> tuple[int, int]:
    """(bytes, lines) of the blank lines that start `data`, found in C-level passes (linear)."""
    content = len(data) - len(data.lstrip(_BLANK + b"\n"))  # the first byte that is not whitespace
    if content == len(data):  # all blank, the last line perhaps without its newline
        return len(data), data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))
    end = data.rfind(b"\n", 0, content) + 1
    return end, data.count(b"\n", 0, end)


def _frame(data: bytes, schema: Schema) -> tuple[str, parse.CsvHeader | None, int]:
    """The format and CSV header from the first non-blank line of `data` (and a sample of
    the lines after it); returns how many bytes the header takes (0 for JSON Lines)."""
    end = data.find(b"\n")
    end = len(data) if end < 0 else end
    line = data[:end]
    sample = data[end + 1:end + 1 + 64 * 1024].split(b"\n")[:200]
    looks_json = sum(x.lstrip().startswith(b"{") for x in sample if x.strip(_BLANK))
    looks_other = sum(not x.lstrip().startswith(b"{") for x in sample if x.strip(_BLANK))
    if line.lstrip().startswith(b"{"):
        return "jsonl", None, 0
    try:
        text = line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        if looks_json > looks_other:
            return "jsonl", None, 0
        raise UnrecognisedFormat("the first line is not valid UTF-8, so not a CSV header, "
                                 "and the lines after it are not JSON Lines") from None
    try:
        header = parse.parse_header(text, schema.field_names, schema.required_names)
    except UnrecognisedFormat:
        if looks_json > looks_other:  # JSON Lines whose first line is broken: that line is a reject
            return "jsonl", None, 0
        raise
    return "csv", header, min(end + 1, len(data))


def process_object(s3, ref: ObjectRef, config: Config, schema: Schema, *,
                   request_id: str = "", clock: Callable[[], float] = time.monotonic) -> dict:
    """Process one object version; returns the manifest (or a 'skipped' result)."""
    started = clock()
    if not ref.key.startswith(config.raw_prefix):
        return {"status": "ignored", "reason": f"key is outside {config.raw_prefix}", "source": ref.key}
    keys = output_keys(ref, config)
    if manifest_exists(s3, ref.bucket, keys["manifest"]):
        return {"status": "skipped", "reason": "this object version was already processed",
                "manifest": keys["manifest"], "source": ref.key}
    obj = _open(s3, ref)
    ref = ObjectRef(ref.bucket, ref.key, obj.get("VersionId") or ref.version_id,
                    obj.get("ETag", ref.etag or "").strip('"'), obj.get("ContentLength", ref.size))
    stats = {"bytes_in": 0}
    processed = S3Writer(s3, ref.bucket, keys["processed"], config.part_bytes, "text/csv")
    rejected = S3Writer(s3, ref.bucket, keys["rejected"], config.part_bytes, "application/x-ndjson")
    try:
        chunks = reader.read_ahead(_counting(obj["Body"], stats), READ_AHEAD_CHUNKS)
        result = process_stream(chunks, config, schema, processed, rejected)
        counts = result["counts"]
        # Both uploads finish at once: the tail after the last batch is the longer one, not the sum.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="s3-close") as pool:
            rejected_out = pool.submit(rejected.close)
            processed_out = processed.close() if counts["records_out"] else None
            outputs = {"processed": processed_out, "rejected": rejected_out.result()}
    except BaseException:
        processed.abort()
        rejected.abort()
        raise
    if not counts["records_out"]:
        processed.abort()
    fmt, compression = result["format"], result["compression"]
    status = "processed" if fmt is not None else "empty"
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "status": status,
        "source": {"bucket": ref.bucket, "key": ref.key, "version_id": ref.version_id, "etag": ref.etag,
                   "bytes": stats["bytes_in"], "compression": compression, "format": fmt},
        "schema": {"name": schema.name, "version": schema.version},
        "counts": counts,
        "outputs": outputs,
        "duration_ms": round((clock() - started) * 1000, 1),
        "processed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "request_id": request_id,
        "manifest_key": keys["manifest"],
    }
    s3.put_object(Bucket=ref.bucket, Key=keys["manifest"], ContentType="application/json",
                  Body=json.dumps(manifest, indent=2, sort_keys=True).encode())
    return manifest


@dataclass(frozen=True)
class _BatchResult:
    features: bytes
    rejects: bytes
    records: int
    out: int
    rejected: int
    blank_lines: int


# Batches whose lines average under this many bytes are processed once per distinct line:
# exports full of the same short junk ("{}", "null", "N/A") then cost a dictionary lookup a
# line instead of a parse, a validation and a reject each. Real records are longer.
DEDUPE_BELOW_BYTES = 48
# A batch holds up to this many times BATCH_LINES lines, parsed BATCH_LINES at a time: short
# repeated lines are told apart in bulk, and no parse holds more than BATCH_LINES lines.
FRAME_LINES = 4


def _process_batch(data: bytes, first_line: int, fmt: str, header: parse.CsvHeader | None,
                   config: Config, schema: Schema) -> _BatchResult:
    """One batch of whole lines -> its feature CSV and reject lines (runs on a worker thread)."""
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if lines and len(data) < DEDUPE_BELOW_BYTES * lines:
        return _process_distinct_lines(data, first_line, fmt, header, config, schema)
    parts = [_process_lines(part, line, fmt, header, config, schema)
             for line, part in _slices(data, first_line, config.batch_lines)]
    if len(parts) == 1:
        return parts[0]
    return _BatchResult(b"".join(p.features for p in parts), b"".join(p.rejects for p in parts),
                        *(sum(getattr(p, name) for p in parts) for name in ("records", "out", "rejected",
                                                                            "blank_lines")))


def _slices(data: bytes, first_line: int, max_lines: int) -> Iterator[tuple[int, bytes]]:
    """(first line number, bytes) of at most `max_lines` lines each: what is parsed at once,
    so the Python objects of one parse (a reject's reasons, a JSON object) stay bounded."""
    if data.count(b"\n") <= max_lines:
        yield first_line, data
        return
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    start = 0
    for k in range(max_lines - 1, len(ends), max_lines):
        cut = int(ends[k]) + 1
        yield first_line, data[start:cut]
        first_line, start = first_line + max_lines, cut
    if start < len(data):
        yield first_line, data[start:]


def _process_lines(data: bytes, first_line: int, fmt: str, header: parse.CsvHeader | None,
                   config: Config, schema: Schema) -> _BatchResult:
    parsed, checked, good = _parse_and_validate(data, first_line, fmt, header, config, schema)
    records = len(parsed) + len(parsed.rejects)
    return _BatchResult(
        features=transform.to_csv(transform.features(checked, schema), schema) if good else b"",
        rejects=transform.rejects_jsonl(parsed, checked, config.reject_record_bytes),
        records=records, out=good, rejected=records - good, blank_lines=parsed.blank_lines)


def _parse_and_validate(data: bytes, first_line: int, fmt: str, header: parse.CsvHeader | None,
                        config: Config, schema: Schema):
    if fmt == "csv":
        parsed = parse.parse_csv(data, first_line, header, config.max_record_bytes)
    else:
        parsed = parse.parse_jsonl(data, first_line, schema, config.max_record_bytes)
    checked = validate.validate(parsed, schema) if len(parsed) else None
    good = int(checked.ok.sum()) if checked is not None else 0
    return parsed, checked, good


def _parse_and_check(data: bytes, first_line: int, fmt: str, header: parse.CsvHeader | None,
                     config: Config, schema: Schema):
    parsed, checked, good = _parse_and_validate(data, first_line, fmt, header, config, schema)
    return parsed, checked, transform.rejects(parsed, checked), good


def _process_distinct_lines(data: bytes, first_line: int, fmt: str, header: parse.CsvHeader | None,
                            config: Config, schema: Schema) -> _BatchResult:
    """The same result as the plain path, computed once per distinct line: every line's
    verdict depends on its bytes alone, so line i of the batch gets the verdict of its text.
    Lines are told apart by Arrow's dictionary encoding, and runs of the same rejected line
    become one reject ("lines": n), so a batch of junk costs a few vector operations."""
    if not data.endswith(b"\n"):
        data += b"\n"
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    offsets = np.concatenate(([0], ends + 1)).astype(np.int32)
    lines = pa.Array.from_buffers(pa.binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    encoded = lines.dictionary_encode()
    inverse = encoded.indices.to_numpy()
    distinct = b"".join(encoded.dictionary.to_pylist())
    kind = np.zeros(len(encoded.dictionary), dtype=np.int8)  # 0 blank, 1 record out, 2 reject
    feature_of: list[bytes] = [b""] * len(kind)
    body_of = {}
    for line, part in _slices(distinct, 1, config.batch_lines):  # "line" i + 1 is distinct text i
        parsed, checked, bad, good = _parse_and_check(part, line, fmt, header, config, schema)
        if good:
            text = transform.to_csv(transform.features(checked, schema), schema)
            valid = parsed.lines[checked.ok] - 1
            kind[valid] = 1
            for u, row in zip(valid.tolist(), text.split(b"\n"), strict=False):
                feature_of[u] = row + b"\n"
        for r in bad:
            kind[r.line - 1] = 2
            body_of[r.line - 1] = transform.reject_body(r, config.reject_record_bytes)
    per_row = kind[inverse]
    out_rows = inverse[per_row == 1].tolist()
    rejected = np.flatnonzero(per_row == 2)
    rejects = []
    if len(rejected):
        # a run starts where the row is not the next one, or its text differs from the last
        new_run = np.concatenate(([True], (np.diff(rejected) != 1) | (np.diff(inverse[rejected]) != 0)))
        starts = np.flatnonzero(new_run)
        sizes = np.diff(np.concatenate((starts, [len(rejected)])))
        for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
            row = int(rejected[start])
            rejects.append(transform.reject_line(first_line + row, body_of[int(inverse[row])], size))
    return _BatchResult(
        features=b"".join(feature_of[u] for u in out_rows), rejects="".join(rejects).encode(),
        records=len(out_rows) + len(rejected), out=len(out_rows), rejected=len(rejected),
        blank_lines=int((per_row == 0).sum()))


def process_stream(chunks: Iterator[bytes], config: Config, schema: Schema, processed, rejected) -> dict:
    """The pure core: raw object bytes in, feature CSV and reject lines out to two sinks
    (anything with write(bytes)). Returns the counts, the detected format and compression.
    Every record read is counted exactly once as processed or rejected.

    Framing (format, header, line numbers) is sequential; the batches themselves are
    processed by `config.workers` threads (Arrow and numpy release the GIL), at most one
    more batch in flight than workers, and written strictly in input order.
    """
    counts = {"records_in": 0, "records_out": 0, "records_rejected": 0, "blank_lines": 0, "header_lines": 0}
    fmt: str | None = None
    header: parse.CsvHeader | None = None
    first = next(chunks, b"")
    compression = "gzip" if first.startswith(reader.GZIP_MAGIC) else "none"
    content = reader.decompress(_chain(first, chunks), config.max_decompressed_bytes, config.max_compression_ratio)
    in_flight: deque[Future] = deque()

    def drain(keep: int) -> None:
        while len(in_flight) > keep:
            done: _BatchResult = in_flight.popleft().result()
            processed.write(done.features)
            rejected.write(done.rejects)
            counts["records_in"] += done.records
            counts["records_out"] += done.out
            counts["records_rejected"] += done.rejected
            counts["blank_lines"] += done.blank_lines

    with ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="batch") as pool:
        try:
            for item in reader.line_batches(content, config.batch_bytes, config.max_record_bytes,
                                                 config.batch_lines * FRAME_LINES):
                if isinstance(item, reader.Oversized):
                    if fmt is None:
                        raise UnrecognisedFormat(f"line {item.line} is {item.length} bytes before any record "
                                                 "was recognised: not CSV or JSON Lines")
                    drain(0)  # its reject goes between the batches before and after it
                    counts["records_in"] += 1
                    counts["records_rejected"] += 1
                    reject = parse.Reject(item.line, item.head.decode("utf-8", "backslashreplace"),
                                          [f"record is {item.length} bytes, over the {config.max_record_bytes}-byte "
                                           "limit (first 200 bytes kept)"])
                    rejected.write(transform.rejects_to_jsonl([reject], config.reject_record_bytes))
                    continue
                data, first_line = item.data, item.first_line
                if fmt is None:
                    skip, blanks = _skip_blank_lines(data)
                    counts["blank_lines"] += blanks
                    data, first_line = data[skip:], first_line + blanks
                    if data:
                        fmt, header, used = _frame(data, schema)
                        processed.write(transform.header(schema))
                        if header is not None:
                            counts["header_lines"] = 1
                            data, first_line = data[used:], first_line + 1
                if not data:
                    continue
                if not data.translate(None, _BLANK + b"\n" + (b"," if fmt == "csv" else b"")):
                    # nothing but blank lines (a run of them, or a bomb of newlines): counted here
                    counts["blank_lines"] += data.count(b"\n") + (not data.endswith(b"\n"))
                    continue
                in_flight.append(pool.submit(_process_batch, data, first_line, fmt, header, config, schema))
                drain(config.workers)
            drain(0)
        finally:
            for future in in_flight:  # on an error: drop what has not started
                future.cancel()
    if counts["records_in"] != counts["records_out"] + counts["records_rejected"]:
        raise AssertionError(f"record accounting is off: {counts}")  # a bug: never write such a manifest
    return {"counts": counts, "format": fmt, "compression": compression}


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
