"""One batch of lines -> Arrow string columns, plus the lines that are not records.

Every value reaches validation as text in an Arrow string array, so one columnar
validator serves both formats:
- CSV takes the compiled path when the batch has no quotes and is valid UTF-8: numpy
  screens the lines (blank, oversized, wrong field count) on the raw bytes, and
  pyarrow's CSV reader splits the rest into columns without a Python object per value.
  Batches with quoted fields or invalid UTF-8 go line by line through the csv module,
  so a broken line is that line's problem alone.
- JSON Lines parse with one json.loads per line (exact line boundaries, C speed); each
  value is then rendered as text, and a JSON type the field cannot take (a bool for a
  number, a number for a string) is marked, to be rejected as such.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from trip_features.errors import UnrecognisedFormat
from trip_features.schema import Schema

_NEWLINE, _COMMA = 10, 44
# What a blank line may hold: ASCII whitespace, and in CSV commas too (the empty rows
# spreadsheet exports write, ",,,,,,,"): such lines carry no data and are not records.
_SPACE = " \t\r\x0b\x0c"
_EMPTY_ROW = np.zeros(256, dtype=bool)
_EMPTY_ROW[[ord(c) for c in _SPACE + ","]] = True
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # a JSON escape of a UTF-16 surrogate
# Arrow splits a batch into blocks of this size and parses them on every vCPU the function
# has (a Lambda above 1,769 MB has two or more); rows keep their order.
_ARROW_BLOCK = 1 << 20


@dataclass
class Reject:
    line: int
    raw: str
    reasons: list[str]
    length: int = 0                # the line's full length in bytes when `raw` holds only its start


class _LineSlices(Sequence):
    """The text of row i, cut from the batch's bytes only when asked (for its reject)."""

    def __init__(self, data: bytes, starts: np.ndarray, ends: np.ndarray) -> None:
        self.data, self.starts, self.ends = data, starts, ends

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):
        return self.data[self.starts[i]:self.ends[i]].decode("utf-8")

    def take(self, rows: np.ndarray) -> pa.StringArray:
        """The text of `rows` as one Arrow array, without a Python string per row: the
        batch's bytes seen as alternating (line, gap to the next line) values, even ones kept."""
        bounds = np.empty(2 * len(self.starts) + 1, dtype=np.int64)
        bounds[0:-1:2], bounds[1:-1:2] = self.starts, self.ends
        bounds[-1] = self.ends[-1] if len(self.ends) else 0
        if not len(bounds) or bounds[-1] >= 1 << 31:  # beyond int32 offsets (never for a batch)
            return pa.array([self[i] for i in rows.tolist()], pa.string())
        pieces = pa.Array.from_buffers(pa.string(), len(bounds) - 1,
                                       [None, pa.py_buffer(bounds.astype(np.int32)), pa.py_buffer(self.data)])
        return pieces.take(pa.array(2 * np.asarray(rows, dtype=np.int64)))


@dataclass
class Parsed:
    """Rows that parsed into fields. `columns[name]` is None when the column is absent."""

    columns: dict[str, pa.StringArray | None]
    lines: np.ndarray              # line number of each row
    raw: Sequence[str]             # each row's text, for its reject record if it fails validation
    typed: bool = False            # JSON: `originals` holds the values as decoded
    rejects: list[Reject] = field(default_factory=list)   # lines that are not parseable records
    blank_lines: int = 0
    wrong_type: dict[str, np.ndarray] = field(default_factory=dict)  # JSON values of a type the field refuses
    originals: dict[str, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.raw)

    def shown_many(self, name: str, rows: np.ndarray) -> list:
        """The values of a column in `rows` as the input spelled them, for rejects' reasons."""
        if self.typed:
            column = self.originals[name]
            return [column[i] for i in rows.tolist()]
        return self.columns[name].take(pa.array(rows)).to_pylist()


@dataclass(frozen=True)
class CsvHeader:
    names: tuple[str, ...]
    index: dict[str, int]          # schema field -> column position

    @property
    def width(self) -> int:
        return len(self.names)


def detect_format(first_line: str) -> str:
    return "jsonl" if first_line.lstrip().startswith("{") else "csv"


def parse_header(line: str, field_names: tuple[str, ...], required: tuple[str, ...]) -> CsvHeader:
    try:
        names = tuple(n.strip().lower() for n in next(csv.reader([line], strict=True), []))
    except csv.Error as err:
        raise UnrecognisedFormat(f"the first line is not a CSV header ({err})") from None
    # Unknown columns are ignored, even repeated or unnamed (a trailing ",,"); a schema field
    # named twice is ambiguous.
    repeated = sorted({n for n in names if n in field_names and names.count(n) > 1})
    if repeated:
        raise UnrecognisedFormat(f"CSV header repeats the column(s) {repeated}: which one holds the value?")
    missing = [n for n in required if n not in names]
    if missing:
        raise UnrecognisedFormat(
            f"CSV header lacks required column(s) {missing}; got {list(names)[:20]} "
            "(is the first line a header, and is the file CSV or JSON Lines?)")
    return CsvHeader(names, {n: names.index(n) for n in field_names if n in names})


