"""The Lambda's pure parts: reader, parse, validate, transform and the stream core.

No AWS here: these functions take bytes and columns. (S3 behaviour is tested against
the emulator in tests/integration/test_lambda_function.py.)
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from datetime import UTC
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "files" / "lambda" / "src"))
sys.path.insert(0, str(PROJECT / "files" / "lambda"))

import generate  # noqa: E402
from trip_features import config as config_module  # noqa: E402
from trip_features import parse, reader, transform, validate  # noqa: E402
from trip_features.errors import (  # noqa: E402
    ConfigError,
    CorruptGzip,
    TruncatedGzip,
    UnrecognisedFormat,
    UnsupportedEncoding,
)
from trip_features.process import ObjectRef, output_keys, process_stream  # noqa: E402
from trip_features.schema import load  # noqa: E402

SCHEMA = load()
CONFIG = config_module.Config(failure_queue_url="http://queue", batch_bytes=64 * 1024)
HEADER = ",".join(generate.FIELDS)
GOOD = "T1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,21.5,Card"


def run(data: bytes, config: config_module.Config = CONFIG, chunk: int = 7000):
    out, rej = io.BytesIO(), io.BytesIO()
    chunks = iter([data[i:i + chunk] for i in range(0, len(data), chunk)])
    result = process_stream(chunks, config, SCHEMA, out, rej)
    rejects = [json.loads(line) for line in rej.getvalue().decode().splitlines()]
    rows = out.getvalue().decode().splitlines()
    return result, rows, rejects


# --- reader -------------------------------------------------------------------------------

def test_gzip_is_detected_from_content_not_name():
    body = (HEADER + "\n" + GOOD + "\n").encode()
    plain, _, _ = run(body)
    zipped, rows, _ = run(gzip.compress(body))
    assert plain["compression"] == "none" and zipped["compression"] == "gzip"
    assert zipped["counts"]["records_out"] == 1 and rows[0].startswith("trip_id,")


def test_concatenated_gzip_members_are_read_whole():
    data = gzip.compress((HEADER + "\n" + GOOD + "\n").encode()) + gzip.compress((GOOD + "\n").encode())
    result, _, _ = run(data)
    assert result["counts"]["records_out"] == 2


def test_truncated_gzip_is_an_error_not_a_partial_result():
    data = gzip.compress((HEADER + "\n" + (GOOD + "\n") * 2000).encode())
    with pytest.raises(TruncatedGzip, match="end-of-stream"):
        run(data[: len(data) // 2])


def test_corrupt_gzip_is_an_error():
    data = bytearray(gzip.compress((HEADER + "\n" + GOOD + "\n").encode()))
    data[-6] ^= 0xFF  # the CRC32 trailer
    with pytest.raises(CorruptGzip):
        run(bytes(data))


@pytest.mark.parametrize("data", [
    (HEADER + "\n" + GOOD + "\n").encode("utf-16"),
    b"\x00\x01\x02binary" * 10,
])
def test_other_encodings_are_refused_up_front(data):
    with pytest.raises(UnsupportedEncoding):
        run(data)


def test_utf8_bom_and_crlf_are_normalised():
    data = ("\ufeff" + HEADER + "\r\n" + GOOD + "\r\n").encode()
    result, _rows, rejects = run(data)
    assert result["counts"] == {"records_in": 1, "records_out": 1, "records_rejected": 0,
                                "blank_lines": 0, "header_lines": 1}
    assert not rejects


def test_line_batches_keep_lines_whole_and_numbered():
    lines = [f"line-{i}-" + "x" * (i % 37) for i in range(5000)]
    content = ("\n".join(lines) + "\n").encode()
    chunks = [content[i:i + 999] for i in range(0, len(content), 999)]
    got, numbers = [], []
    for item in reader.line_batches(iter(chunks), batch_bytes=4096, max_record_bytes=1024):
        assert isinstance(item, reader.Batch)
        batch_lines = item.data.decode().splitlines()
        numbers.append((item.first_line, len(batch_lines)))
        got.extend(batch_lines)
    assert got == lines
    line = 1
    for first, count in numbers:
        assert first == line
        line += count


def test_an_oversized_line_is_reported_and_skipped_in_bounded_memory():
    huge = b"x" * 300_000
    content = b"a\n" + huge + b"\nb\n"
    items = list(reader.line_batches(iter([content[i:i + 1000] for i in range(0, len(content), 1000)]),
                                     batch_bytes=4096, max_record_bytes=10_000))
    oversized = [i for i in items if isinstance(i, reader.Oversized)]
    assert len(oversized) == 1 and oversized[0].line == 2 and oversized[0].length == 300_000
    assert b"".join(i.data for i in items if isinstance(i, reader.Batch)) == b"a\nb\n"


def test_gzip_bomb_output_is_bounded_per_step():
    bomb = gzip.compress(b"\n" * 50_000_000)
    sizes = [len(chunk) for chunk in reader.decompress(iter([bomb]))]
    assert sum(sizes) == 50_000_000 and max(sizes) <= 1024 * 1024


# --- format detection, parsing --------------------------------------------------------------

def test_csv_header_must_name_the_required_columns():
    with pytest.raises(UnrecognisedFormat, match="lacks required column"):
        run(b"a,b,c\n1,2,3\n")


def test_empty_object_and_blank_only_object():
    for data in (b"", b"\n\n  \n"):
        result, rows, rejects = run(data)
        assert result["format"] is None and result["counts"]["records_in"] == 0
        assert rows == [] and rejects == []


def test_csv_fast_and_quoted_paths_agree():
    plain = "\n".join([GOOD, GOOD.replace("T1", "T2")]).encode()
    quoted = "\n".join([GOOD, '"T2",2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,"21.5",Card']).encode()
    header = parse.parse_header(HEADER, SCHEMA.field_names, SCHEMA.required_names)
    a = parse.parse_csv(plain, 2, header, 65536)
    b = parse.parse_csv(quoted, 2, header, 65536)
    assert a.columns == b.columns and a.lines.tolist() == b.lines.tolist() == [2, 3]


def test_csv_columns_are_found_by_name_in_any_order():
    fields = list(reversed(generate.FIELDS))
    values = dict(zip(generate.FIELDS, GOOD.split(","), strict=True))
    data = (",".join(fields) + "\n" + ",".join(values[f] for f in fields) + "\n").encode()
    result, rows, _ = run(data)
    assert result["counts"]["records_out"] == 1 and rows[1].startswith("T1,2024-03-04T08:30:00Z,8,0,0,1,132,161")


def test_jsonl_malformed_and_non_object_lines_are_rejected_with_reasons():
    good = json.dumps(dict(zip(generate.FIELDS, GOOD.split(","), strict=True)))
    data = "\n".join([good, "{broken", "[1, 2]", good]).encode()
    result, _, rejects = run(data)
    assert result["format"] == "jsonl"
    assert result["counts"]["records_out"] == 2 and result["counts"]["records_rejected"] == 2
    assert [r["line"] for r in rejects] == [2, 3]
    assert "not valid JSON" in rejects[0]["reasons"][0] and "not a JSON object" in rejects[1]["reasons"][0]


def test_invalid_utf8_line_is_rejected_alone():
    data = (HEADER + "\n" + GOOD + "\n").encode() + b"T9,\xff\xfe,bad\n" + (GOOD + "\n").encode()
    result, _, rejects = run(data)
    assert result["counts"]["records_out"] == 2 and len(rejects) == 1
    assert rejects[0]["line"] == 3 and "not valid UTF-8" in rejects[0]["reasons"][0]


# --- validation and normalisation -----------------------------------------------------------

def reasons_for(line: str) -> list[str]:
    _, _, rejects = run((HEADER + "\n" + line + "\n").encode())
    return rejects[0]["reasons"] if rejects else []


@pytest.mark.parametrize(("line", "expected"), [
    (",2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,21.5,card", "trip_id: required"),
    ("T 1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,21.5,card", "trip_id: 'T 1' does not match"),
    ("T1,yesterday,2024-03-04T08:50:00Z,132,161,2,21.5,card", "pickup_at: not an ISO 8601 timestamp"),
    ("T1,2024-02-30T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,21.5,card", "pickup_at: not an ISO 8601 timestamp"),
    ("T1,2001-03-04T08:30:00Z,2001-03-04T08:50:00Z,132,161,2,21.5,card", "below the minimum 2009-01-01"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,999,161,2,21.5,card", "pickup_zone: '999' above the maximum 263"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,1.5,161,2,21.5,card", "pickup_zone: not an integer: '1.5'"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,9,21.5,card", "passenger_count: '9' above"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,n/a,card", "trip_distance_km: not a number: 'n/a'"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,nan,card", "trip_distance_km: not a number: 'nan'"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:50:00Z,132,161,2,21.5,bitcoin", "payment_type: 'bitcoin' is not one of"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:29:00Z,132,161,2,21.5,card", "trip lasts -60 s"),
    ("T1,2024-03-04T08:30:00Z,2024-03-04T08:40:00Z,132,161,2,299,card", "km/h, over 150 km/h"),
])
def test_each_rule_rejects_with_a_reason_naming_the_field(line, expected):
    assert any(expected in reason for reason in reasons_for(line)), reasons_for(line)


def test_every_failed_rule_is_reported_not_only_the_first():
    reasons = reasons_for(",yesterday,2024-03-04T08:50:00Z,0,999,2,-1,bitcoin")
    assert len(reasons) == 6, reasons


def test_normalisation_of_spellings_and_defaults():
    lines = [
        "T1,2024-03-04T03:30:00-05:00,2024-03-04T08:50:00+00:00,132,161,,21.5, CASH ",
        "T2,2024-03-04 08:30:00,2024-03-04T08:50:00.250Z,132,161,3,21.5,",
    ]
    result, rows, rejects = run((HEADER + "\n" + "\n".join(lines) + "\n").encode())
    assert not rejects and result["counts"]["records_out"] == 2
    first, second = (dict(zip(rows[0].split(","), r.split(","), strict=True)) for r in rows[1:])
    assert first["pickup_at"] == second["pickup_at"] == "2024-03-04T08:30:00Z"
    assert first["passenger_count"] == "1"          # missing -> the schema default
    assert first["duration_s"] == second["duration_s"] == "1200"


def test_json_types_are_checked_not_coerced():
    base = dict(zip(generate.FIELDS, GOOD.split(","), strict=True))
    records = [{**base, "passenger_count": True}, {**base, "trip_distance_km": [1]},
               {**base, "trip_id": 42}, {**base, "pickup_zone": 132, "trip_distance_km": 21.5}]
    data = "\n".join(json.dumps(r) for r in records).encode()
    result, _, rejects = run(data)
    assert result["counts"]["records_out"] == 1
    assert ["passenger_count: not an integer: True" in r["reasons"] for r in rejects] == [True, False, False]
    assert "trip_distance_km: not a number: [1]" in rejects[1]["reasons"]
    assert "trip_id: not a string: 42" in rejects[2]["reasons"]


def test_vectorised_timestamps_match_the_standard_library():
    """The byte-matrix parser (Z, no zone, +HH:MM) against datetime.fromisoformat, value by value,
    including impossible dates and offsets that only the standard library may judge."""
    from datetime import datetime, timedelta, timezone
    start = datetime(2009, 1, 1, tzinfo=UTC)
    rng = np.random.default_rng(3)
    texts = []
    for s, style, minutes in zip(rng.integers(0, 90 * 365 * 86400, size=6000), rng.integers(0, 3, size=6000),
                                 rng.integers(-14 * 60, 14 * 60, size=6000), strict=True):
        moment = start + timedelta(seconds=int(s))
        if style == 0:
            texts.append(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
        elif style == 1:
            texts.append(moment.strftime("%Y-%m-%dT%H:%M:%S"))
        else:
            texts.append(moment.astimezone(timezone(timedelta(minutes=int(minutes)))).isoformat())
    texts += ["2024-02-30T08:30:00Z", "2023-02-29T00:00:00", "2024-02-29T23:59:59+23:59", "2024-01-01T24:00:00Z",
              "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00Z ", "2024-01-01T00:00:00.5Z", "2024-01-01 00:00:00"]
    status = np.zeros(len(texts), dtype=np.int8)
    epoch, canonical = validate._timestamps(pa.array(texts), status, want_text=True)
    for i, text in enumerate(texts):
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            assert status[i] == validate.INVALID, text
            continue
        expected = int(parsed.replace(tzinfo=parsed.tzinfo or UTC).timestamp() // 1)
        assert (status[i], epoch[i]) == (validate.OK, expected), text
        assert canonical[i].as_py() == datetime.fromtimestamp(expected, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- features -----------------------------------------------------------------------------

def test_features_of_a_known_trip():
    # Monday 2024-03-04 08:30 UTC, JFK (132) -> 161, 21.5 km, 20 minutes
    _result, rows, _ = run((HEADER + "\n" + GOOD + "\n").encode())
    row = dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert rows[0].split(",") == list(SCHEMA.features)
    assert row == {"trip_id": "T1", "pickup_at": "2024-03-04T08:30:00Z", "pickup_hour": "8", "pickup_dow": "0",
                   "is_weekend": "0", "is_rush_hour": "1", "pickup_zone": "132", "dropoff_zone": "161",
                   "same_zone": "0", "airport_trip": "1", "passenger_count": "2", "trip_distance_m": "21500",
                   "duration_s": "1200"}


def test_weekend_trips_are_never_rush_hour():
    line = GOOD.replace("2024-03-04", "2024-03-09")  # a Saturday
    _, rows, _ = run((HEADER + "\n" + line + "\n").encode())
    row = dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert (row["pickup_dow"], row["is_weekend"], row["is_rush_hour"]) == ("5", "1", "0")


# --- keys and configuration ---------------------------------------------------------------

def test_output_keys_depend_on_source_key_and_version_only():
    ref = ObjectRef("b", "raw/2024/03/trips.csv.gz", version_id="v1", etag="e")
    keys = output_keys(ref, CONFIG)
    assert keys == {"processed": "processed/2024/03/trips.csv.gz/v=v1/records.csv",
                    "rejected": "rejected/2024/03/trips.csv.gz/v=v1/rejects.jsonl",
                    "manifest": "manifests/2024/03/trips.csv.gz/v=v1/manifest.json"}
    assert output_keys(ObjectRef("b", ref.key, version_id="v2"), CONFIG) != keys
    assert output_keys(ObjectRef("b", ref.key, version_id="null", etag='"abc"'), CONFIG)["manifest"].endswith(
        "/etag=abc/manifest.json")


@pytest.mark.parametrize(("env", "message"), [
    ({}, "FAILURE_QUEUE_URL"),
    ({"FAILURE_QUEUE_URL": "https://q", "RAW_PREFIX": "raw"}, "RAW_PREFIX"),
    ({"FAILURE_QUEUE_URL": "https://q", "PROCESSED_PREFIX": "raw/processed/"}, "must not nest"),
    ({"FAILURE_QUEUE_URL": "https://q", "BATCH_BYTES": "lots"}, "BATCH_BYTES must be an integer"),
    ({"FAILURE_QUEUE_URL": "https://q", "PART_BYTES": "1024"}, "PART_BYTES must be between"),
    ({"FAILURE_QUEUE_URL": "https://q", "BATCH_WORKERS": "0"}, "BATCH_WORKERS must be between"),
])
def test_bad_configuration_fails_at_cold_start_naming_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        config_module.from_env(env)


def test_configuration_defaults():
    config = config_module.from_env({"FAILURE_QUEUE_URL": "https://q"})
    assert (config.raw_prefix, config.part_bytes, config.batch_bytes, config.workers) == \
        ("raw/", 8 * 1024 * 1024, 2 * 1024 * 1024, 2)


def test_rejects_sort_by_line_and_serialise_one_per_line():
    items = [parse.Reject(5, "b", ["x"]), parse.Reject(2, "a", ["y", "z"])]
    parsed = parse.Parsed({}, np.zeros(0, dtype=np.int64), [], typed=False, rejects=items)
    lines = transform.rejects_to_jsonl(transform.rejects(parsed, None)).decode().splitlines()
    assert [json.loads(x)["line"] for x in lines] == [2, 5]


def test_zlib_flush_tail_is_kept():
    raw = b"a,b\n" * 1000
    comp = zlib.compressobj(wbits=31)
    data = comp.compress(raw) + comp.flush()
    assert b"".join(reader.decompress(iter([data[i:i + 3] for i in range(0, len(data), 3)]))) == raw
