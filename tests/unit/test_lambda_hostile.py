"""Hostile input: what a data lake really delivers (exports full of empty rows, junk lines,
odd line endings, broken encodings, bombs, unexpected events).

Invariants held on every input, by an adversarial corpus and by Hypothesis over bytes,
line-ending styles, encodings and event shapes:
- the stream core ends in counts or a PermanentError, never another exception;
- records_in = records_out + records_rejected;
- every line is exactly one of header, blank or record;
- every reject carries its line (a run of identical lines: its first line and "lines")
  and at least one reason, and no line is rejected twice;
- the event adapter turns any event into records, each an object, "ignored", or an
  InvalidEvent, never another exception.

Profiles: `lambda-ci` (the default: few examples, derandomized, no example database, so CI
is stable and costs seconds) and `lambda-deep` (LAMBDA_HYPOTHESIS_PROFILE=lambda-deep, for
a longer hunt). Loaded per test with settings.get_profile, so other tests are unaffected.
"""

from __future__ import annotations

import codecs
import gzip
import importlib
import io
import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "files" / "lambda" / "src"))

from trip_features import parse, reader  # noqa: E402
from trip_features.config import Config  # noqa: E402
from trip_features.errors import PermanentError, TooLarge  # noqa: E402
from trip_features.process import process_stream  # noqa: E402
from trip_features.schema import load  # noqa: E402

SCHEMA = load()
HEADER = ",".join(SCHEMA.field_names)
ROW = "T1,2024-03-04T08:00:00Z,2024-03-04T08:20:00Z,132,48,1,18.5,card"
JSON_ROW = json.dumps(dict(zip(SCHEMA.field_names, ROW.split(","), strict=True)))

settings.register_profile("lambda-ci", max_examples=100, derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("lambda-deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile(os.environ.get("LAMBDA_HYPOTHESIS_PROFILE", "lambda-ci"))


def run(data: bytes, chunk: int = 1 << 20, **overrides) -> tuple[dict, bytes, list[dict]]:
    config = Config(failure_queue_url="http://q", **{"batch_bytes": 64 * 1024, "batch_lines": 1024,
                                                     "max_record_bytes": 2048, **overrides})
    out, rej = io.BytesIO(), io.BytesIO()
    result = process_stream(iter([data[i:i + chunk] for i in range(0, len(data), chunk)]), config, SCHEMA,
                            out, rej)
    return result, out.getvalue(), [json.loads(x) for x in rej.getvalue().splitlines()]


def content_lines(data: bytes) -> int:
    """Lines of the content as the reader frames them: gunzipped, BOM off, LF, CRLF or
    (when the first line break is a lone CR) CR line ends."""
    if data[:2] == reader.GZIP_MAGIC:
        data = gzip.decompress(data)
    data = data.removeprefix(reader.UTF8_BOM)
    if reader._cr_only(data[:4096]):
        data = data.replace(b"\r", b"\n")
    return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))


def label(outcome: str) -> None:
    """Tally outcomes for --hypothesis-show-statistics (the corpus runs outside Hypothesis)."""
    if currently_in_test_context():
        event(outcome)


def check_invariants(data: bytes, chunk: int = 1 << 20, **overrides) -> dict | None:
    try:
        result, out, rejects = run(data, chunk, **overrides)
    except PermanentError as err:  # a whole-object verdict, reported on the failure queue
        assert str(err) and err.kind
        label(f"verdict {err.kind}")
        return None
    label(f"processed {result['format']}")
    counts = result["counts"]
    assert counts["records_in"] == counts["records_out"] + counts["records_rejected"]
    assert counts["header_lines"] + counts["blank_lines"] + counts["records_in"] == content_lines(data), counts
    assert out.count(b"\n") == (counts["records_out"] + 1 if result["format"] else 0)
    rejected = [r["line"] + k for r in rejects for k in range(r.get("lines", 1))]
    assert len(rejected) == counts["records_rejected"] == len(set(rejected))
    assert all(r["reasons"] and all(isinstance(x, str) and x for x in r["reasons"]) for r in rejects)
    assert all(1 <= n <= content_lines(data) for n in rejected)
    assert all(len(r["record"].encode()) <= 1024 for r in rejects)
    return counts


