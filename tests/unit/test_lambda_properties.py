"""Property: every record read ends up exactly once - as a feature row or as a reject.

Hypothesis builds objects from valid records, records broken in known ways and
arbitrary text lines, in CSV or JSON Lines, gzipped or not, cut into arbitrary chunks
and batches; the stream core must account for every line.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "files" / "lambda" / "src"))

from trip_features.config import Config  # noqa: E402
from trip_features.errors import PermanentError, UnrecognisedFormat, UnsupportedEncoding  # noqa: E402
from trip_features.process import process_stream  # noqa: E402
from trip_features.schema import load  # noqa: E402

SCHEMA = load()
FIELDS = list(SCHEMA.field_names)
START = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def valid_record(draw, index: int) -> dict:
    pickup = START + timedelta(seconds=draw(st.integers(0, 365 * 86400)))
    duration = draw(st.integers(60, 14400))
    distance = draw(st.integers(5, min(30000, duration * 150 // 36))) / 100  # <= 150 km/h
    return {
        "trip_id": f"T{index}",
        "pickup_at": pickup.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dropoff_at": (pickup + timedelta(seconds=duration)).isoformat(),
        "pickup_zone": draw(st.integers(1, 263)),
        "dropoff_zone": draw(st.integers(1, 263)),
        "passenger_count": draw(st.one_of(st.none(), st.integers(1, 8))),
        "trip_distance_km": distance,
        "payment_type": draw(st.sampled_from(["card", "CASH", " voucher ", None])),
    }


BREAKAGES = {
    # Broken in CSV and in JSON alike (JSON-only type errors are unit-tested elsewhere).
    "trip_id": [None, "", "has space", "x" * 70],
    "pickup_at": ["soon", "2024-13-01T00:00:00Z", None],
    "pickup_zone": [0, 264, "x", 1.5, None],
    "trip_distance_km": [-1, "far", 1e9, None],
    "passenger_count": [0, 9, "two", 2.5],
    "payment_type": ["iou"],
}


@st.composite
def line(draw, index: int):
    """(kind, record-or-text): a valid record, a broken one, or arbitrary text."""
    kind = draw(st.sampled_from(["valid", "valid", "broken", "text"]))
    if kind == "text":
        text = draw(st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
                            min_size=1, max_size=60))
        # a line of only spaces and commas is a CSV empty row (blank), not a record
        return ("text", text) if text.strip() and text.strip(" \t\x0b\x0c,") else \
            ("valid", draw(valid_record(index)))
    record = draw(valid_record(index))
    if kind == "broken":
        field = draw(st.sampled_from(sorted(BREAKAGES)))
        record[field] = draw(st.sampled_from(BREAKAGES[field]))
    return kind, record


def to_csv(record: dict) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if record[f] is None else record[f] for f in FIELDS])
    return buf.getvalue()


@st.composite
def objects(draw):
    n = draw(st.integers(0, 40))
    lines = [draw(line(i)) for i in range(n)]
    fmt = draw(st.sampled_from(["csv", "jsonl"]))
    blank_every = draw(st.integers(0, 7))
    text_lines = [",".join(FIELDS)] if fmt == "csv" else []
    kinds = []
    for i, (kind, payload) in enumerate(lines):
        if blank_every and i % blank_every == 0:
            text_lines.append("")
        text_lines.append(payload if kind == "text" else
                          to_csv(payload) if fmt == "csv" else json.dumps(payload))
        kinds.append(kind)
    data = ("\n".join(text_lines) + draw(st.sampled_from(["", "\n"]))).encode()
    if draw(st.booleans()):
        data = gzip.compress(data, mtime=0)
    chunk = draw(st.integers(16, 5000))
    batch = draw(st.integers(64, 4096))
    return fmt, data, kinds, chunk, batch


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects())
def test_every_record_is_processed_or_rejected_exactly_once(case):
    _fmt, data, kinds, chunk, batch = case
    out, rej = io.BytesIO(), io.BytesIO()
    config = Config(failure_queue_url="http://q", batch_bytes=batch, max_record_bytes=2048)
    chunks = iter([data[i:i + chunk] for i in range(0, len(data), chunk)])
    try:
        result = process_stream(chunks, config, SCHEMA, out, rej)
    except PermanentError as err:  # a whole-object verdict (e.g. NUL bytes: not UTF-8 text)
        assert isinstance(err, UnrecognisedFormat | UnsupportedEncoding), err
        return
    counts = result["counts"]
    rows = out.getvalue().decode().split("\n")[:-1] if out.getvalue() else []
    rejects = [json.loads(x) for x in rej.getvalue().decode().split("\n") if x]
    processed_ids = [r.split(",", 1)[0] for r in rows[1:]]
    assert counts["records_in"] == counts["records_out"] + counts["records_rejected"]
    reject_lines = [r["line"] + k for r in rejects for k in range(r.get("lines", 1))]  # runs: "lines": n
    assert counts["records_out"] == len(processed_ids) and counts["records_rejected"] == len(reject_lines)
    assert counts["records_in"] == len(kinds)
    assert len(set(processed_ids)) == len(processed_ids), "a record was written twice"
    assert len(set(reject_lines)) == len(reject_lines), "a record was rejected twice"
    assert all(r["reasons"] for r in rejects), "a reject without a reason"
    # Valid records are processed, broken ones rejected (text lines may be either only in
    # the sense that they are never valid records: they must be rejected).
    expected_out = {f"T{i}" for i, k in enumerate(kinds) if k == "valid"}
    assert set(processed_ids) == expected_out


# Quote-free CSV lines: valid records, broken ones, blanks, spaces, wrong widths, long lines.
_cells = st.text(st.characters(blacklist_characters='\r\n",', blacklist_categories=("Cs",)), max_size=12)
_csv_line = st.one_of(
    st.builds(lambda r: to_csv(r), valid_record(0)),
    st.lists(_cells, min_size=1, max_size=11).map(",".join),
    st.sampled_from(["", " ", "\t", " , , , , , , , ", ",,,,,,,", "x" * 3000 + ",,,,,,,"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_csv_line, max_size=30), st.sampled_from(["", "\n", "\r\n"]), st.booleans())
def test_compiled_csv_parser_agrees_with_the_line_by_line_reference(lines, end, crlf):
    """The Arrow path must see exactly what the csv-module path sees: same rows, values,
    line numbers, raw text, rejects and blank lines."""
    from trip_features import parse

    header = parse.parse_header(",".join(FIELDS), SCHEMA.field_names, SCHEMA.required_names)
    data = (("\r\n" if crlf else "\n").join(lines) + end).encode()
    compiled = parse._parse_csv_compiled(data, 2, header, 2048)
    reference = parse._parse_csv_by_line(data, 2, header, 2048)
    assert compiled.lines.tolist() == reference.lines.tolist()
    assert list(compiled.raw) == list(reference.raw)
    assert {k: v.to_pylist() for k, v in compiled.columns.items()} == \
        {k: v.to_pylist() for k, v in reference.columns.items()}
    assert sorted((r.line, r.raw, r.reasons) for r in compiled.rejects) == \
        sorted((r.line, r.raw, r.reasons) for r in reference.rejects)  # written in line order later
    assert compiled.blank_lines == reference.blank_lines
