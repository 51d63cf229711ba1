"""One batch of lines -> columns of raw values, plus the lines that are not records.

CSV takes a vectorised fast path when the batch has no quotes: every line with the
header's field count is split in one C-level pass and columns are strided slices.
Batches with quoted fields go through the csv module. JSON Lines parse a whole batch in
one json.loads call and fall back to line by line only when some line is malformed.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from trip_features.errors import UnrecognisedFormat


@dataclass
class Reject:
    line: int
    raw: str
    reasons: list[str]


@dataclass
class Parsed:
    """Rows that parsed into fields. `columns[name]` is None when the column is absent."""

    columns: dict[str, list | None]
    lines: np.ndarray              # line number of each row
    raw: list[str]                 # each row's text, for its reject record if it fails validation
    typed: bool                    # values may be non-strings (JSON)
    rejects: list[Reject] = field(default_factory=list)   # lines that are not parseable records
    blank_lines: int = 0

    def __len__(self) -> int:
        return len(self.raw)


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
    names = tuple(n.strip().lower() for n in next(csv.reader([line])))
    if len(set(names)) != len(names):
        raise UnrecognisedFormat(f"CSV header repeats a column: {list(names)}")
    missing = [n for n in required if n not in names]
    if missing:
        raise UnrecognisedFormat(
            f"CSV header lacks required column(s) {missing}; got {list(names)[:20]} "
            "(is the first line a header, and is the file CSV or JSON Lines?)")
    return CsvHeader(names, {n: names.index(n) for n in field_names if n in names})


def _lines(data: bytes, first_line: int, max_record_bytes: int
           ) -> tuple[list[str], np.ndarray, list[Reject], int]:
    """Decode and split; invalid UTF-8, oversized and blank lines are taken out here."""
    rejects: list[Reject] = []
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if not data:
        return [], np.zeros(0, dtype=np.int64), rejects, 0
    if data.endswith(b"\n"):
        data = data[:-1]
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
    # Cheap screens first; the exact per-line pass runs only when one of them fires.
    if "" in lines or max(map(len, lines), default=0) * 4 > max_record_bytes:
        kept, kept_numbers = [], []
        for line, number in zip(lines, numbers.tolist(), strict=True):
            size = len(line.encode())
            if not line.strip():
                blank += 1
            elif size > max_record_bytes:
                rejects.append(Reject(number, line[:200],
                                      [f"record is {size} bytes, over the {max_record_bytes}-byte "
                                       "limit (first 200 characters kept)"]))
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


def parse_csv(data: bytes, first_line: int, header: CsvHeader, max_record_bytes: int) -> Parsed:
    lines, numbers, rejects, blank = _lines(data, first_line, max_record_bytes)
    width = header.width
    rows: list[list[str]] | None = None
    if b'"' in data:
        # One reader per line: a record never spans lines here, so an unbalanced quote
        # is that line's problem, not a reason to swallow the next one.
        rows = [_csv_row(line) for line in lines]
        widths = [len(r) if r is not None else -1 for r in rows]
    else:
        widths = [c + 1 for c in map(str.count, lines, repeat(",", len(lines)))]
    if widths.count(width) != len(widths):
        keep = np.asarray(widths, dtype=np.int64) == width
        for i in np.flatnonzero(~keep).tolist():
            why = "malformed CSV quoting" if widths[i] < 0 else f"expected {width} fields, got {widths[i]}"
            rejects.append(Reject(int(numbers[i]), lines[i], [why]))
        lines = [line for line, ok in zip(lines, keep.tolist(), strict=True) if ok]
        if rows is not None:
            rows = [r for r, ok in zip(rows, keep.tolist(), strict=True) if ok]
        numbers = numbers[keep]
    columns: dict[str, list | None] = {}
    if rows is None:
        flat = ",".join(lines).split(",") if lines else []
        for name, pos in header.index.items():
            columns[name] = flat[pos::width]
    else:
        for name, pos in header.index.items():
            columns[name] = [r[pos] for r in rows]
    return Parsed(columns, numbers, lines, typed=False, rejects=rejects, blank_lines=blank)


def parse_jsonl(data: bytes, first_line: int, field_names: tuple[str, ...], max_record_bytes: int) -> Parsed:
    lines, numbers, rejects, blank = _lines(data, first_line, max_record_bytes)
    objs: list | None = None
    try:  # one json.loads per line: exact line boundaries, C speed
        objs = list(map(json.loads, lines))
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
            objs.append(obj)
            keep.append(True)
        mask = np.asarray(keep, dtype=bool)
        lines = [line for line, ok in zip(lines, keep, strict=True) if ok]
        numbers = numbers[mask]
    objs = objs or []
    columns: dict[str, list | None] = {name: [o.get(name) for o in objs] for name in field_names}
    return Parsed(columns, numbers, lines, typed=True, rejects=rejects, blank_lines=blank)