# --- the adversarial corpus ------------------------------------------------------------

CORPUS = {
    "cr-only line ends": (HEADER + "\r" + ROW + "\r" + ROW + "\r").encode(),
    "cr-only, no final": (HEADER + "\r" + ROW).encode(),
    "mixed line ends": (HEADER + "\r\n" + ROW + "\n" + ROW + "\r\n" + "x\ry\n").encode(),
    "lone surrogate escape": b'{"trip_id": "\\ud800"}\n' + JSON_ROW.encode() + b"\n",
    "surrogate in a key": b'{"\\udfff": 1}\n' + JSON_ROW.encode() + b"\n",
    "surrogate pair is fine": b'{"trip_id": "\\ud83d\\ude00"}\n',
    "empty json objects": b"{}\n" * 5000,
    "json null and arrays": b"null\n[]\n1\n\"x\"\n{}\n" * 300,
    "junk then json": b"garbage\n" + (JSON_ROW + "\n").encode() * 5,
    "blank lines before header": b"\n" * 100_000 + (HEADER + "\n" + ROW + "\n").encode(),
    "blank lines after header": (HEADER + "\n").encode() + b" \n\t\n\r\n" * 50_000 + ROW.encode(),
    "spreadsheet empty rows": (HEADER + "\n").encode() + b",,,,,,,\n" * 20_000 + b" , ,,\n",
    "unknown columns repeated and unnamed": (HEADER + ",note,note,,\n" + ROW + ",a,b,,\n").encode(),
    "header in CRLF with BOM": reader.UTF8_BOM + (HEADER + "\r\n" + ROW + "\r\n").encode(),
    "latin-1 bytes in a record": (HEADER + "\n").encode() + ROW.replace("card", "caf\xe9").encode("latin-1") + b"\n",
    "overlong line": (HEADER + "\n" + "x" * 10_000 + "\n" + ROW + "\n").encode(),
    "long record kept short in rejects": (HEADER + "\n" + ROW.replace("T1", "T" * 1500) + "\n").encode(),
    "NUL in a later line": (HEADER + "\n").encode() + b"a\x00b\n" * 2 + b"x" * 5000 + b"\n\x00\n",
    "quote chaos": (HEADER + "\n" + '"unterminated,' + ROW + "\n" + ROW + "\n").encode(),
    "only whitespace": b" \t \r\n\n\x0b\x0c",
    "gzip of a corpus": gzip.compress(b"{}\n" * 1000 + JSON_ROW.encode(), mtime=0),
    "many tiny gzip members": b"".join(gzip.compress(b"\n", mtime=0) for _ in range(2000)),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_keeps_every_invariant(name):
    check_invariants(CORPUS[name])


def test_corpus_verdicts():
    def counts(name, **kw):
        return run(CORPUS[name], **kw)[0]["counts"]

    assert counts("cr-only line ends")["records_out"] == 2
    assert counts("lone surrogate escape")["records_rejected"] == 1
    assert counts("lone surrogate escape")["records_out"] == 1
    assert counts("spreadsheet empty rows") == {"records_in": 0, "records_out": 0, "records_rejected": 0,
                                                "blank_lines": 20_001, "header_lines": 1}
    assert counts("unknown columns repeated and unnamed")["records_out"] == 1
    assert run(CORPUS["junk then json"])[0]["format"] == "jsonl"
    _, _, rejects = run(CORPUS["empty json objects"])
    assert len(rejects) < 20 and sum(r.get("lines", 1) for r in rejects) == 5000  # runs, not 5,000 lines
    (long,) = run(CORPUS["long record kept short in rejects"])[2]
    assert len(long["record"]) == 1024 and long["record_bytes"] > 1500


def test_a_schema_column_named_twice_is_still_refused():
    with pytest.raises(PermanentError, match="repeats"):
        run((HEADER + ",trip_id\n" + ROW + ",x\n").encode())


def test_a_header_csv_cannot_read_is_a_permanent_verdict_not_a_crash():
    with pytest.raises(PermanentError):
        run(b'trip_id,"pickup\n')


def test_decompression_caps_name_the_setting():
    bomb = gzip.compress(b"\n" * (70 * 1024 * 1024), 9, mtime=0)
    with pytest.raises(TooLarge, match="MAX_COMPRESSION_RATIO"):
        run(bomb)
    with pytest.raises(TooLarge, match="MAX_DECOMPRESSED_MIB"):
        run(gzip.compress(b"\n" * (3 * 1024 * 1024), mtime=0), max_decompressed_bytes=2 * 1024 * 1024)
    with pytest.raises(TooLarge, match="MAX_DECOMPRESSED_MIB"):
        run(b"\n" * (3 * 1024 * 1024), max_decompressed_bytes=2 * 1024 * 1024)


def test_batches_are_bounded_in_lines_as_well_as_bytes():
    data = b"{}\n" * 10_000
    batches = list(reader.line_batches([data], 1 << 20, 2048, 1000))
    assert [len(b.data) for b in batches] == [3000] * 10
    assert [b.first_line for b in batches] == list(range(1, 10_001, 1000))


def test_distinct_line_path_matches_the_plain_path():
    """Short repeated lines are processed once per distinct text; the result must be what
    the line-by-line path gives, line numbers included."""
    lines = [ROW, "{}", "", ",,,", "x", ROW.replace("132", "999"), "x", "x", ROW] * 50
    data = (HEADER + "\n" + "\n".join(lines) + "\n").encode()
    deduped = run(data)
    plain = run(data, batch_lines=1 << 20, batch_bytes=1 << 20)
    assert deduped[0] == plain[0] and deduped[1] == plain[1]

    def expand(rejects):
        return sorted((r["line"] + k, tuple(r["reasons"]), r["record"]) for r in rejects
                      for k in range(r.get("lines", 1)))
    assert expand(deduped[2]) == expand(plain[2])


# --- properties over bytes and line-ending styles --------------------------------------

_record_lines = st.sampled_from([ROW, ROW.replace("18.5", "far"), ",,,,,,,", "", " ", "{}", JSON_ROW,
                                 '{"trip_id": "\\ud800"}', "x", '"', "a,b", "\u2028", "é,ü", ROW + ",x,y"])
_line = st.one_of(_record_lines, st.text(max_size=30), st.binary(max_size=30).map(lambda b: b.decode("latin-1")))


@st.composite
def documents(draw) -> bytes:
    fmt = draw(st.sampled_from(["csv", "csv", "jsonl", "none"]))
    lines = draw(st.lists(st.one_of(_line, st.just(JSON_ROW)) if fmt == "jsonl" else _line, max_size=60))
    if fmt == "csv":
        header = draw(st.sampled_from([HEADER, HEADER + ",,", HEADER + ",x,x"]))
        lines = [""] * draw(st.integers(0, 3)) + [header] + lines
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = end.join(lines) + draw(st.sampled_from(["", end]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace") if encoding != "utf-8-sig" else \
        codecs.BOM_UTF8 + text.encode("utf-8", errors="replace")
    if draw(st.integers(0, 3)) == 0:
        data = gzip.compress(data, mtime=0)
    return data


@settings(PROFILE)
@given(documents(), st.sampled_from([16, 1000, 1 << 20]))
def test_any_document_keeps_every_invariant(data, chunk):
    check_invariants(data, chunk)


@settings(PROFILE)
@given(st.sampled_from([b"", (HEADER + "\n").encode(), b"{}\n"]), st.binary(max_size=3000))
def test_any_bytes_keep_every_invariant(head, data):
    check_invariants(head + data)


@settings(PROFILE)
@given(st.sampled_from(["csv", "jsonl"]),
       st.lists(st.one_of(_line, st.just(ROW.replace("132", "999")), st.text(min_size=40, max_size=120),
                          st.just('{"trip_id": "a\\"b\\\\c", "pickup_zone": "\u00e9\u2028"}')),
                max_size=40),
       st.lists(st.integers(0, 39), max_size=10), st.sampled_from([8, 40, 1024]))
def test_columnar_rejects_match_the_per_reject_rendering(fmt, lines, repeats, cap):
    """The rejects of the plain path are built as columns (Arrow kernels); they must be the
    bytes the per-reject reference (reject_body, RejectRuns) writes: escapes, caps, runs."""
    from trip_features import process, transform
    for k in repeats:  # runs of the same line, merged into one reject
        if k < len(lines):
            lines[k + 1:k + 1] = [lines[k]] * 3
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
    config = Config(failure_queue_url="http://q", max_record_bytes=100, reject_record_bytes=cap)
    header = parse.parse_header(HEADER, SCHEMA.field_names, SCHEMA.required_names) if fmt == "csv" else None
    parsed, checked, _ = process._parse_and_validate(data, 2, fmt, header, config, SCHEMA)
    reference = transform.rejects_to_jsonl(transform.rejects(parsed, checked), cap)
    assert transform.rejects_jsonl(parsed, checked, cap) == reference


@settings(PROFILE)
@given(st.lists(st.none() | st.text(max_size=80) | st.text(alphabet=st.characters(max_codepoint=127), max_size=80),
                max_size=20),
       st.sampled_from(["pickup_zone: not an integer: {}", "pickup_zone: {} above the maximum 263",
                        "trip_id: {} does not match ^[A-Za-z0-9_-]{{1,64}}$"]))
def test_reason_values_shown_by_kernels_match_their_repr(values, template):
    """Reasons name the value as Python's repr shows it (cut at 60 characters); most are
    rendered by Arrow kernels, and must be the same text."""
    import pyarrow as pa
    from trip_features import validate
    got = validate._shown_texts(pa.array(values, pa.string()), template)
    assert got == [template.format(validate._show(v)) for v in values]


# --- event shapes ------------------------------------------------------------------------

ENV = {"FAILURE_QUEUE_URL": "https://sqs.example/q", "POWERTOOLS_SERVICE_NAME": "t",
       "POWERTOOLS_METRICS_NAMESPACE": "T", "AWS_DEFAULT_REGION": "us-east-1"}
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=3), max_leaves=10)
_s3_record = st.fixed_dictionaries({}, optional={
    "eventSource": st.sampled_from(["aws:s3", "aws:sqs"]) | _json,
    "eventName": st.sampled_from(["ObjectCreated:Put", "ObjectRemoved:Delete"]) | _json,
    "s3": st.fixed_dictionaries({}, optional={
        "bucket": st.fixed_dictionaries({}, optional={"name": st.sampled_from(["b", ""]) | _json}) | _json,
        "object": st.fixed_dictionaries({}, optional={
            "key": st.sampled_from(["raw/a.csv", "raw/a+b%2Fc", ""]) | _json, "versionId": _json,
            "eTag": _json, "size": _json}) | _json}) | _json})
_events = st.one_of(_json, st.fixed_dictionaries({"Records": st.lists(_s3_record | _json, max_size=4)}),
                    st.just({"Service": "Amazon S3", "Event": "s3:TestEvent"}))


@pytest.fixture(scope="module")
def handler():
    saved = {name: os.environ.get(name) for name in ENV}
    os.environ.update(ENV)
    sys.modules.pop("trip_features.handler", None)
    module = importlib.import_module("trip_features.handler")
    yield module
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@settings(PROFILE, max_examples=PROFILE.max_examples * 2)
@given(event=_events)
def test_any_event_shape_is_read_or_reported(handler, event):
    records = handler.event_records(event)
    assert isinstance(records, list)
    for record in records:
        try:
            ref = handler.object_ref(record)
        # The handler's own class: the fixture re-imports the handler, and another test in
        # the same worker may have re-imported trip_features.errors, so the class this
        # module imported at the top can be a different object.
        except handler.InvalidEvent as err:
            assert str(err)
            continue
        assert ref is None or (isinstance(ref.bucket, str) and ref.bucket and isinstance(ref.key, str) and ref.key)


def test_every_parse_rejects_carry_reasons_for_header_only_input():
    header = parse.parse_header(HEADER + ",,", SCHEMA.field_names, SCHEMA.required_names)
    assert header.width == len(SCHEMA.field_names) + 2