def _oversized(number: int, line: str, size: int, limit: int) -> Reject:
    return Reject(number, line[:200], [f"record is {size} bytes, over the {limit}-byte limit "
                                       "(first 200 characters kept)"], size)


def _normalise_newlines(data: bytes) -> bytes:
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    return data[:-1] if data.endswith(b"\n") else data


def _lines(data: bytes, first_line: int, max_record_bytes: int, blank_chars: str = _SPACE
           ) -> tuple[list[str], np.ndarray, list[Reject], int]:
    """Decode and split line by line; invalid UTF-8, oversized and blank lines are taken out here."""
    rejects: list[Reject] = []
    if not data:
        return [], np.zeros(0, dtype=np.int64), rejects, 0
    data = _normalise_newlines(data)  # b"\n" is one blank line, b"" none
    try:
        lines = data.decode("utf-8").split("\n")
        numbers = np.arange(first_line, first_line + len(lines), dtype=np.int64)
    except UnicodeDecodeError:
        lines, keep = [], []
        for i, raw in enumerate(data.split(b"\n")):
            try:
                lines.append(raw.decode("utf-8"))
                keep.append(first_line + i)
            except UnicodeDecodeError as err:
                rejects.append(Reject(first_line + i, raw.decode("utf-8", "backslashreplace"),
                                      [f"not valid UTF-8 ({err.reason} at byte {err.start})"]))
        numbers = np.asarray(keep, dtype=np.int64)
    blank = 0
    # Cheap screens first (C-level loops); the exact per-line pass runs only when one fires.
    if not all(line.strip(blank_chars) for line in lines) or max(map(len, lines), default=0) * 4 > max_record_bytes:
        kept, kept_numbers = [], []
        for line, number in zip(lines, numbers.tolist(), strict=True):
            size = len(line.encode("utf-8", "surrogatepass"))
            if not line.strip(blank_chars):
                blank += 1
            elif size > max_record_bytes:
                rejects.append(_oversized(number, line, size, max_record_bytes))
            else:
                kept.append(line)
                kept_numbers.append(number)
        lines, numbers = kept, np.asarray(kept_numbers, dtype=np.int64)
    return lines, numbers, rejects, blank


def _csv_row(line: str) -> list[str] | None:
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _width_reject(number: int, line: str, expected: int, got: int) -> Reject:
    why = "malformed CSV quoting" if got < 0 else f"expected {expected} fields, got {got}"
    return Reject(number, line, [why])


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def parse_csv(data: bytes, first_line: int, header: CsvHeader, max_record_bytes: int) -> Parsed:
    # A quote may need the csv module's rules, and Arrow would end a row at a lone CR.
    lone_cr = b"\r" in data and data.count(b"\r") != data.count(b"\r\n")
    if b'"' not in data and not lone_cr and (data.isascii() or _is_utf8(data)):
        return _parse_csv_compiled(data, first_line, header, max_record_bytes)
    return _parse_csv_by_line(data, first_line, header, max_record_bytes)


def _parse_csv_by_line(data: bytes, first_line: int, header: CsvHeader, max_record_bytes: int) -> Parsed:
    lines, numbers, rejects, blank = _lines(data, first_line, max_record_bytes, _SPACE + ",")
    rows = [_csv_row(line) for line in lines]
    keep = [r is not None and len(r) == header.width for r in rows]
    for i in (i for i, ok in enumerate(keep) if not ok):
        rejects.append(_width_reject(int(numbers[i]), lines[i], header.width,
                                     -1 if rows[i] is None else len(rows[i])))
    rows = [r for r, ok in zip(rows, keep, strict=True) if ok]
    lines = [line for line, ok in zip(lines, keep, strict=True) if ok]
    columns = {name: pa.array([r[pos] for r in rows], type=pa.string()) for name, pos in header.index.items()}
    return Parsed(columns, numbers[np.asarray(keep, dtype=bool)], lines, rejects=rejects, blank_lines=blank)


