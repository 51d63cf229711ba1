"""Readers for the monitor's inputs, streamed in chunks of rows: endpoint data capture,
batch-transform input + output, and ground truth. A line or record that cannot be read is
counted with its reason (and the first few are kept with their place); it is never fatal.

Data capture (SageMaker's JSON lines, plain or gzip, any number of files under a folder):
  {"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                     "data": "...", "encoding": "CSV"},
                   "endpointOutput": {... "data": "{\"predictions\": [...]}", "encoding": "JSON"}},
   "eventMetadata": {"eventId": "...", "inferenceTime": "2026-01-01T00:00:00.000Z"},
   "eventVersion": "0"}
The input is what `serve` accepts (eta_model.payload): CSV rows in FEATURES order, in the
processed layout, or under a header; JSON objects, lists or {"instances": [...]}; encoding
CSV, JSON or BASE64. Unlike `serve`, values out of range are kept (the monitor counts them).
Row i of an event joins ground truth under (eventId, i).

Batch transform: input files (CSV, a header row optional) and, beside the same relative
path under the output folder, `<name>.out` with one prediction per line (CSV) or JSON
{"predictions": [...]} lines, in input order (SplitType=Line, AssembleWith=Line). Rows join
ground truth on the input's `trip_id` column when it has one (the processed layout does).

Ground truth: SageMaker's merge format, one JSON object a line,
  {"groundTruthData": {"data": "912", "encoding": "CSV"}, "eventMetadata": {"eventId": "..."},
   "eventVersion": "0"}
(several comma-separated values label the rows of a multi-row event in order), or CSV
files whose header has trip_id and duration_s (e.g. the processed records of the same trips).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from eta_model.features import FEATURES, LABEL, PROCESSED_LAYOUT

CHUNK_ROWS = 20_000          # rows per statistics update: bounded memory whatever the window
MAX_EXAMPLES = 10            # bad lines kept with their place in the report
NO_KEY = np.iinfo(np.int64).min
_WIDTH = len(FEATURES)
_LAYOUT_COLS = [PROCESSED_LAYOUT.index(f) for f in FEATURES]
_TRIP_COL = PROCESSED_LAYOUT.index("trip_id")


def event_key(event_id: str, row: int) -> int:
    # Python's hash is 64-bit and stable within one process, where the join happens;
    # a false match needs a 64-bit collision (about 3e-8 for 1e6 x 1e6 keys).
    return hash(("event", event_id, row))


def trip_key(trip_id: str) -> int:
    return hash(("trip", trip_id))


@dataclass
class Problems:
    """Unreadable lines and records: counts by reason, and the first few with their place."""

    counts: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)

    def add(self, reason: str, where: str) -> None:
        self.counts[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append({"where": where, "reason": reason})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: Problems) -> None:
        self.counts.update(other.counts)
        self.examples = (self.examples + other.examples)[:MAX_EXAMPLES]

    def as_dict(self) -> dict:
        return {"total": self.total, "by_reason": dict(sorted(self.counts.items())), "examples": self.examples}


@dataclass
class Chunk:
    x: np.ndarray            # float64 [rows, FEATURES]; NaN = missing
    predictions: np.ndarray  # float64 [rows]; NaN = no prediction captured for the row
    keys: np.ndarray         # int64 [rows]; NO_KEY = nothing to join labels on


def files_under(folder: Path) -> list[Path]:
    """Every file under `folder`, in path order (capture paths sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def read_lines(path: Path, problems: Problems) -> Iterator[bytes]:
    """The lines of a plain or gzip file; a broken gzip stream ends the file, counted."""
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as handle:
            yield from handle
    except (OSError, EOFError) as err:
        problems.add("unreadable file (truncated or corrupt gzip)", f"{path}: {err}")


def _number(text: str) -> float:
    text = text.strip()
    return math.nan if text in ("", "nan", "NaN") else float(text)


class _Rows:
    """Collects the rows of one chunk. CSV rows stay text until the chunk is full, then
    every cell is converted in one numpy call: rows in FEATURES order (10 fields), and the
    processed layout less its first two text fields (trip_id, pickup_at), which leaves the
    features then the label (11 fields). JSON rows arrive as lists of numbers."""

    def __init__(self) -> None:
        self.csv: dict[int, tuple[list[str], list[int]]] = {_WIDTH: ([], []), _WIDTH + 1: ([], [])}
        self.other: list[list[float]] = []
        self.other_pos: list[int] = []
        self.predictions: list[float] = []
        self.keys: list[int] = []

    def __len__(self) -> int:
        return len(self.predictions)

    def add_csv(self, line: str, prediction: float, key: int, width: int = _WIDTH) -> None:
        lines, pos = self.csv[width]
        pos.append(len(self.predictions))
        lines.append(line)
        self.predictions.append(prediction)
        self.keys.append(key)

    def add_many(self, lines: list[str], predictions: list[float], keys: list[int], width: int) -> None:
        texts, pos = self.csv[width]
        pos.extend(range(len(self.predictions), len(self.predictions) + len(lines)))
        texts.extend(lines)
        self.predictions.extend(predictions)
        self.keys.extend(keys)

    def add_values(self, values: list[float], prediction: float, key: int) -> None:
        self.other_pos.append(len(self.predictions))
        self.other.append(values)
        self.predictions.append(prediction)
        self.keys.append(key)

    def build(self, problems: Problems, where: str) -> Chunk:
        x = np.full((len(self.predictions), _WIDTH), np.nan)
        for width, (lines, pos) in self.csv.items():
            if not lines:
                continue
            try:   # fast path: every cell a number
                cells = np.array(",".join(lines).split(","), dtype=np.float64).reshape(-1, width)
            except ValueError:
                cells = self._slow(lines, width, problems, where)
            x[pos] = cells[:, :_WIDTH]
        if self.other:
            x[self.other_pos] = np.array(self.other, dtype=np.float64)
        keep = ~np.all(np.isinf(x), axis=1)   # rows marked unreadable by _slow
        return Chunk(x[keep], np.array(self.predictions, dtype=np.float64)[keep],
                     np.array(self.keys, dtype=np.int64)[keep])

    @staticmethod
    def _slow(lines: list[str], width: int, problems: Problems, where: str) -> np.ndarray:
        out = np.full((len(lines), width), np.nan)
        for i, line in enumerate(lines):
            try:
                out[i] = [_number(v) for v in line.split(",")]
            except ValueError:
                problems.add("a feature is not a number", f"{where}: {line[:120]}")
                out[i] = np.inf
        return out


def _feature_lines(text: str) -> tuple[list[str], str | None]:
    """CSV body -> lines of the features in FEATURES order (cells as text), or a reason."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return [], "empty CSV input"
    first = [c.strip() for c in lines[0].split(",")]
    if any(name in first for name in FEATURES):
        absent = [f for f in FEATURES if f not in first]
        if absent:
            return [], f"CSV header lacks {absent[0]}"
        cols = [first.index(f) for f in FEATURES]
        width, lines = len(first), lines[1:]
    else:
        width = len(first)
        cols = None if width == _WIDTH else _LAYOUT_COLS if width == len(PROCESSED_LAYOUT) else []
        if cols == []:
            return [], f"CSV input has {width} fields"
    out = []
    for ln in lines:
        cells = ln.split(",")
        if len(cells) != width:
            return [], f"CSV input row has {len(cells)} fields, expected {width}"
        out.append(ln if cols is None else ",".join(cells[c] for c in cols))
    return out, None


def _json_rows(text: str) -> tuple[list[list[float]], str | None]:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return [], "JSON input is not valid JSON"
    if isinstance(doc, dict) and "instances" in doc:
        doc = doc["instances"]
    records = [doc] if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not records:
        return [], "JSON input holds no records"
    rows = []
    for rec in records:
        values = [rec.get(f) for f in FEATURES] if isinstance(rec, dict) else rec
        if not isinstance(values, list) or len(values) != _WIDTH:
            return [], "JSON input record is neither an object nor a list of the features"
        try:
            rows.append([math.nan if v is None else float(v) for v in values])
        except (TypeError, ValueError):
            return [], "a JSON feature is not a number"
    return rows, None


def _payload(part: dict) -> tuple[str, str]:
    """(kind 'csv' | 'json', text) of a captured input or output."""
    data = part.get("data")
    if not isinstance(data, str):
        raise ValueError("captured data is not text")
    encoding = str(part.get("encoding", "")).upper()
    media = str(part.get("observedContentType", "")).split(";")[0].strip().lower()
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("BASE64 data does not decode to UTF-8 text") from None
    elif encoding not in ("CSV", "JSON"):
        raise ValueError(f"unknown encoding {encoding[:20]!r}")
    kind = "csv" if media in ("text/csv", "application/csv") or (encoding == "CSV" and not media) else "json"
    return kind, data


def _predictions(part: dict | None, rows: int) -> tuple[list[float], str | None]:
    nan = [math.nan] * rows
    if part is None:
        return nan, None                         # capture of inputs only
    try:
        kind, text = _payload(part)
        if kind == "csv":
            values = [float(v) for v in text.split()]
        else:
            doc = orjson.loads(text)
            if not isinstance(doc, dict) or "predictions" not in doc:
                return nan, "rejected request (the output has no predictions)"
            values = [float(v) for v in doc["predictions"]]
    except (ValueError, TypeError, orjson.JSONDecodeError):
        return nan, "unreadable output"
    if len(values) != rows:
        return nan, "output and input row counts differ"
    return values, None


def read_capture(source: Path | list[Path], problems: Problems, counts: Counter, start: str | None = None,
                 end: str | None = None) -> Iterator[Chunk]:
    """Chunks of captured rows from a folder's files or a list of files; events whose
    inferenceTime is outside [start, end) are skipped.

    Lines are read in blocks. A block whose every record is the common one (one CSV row
    in, one prediction out, as the endpoint captures a single-trip request) is decoded with
    one orjson call and list comprehensions (_common_block); any other block goes line by
    line through _event, which reads every shape `serve` accepts and names what it cannot."""
    rows = _Rows()
    for path in files_under(source) if isinstance(source, Path) else source:
        counts["capture_files"] += 1
        block: list[bytes] = []
        numbers: list[int] = []
        for line_no, line in enumerate(read_lines(path, problems), start=1):
            if line.strip():
                block.append(line)
                numbers.append(line_no)
            if len(block) >= BLOCK_LINES:
                _block(block, numbers, path.name, rows, problems, counts, start, end)
                block, numbers = [], []
                if len(rows) >= CHUNK_ROWS:
                    yield rows.build(problems, path.name)
                    rows = _Rows()
        if block:
            _block(block, numbers, path.name, rows, problems, counts, start, end)
        if len(rows) >= CHUNK_ROWS:
            yield rows.build(problems, path.name)
            rows = _Rows()
    if len(rows):
        yield rows.build(problems, "capture")


BLOCK_LINES = 2000


def _block(lines: list[bytes], numbers: list[int], name: str, rows: _Rows, problems: Problems, counts: Counter,
           start: str | None, end: str | None) -> None:
    counts["capture_lines"] += len(lines)
    taken = _common_block(lines, rows, counts, start, end)
    if taken is not None:
        counts["capture_events"] += taken
        return
    events = 0
    for line_no, line in zip(numbers, lines, strict=True):
        where = f"{name}:{line_no}"
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            problems.add("line is not JSON", where)
            continue
        events += _event(rec, where, rows, problems, counts, start, end)
    counts["capture_events"] += events


def _common_block(lines: list[bytes], rows: _Rows, counts: Counter, start: str | None, end: str | None) -> int | None:
    """When every line is a common record: adds the block's rows and returns how many
    events were inside the time window; otherwise adds nothing and returns None."""
    outside = 0
    try:
        recs = orjson.loads(b"[" + b",".join(lines) + b"]")
        if start or end:
            inside = [_in_window(r["eventMetadata"], start, end) for r in recs]
            outside = len(recs) - sum(inside)
            recs = [r for r, keep in zip(recs, inside, strict=True) if keep]
        caps = [r["captureData"] for r in recs]
        inputs = [c["endpointInput"] for c in caps]
        if any(i["encoding"] != "CSV" for i in inputs):
            return None
        texts = [i["data"].strip() for i in inputs]
        ids = [r["eventMetadata"]["eventId"] for r in recs]
        outs = orjson.loads("[" + ",".join([c["endpointOutput"]["data"] for c in caps]) + "]")
        preds = [o["predictions"] for o in outs]
        commas = {t.count(",") for t in texts}
        if len(commas) != 1 or not commas <= set(_FAST_COMMAS) or any("\n" in t for t in texts) \
                or any(len(p) != 1 for p in preds) or any(type(e) is not str for e in ids):
            return None
        values = [float(p[0]) for p in preds]
    except (LookupError, TypeError, ValueError, AttributeError, orjson.JSONDecodeError):
        return None
    keys = [hash(("event", e, 0)) for e in ids]    # event_key, inlined: a million calls
    if commas == {_WIDTH - 1}:
        rows.add_many(texts, values, keys, _WIDTH)
    else:   # the processed layout: drop trip_id and pickup_at, keep features + label
        rows.add_many([t.split(",", 2)[2] for t in texts], values, keys, _WIDTH + 1)
    if outside:
        counts["events_outside_window"] += outside
    return len(recs)


_FAST_COMMAS = (_WIDTH - 1, len(PROCESSED_LAYOUT) - 1)


def _in_window(meta: dict, start: str | None, end: str | None) -> bool:
    when = str(meta.get("inferenceTime", "")) if isinstance(meta, dict) else ""
    return not ((start and when < start) or (end and when >= end))


def _event(rec, where: str, rows: _Rows, problems: Problems, counts: Counter, start: str | None,
           end: str | None) -> int:
    """Any captured record, read in full; returns 1 when it added rows, 0 when it was skipped."""
    data = rec.get("captureData") if isinstance(rec, dict) else None
    meta = rec.get("eventMetadata") if isinstance(rec, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("endpointInput"), dict):
        problems.add("no captureData.endpointInput", where)
        return 0
    meta = meta if isinstance(meta, dict) else {}
    if (start or end) and not _in_window(meta, start, end):
        counts["events_outside_window"] += 1
        return 0
    try:
        kind, text = _payload(data["endpointInput"])
    except ValueError as err:
        problems.add(str(err), where)
        return 0
    if kind == "csv":
        lines, reason = _feature_lines(text)
        n = len(lines)
    else:
        values, reason = _json_rows(text)
        n = len(values)
    if reason:
        problems.add(reason, where)
        return 0
    preds, why = _predictions(data.get("endpointOutput"), n)
    if why:
        counts[why] += 1
    event_id = meta.get("eventId")
    for i in range(n):
        key = event_key(event_id, i) if isinstance(event_id, str) else NO_KEY
        if kind == "csv":
            rows.add_csv(lines[i], preds[i], key)
        else:
            rows.add_values(values[i], preds[i], key)
    return 1


def read_batch(inputs: Path, outputs: Path, problems: Problems, counts: Counter) -> Iterator[Chunk]:
    """Chunks of batch-transform rows: each input file joined line by line with its .out file."""
    for path in files_under(inputs):
        rel = path.relative_to(inputs)
        out_path = outputs / rel.parent / (rel.name + ".out")
        counts["batch_files"] += 1
        predictions: list[float] = []
        if out_path.is_file():
            for line in read_lines(out_path, problems):
                text = line.decode("utf-8", "replace").strip()
                if not text:
                    continue
                if text.startswith("{"):
                    try:
                        predictions += [float(v) for v in orjson.loads(text).get("predictions", [])]
                    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
                        problems.add("batch output line is not readable", f"{out_path.name}: {text[:80]}")
                else:
                    predictions += [_safe_float(v) for v in text.split(",")]
        else:
            problems.add("batch input without its .out file", str(rel))
        header: list[str] | None = None
        rows = _Rows()
        index = 0
        for line_no, line in enumerate(read_lines(path, problems), start=1):
            text = line.decode("utf-8", "replace").strip()
            if not text:
                continue
            cells = [c.strip() for c in text.split(",")]
            if header is None and line_no == 1 and any(c in FEATURES for c in cells):
                header = cells
                if [f for f in FEATURES if f not in header]:
                    problems.add("batch input header lacks features", str(rel))
                    break
                continue
            cols, trip = _batch_columns(header, len(cells))
            prediction = predictions[index] if index < len(predictions) else math.nan
            index += 1
            if cols is None:
                problems.add(f"batch input row has {len(cells)} fields", f"{rel}:{line_no}")
                continue
            key = trip_key(cells[trip]) if trip is not None and cells[trip] else NO_KEY
            rows.add_csv(",".join(cells[c] for c in cols), prediction, key)
            counts["batch_rows"] += 1
            if len(rows) >= CHUNK_ROWS:
                yield rows.build(problems, str(rel))
                rows = _Rows()
        if index != len(predictions):
            counts["batch rows and predictions differ in count"] += 1
        if len(rows):
            yield rows.build(problems, str(rel))


def _safe_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _batch_columns(header: list[str] | None, width: int) -> tuple[list[int] | None, int | None]:
    if header is not None:
        if width != len(header):
            return None, None
        return [header.index(f) for f in FEATURES], header.index("trip_id") if "trip_id" in header else None
    if width == _WIDTH:
        return list(range(_WIDTH)), None
    if width == len(PROCESSED_LAYOUT):
        return _LAYOUT_COLS, _TRIP_COL
    return None, None


def read_ground_truth(folder: Path, problems: Problems, counts: Counter) -> tuple[np.ndarray, np.ndarray]:
    """(sorted join keys, labels); for a key labelled more than once the last file (in path
    order: upload time) wins, and the repeats are counted."""
    keys: list[int] = []
    labels: list[float] = []
    key_parts: list[np.ndarray] = []
    label_parts: list[np.ndarray] = []
    for path in files_under(folder):
        counts["ground_truth_files"] += 1
        header: list[str] | None = None
        block: list[bytes] = []
        numbers: list[int] = []
        for line_no, line in enumerate(read_lines(path, problems), start=1):
            if line.lstrip().startswith(b"{"):        # merge format: read in blocks
                block.append(line)
                numbers.append(line_no)
                if len(block) >= BLOCK_LINES:
                    _label_block(block, numbers, path.name, keys, labels, problems)
                    block, numbers = [], []
                    if len(keys) >= CHUNK_ROWS:   # 16 bytes a label once out of the lists
                        key_parts.append(np.array(keys, dtype=np.int64))
                        label_parts.append(np.array(labels, dtype=np.float64))
                        keys, labels = [], []
                continue
            text = line.decode("utf-8", "replace").strip()
            if not text:
                continue
            where = f"{path.name}:{line_no}"
            cells = [c.strip() for c in text.split(",")]
            if header is None:
                if "trip_id" not in cells or LABEL not in cells:
                    problems.add(f"ground truth CSV header lacks trip_id or {LABEL}", where)
                    break
                header = cells
                continue
            if len(cells) != len(header):
                problems.add("ground truth row has the wrong number of fields", where)
                continue
            try:
                label = float(cells[header.index(LABEL)])
            except ValueError:
                problems.add("ground truth label is not a number", where)
                continue
            keys.append(trip_key(cells[header.index("trip_id")]))
            labels.append(label)
            if len(keys) >= CHUNK_ROWS:
                key_parts.append(np.array(keys, dtype=np.int64))
                label_parts.append(np.array(labels, dtype=np.float64))
                keys, labels = [], []
        if block:
            _label_block(block, numbers, path.name, keys, labels, problems)
        if len(keys) >= CHUNK_ROWS:
            key_parts.append(np.array(keys, dtype=np.int64))
            label_parts.append(np.array(labels, dtype=np.float64))
            keys, labels = [], []
    k = np.concatenate([*key_parts, np.array(keys, dtype=np.int64)])
    v = np.concatenate([*label_parts, np.array(labels, dtype=np.float64)])
    # np.unique keeps the first of equal keys: reverse so that the last one is kept
    uniq, first = np.unique(k[::-1], return_index=True)
    counts["ground_truth_labels"] += len(uniq)
    counts["ground_truth_repeated_labels"] += len(k) - len(uniq)
    return uniq, v[::-1][first]


def _label_block(lines: list[bytes], numbers: list[int], name: str, keys: list[int], labels: list[float],
                 problems: Problems) -> None:
    """Merge-format lines: one orjson call when each labels one row with a CSV number, else line by line."""
    try:
        recs = orjson.loads(b"[" + b",".join(lines) + b"]")
        ids = [r["eventMetadata"]["eventId"] for r in recs]
        data = [r["groundTruthData"] for r in recs]
        if any(d.get("encoding", "CSV") != "CSV" or "," in d["data"] for d in data) or \
                any(type(e) is not str for e in ids):
            raise ValueError
        values = [float(d["data"]) for d in data]
    except (LookupError, TypeError, ValueError, AttributeError, orjson.JSONDecodeError):
        for line_no, line in zip(numbers, lines, strict=True):
            _merge_record(line.decode("utf-8", "replace"), f"{name}:{line_no}", keys, labels, problems)
        return
    keys.extend([hash(("event", e, 0)) for e in ids])     # event_key, inlined
    labels.extend(values)


def _merge_record(text: str, where: str, keys: list[int], labels: list[float], problems: Problems) -> None:
    try:
        rec = orjson.loads(text)
        data = rec["groundTruthData"]
        event_id = rec["eventMetadata"]["eventId"]
        raw = data["data"]
        if not isinstance(event_id, str):
            raise TypeError
        if str(data.get("encoding", "CSV")).upper() == "JSON":
            doc = orjson.loads(raw) if isinstance(raw, str) else raw
            values = [float(v) for v in (doc if isinstance(doc, list) else [doc])]
        else:
            values = [float(v) for v in str(raw).replace("\n", ",").split(",") if v.strip()]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        problems.add("ground truth record is not in the merge format", where)
        return
    for i, value in enumerate(values):
        keys.append(event_key(event_id, i))
        labels.append(value)