def _parse_csv_compiled(data: bytes, first_line: int, header: CsvHeader, max_record_bytes: int) -> Parsed:
    """Quote-free, valid UTF-8, no lone CR: screen lines with numpy on the bytes, split columns
    with pyarrow.

    Arrow parses every line of the header's width (it skips the others, which numpy
    already found); the few oversized ones among them are dropped from the table after.
    """
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if not data:
        return Parsed({n: pa.array([], pa.string()) for n in header.index}, np.zeros(0, dtype=np.int64), [])
    if not data.endswith(b"\n"):
        data += b"\n"
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == _NEWLINE)
    starts = np.concatenate(([0], ends[:-1] + 1))
    commas_before_end = np.searchsorted(np.flatnonzero(buf == _COMMA), ends)
    widths = np.diff(commas_before_end, prepend=0) + 1
    numbers = np.arange(first_line, first_line + len(ends), dtype=np.int64)
    # Blank lines and empty rows: no byte but whitespace and commas (one pass over the bytes).
    content = np.concatenate(([0], np.cumsum(~_EMPTY_ROW[buf], dtype=np.int64)))
    is_blank = content[ends] == content[starts]
    blank = int(is_blank.sum())
    parsed_by_arrow = widths == header.width  # empty rows of that width too: dropped after
    keep = parsed_by_arrow & ~is_blank & (ends - starts <= max_record_bytes)
    rejects: list[Reject] = []
    for i in np.flatnonzero(~keep & ~is_blank).tolist():  # the lines that are not records
        raw = data[starts[i]:ends[i]]
        line = raw.decode("utf-8")
        if len(raw) > max_record_bytes:
            rejects.append(_oversized(int(numbers[i]), line, len(raw), max_record_bytes))
        else:
            rejects.append(_width_reject(int(numbers[i]), line, header.width, int(widths[i])))
    columns = {name: pa.array([], pa.string()) for name in header.index}
    if parsed_by_arrow.any():
        arrow_data = data
        if not parsed_by_arrow.all():  # hand Arrow only its lines: no Python callback per other line
            arrow_data = buf[np.repeat(parsed_by_arrow, ends - starts + 1)].tobytes()
        table = pa_csv.read_csv(
            io.BytesIO(arrow_data),
            read_options=pa_csv.ReadOptions(column_names=list(header.names), block_size=_ARROW_BLOCK),
            parse_options=pa_csv.ParseOptions(quote_char=False, invalid_row_handler=_skip),
            convert_options=pa_csv.ConvertOptions(
                include_columns=list(header.index), strings_can_be_null=False,
                column_types=dict.fromkeys(header.index, pa.string())))
        if table.num_rows != int(parsed_by_arrow.sum()):  # a bug, never a silent misalignment
            raise AssertionError(f"Arrow parsed {table.num_rows} rows where {int(parsed_by_arrow.sum())} "
                                 "lines have the header's width")
        if not keep.all():
            table = table.filter(pa.array(keep[parsed_by_arrow]))
        columns = {name: table.column(name).combine_chunks() for name in header.index}
    return Parsed(columns, numbers[keep], _LineSlices(data, starts[keep], ends[keep]),
                  rejects=rejects, blank_lines=blank)


def _skip(_row) -> str:
    return "skip"  # lines of another width: numpy has already made their reject records


def _as_text(values: list, kind: str) -> tuple[pa.StringArray, np.ndarray]:
    """JSON values -> text for the validator, and which values are of a type the field refuses.

    Strings stay as they are (a number may be sent as "12"); numbers are spelled as
    Python spells them; null is a missing value; anything else is the wrong type.
    """
    texts: list[str | None] = []
    wrong = np.zeros(len(values), dtype=bool)
    numeric = kind in ("integer", "number")
    for i, v in enumerate(values):
        if v is None or v.__class__ is str:
            texts.append(v)
        elif numeric and v.__class__ in (int, float):
            texts.append(repr(v))
        else:
            texts.append(None)
            wrong[i] = True
    return pa.array(texts, type=pa.string()), wrong


def _encodable(obj: object) -> bool:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_jsonl(data: bytes, first_line: int, schema: Schema, max_record_bytes: int) -> Parsed:
    lines, numbers, rejects, blank = _lines(data, first_line, max_record_bytes)
    objs: list | None = None
    # "\ud800" is valid JSON but no Unicode character: such lines are checked one by one.
    surrogates = _SURROGATE.search(data.decode("utf-8", "replace")) is not None
    try:  # one json.loads per line: exact line boundaries, C speed
        objs = None if surrogates else list(map(json.loads, lines))
    except (ValueError, RecursionError):
        objs = None
    if objs is not None and not all(type(o) is dict for o in objs):
        objs = None
    if objs is None and lines:
        objs, keep = [], []
        for line, number in zip(lines, numbers.tolist(), strict=True):
            try:
                obj = json.loads(line)
            except ValueError as err:
                msg = f"{err.msg} at column {err.colno}" if isinstance(err, json.JSONDecodeError) else str(err)
                rejects.append(Reject(number, line, [f"not valid JSON ({msg})"]))
                keep.append(False)
                continue
            except RecursionError:
                rejects.append(Reject(number, line[:200], ["not valid JSON (nested too deeply)"]))
                keep.append(False)
                continue
            if type(obj) is not dict:
                rejects.append(Reject(number, line, [f"not a JSON object (got {type(obj).__name__})"]))
                keep.append(False)
                continue
            if surrogates and _SURROGATE.search(line) and not _encodable(obj):
                rejects.append(Reject(number, line, ["not valid JSON (an unpaired surrogate escape such as "
                                                     "\\ud800 is not a Unicode character)"]))
                keep.append(False)
                continue
            objs.append(obj)
            keep.append(True)
        lines = [line for line, ok in zip(lines, keep, strict=True) if ok]
        numbers = numbers[np.asarray(keep, dtype=bool)]
    objs = objs or []
    originals = {spec.name: [o.get(spec.name) for o in objs] for spec in schema.fields}
    columns, wrong_type = {}, {}
    for spec in schema.fields:
        columns[spec.name], wrong_type[spec.name] = _as_text(originals[spec.name], spec.type)
    return Parsed(columns, numbers, lines, typed=True, rejects=rejects, blank_lines=blank,
                  wrong_type=wrong_type, originals=originals)
