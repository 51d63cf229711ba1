"""Request bodies -> the feature matrix, predictions -> response bodies.

Accepted records (one, or a batch):
  text/csv          rows of the model's features in FEATURES order, or of the Lambda's
                    processed layout (PROCESSED_LAYOUT, 13 columns); or any columns under a
                    header row naming them (extra columns are ignored).
  application/json  an object {feature: value}, a list of objects, or {"instances": [...]}
                    whose items are objects or lists in FEATURES order.
An empty CSV cell or a JSON null is a missing value (the trees route it as in training);
an absent field, text that is not a number, or a value outside the feature's range is a
BadRequest naming the row (1 = first record) and the field.
"""

from __future__ import annotations

import math

import numpy as np
import orjson

from eta_model.features import FEATURES, PROCESSED_LAYOUT, RANGES

LOW = np.array([RANGES[f][0] for f in FEATURES])
HIGH = np.array([RANGES[f][1] for f in FEATURES])
MAX_PROBLEMS = 10   # named in one response; enough to fix a batch, short enough to read
_LAYOUT_COLS = [PROCESSED_LAYOUT.index(f) for f in FEATURES]


class BadRequest(Exception):
    def __init__(self, message: str, problems: list[dict] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.status = status

    def body(self) -> dict:
        out = {"error": str(self)}
        if self.problems:
            out["problems"] = self.problems
        return out


def _fail(problems: list[dict]) -> BadRequest:
    first = problems[0]
    more = f" (and {len(problems) - 1} more problem(s) listed)" if len(problems) > 1 else ""
    where = f"row {first['row']}" + (f", field {first['field']}" if first.get("field") else "")
    return BadRequest(f"{where}: {first['message']}{more}", problems[:MAX_PROBLEMS])


def _check(x: np.ndarray) -> np.ndarray:
    """Range-check a parsed matrix (NaN = missing passes); raise naming the first bad cells."""
    with np.errstate(invalid="ignore"):
        bad = (x < LOW) | (x > HIGH) | np.isinf(x)
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise _fail([{"row": int(r) + 1, "field": FEATURES[c],
                      "message": f"{x[r, c]:g} is outside {RANGES[FEATURES[c]][0]:g}-{RANGES[FEATURES[c]][1]:g}"}
                     for r, c in zip(rows[:MAX_PROBLEMS], cols[:MAX_PROBLEMS], strict=True)])
    return x


def _cell(text: str, row: int, field: str, problems: list[dict]) -> float:
    text = text.strip()
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        problems.append({"row": row, "field": field, "message": f"{text[:40]!r} is not a number"})
        return math.nan
    return value   # "nan" is a missing value, as an empty cell; "inf" fails the range check


def parse_csv(body: bytes, max_records: int) -> np.ndarray:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest(f"the CSV body is not UTF-8 (byte {err.start})") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadRequest("the CSV body has no records")
    first = [c.strip() for c in lines[0].split(",")]
    if any(name in first for name in FEATURES):          # a header row names the columns
        absent = [f for f in FEATURES if f not in first]
        if absent:
            raise BadRequest(f"the CSV header lacks field(s) {absent}",
                             [{"row": 0, "field": f, "message": "absent from the header"} for f in absent])
        cols, width, lines = [first.index(f) for f in FEATURES], len(first), lines[1:]
        if not lines:
            raise BadRequest("the CSV body has a header but no records")
    else:
        width = len(first)
        if width == len(FEATURES):
            cols = list(range(width))
        elif width == len(PROCESSED_LAYOUT):
            cols = _LAYOUT_COLS
        else:
            raise BadRequest(f"row 1: {width} fields; expected {len(FEATURES)} ({', '.join(FEATURES)}), "
                             f"{len(PROCESSED_LAYOUT)} (the processed records layout) or a header row",
                             [{"row": 1, "message": f"{width} fields"}])
    if len(lines) > max_records:
        raise BadRequest(f"{len(lines)} records; at most {max_records} per request", status=413)
    rows = [line.split(",") for line in lines]
    short = [{"row": i + 1, "message": f"{len(r)} fields, expected {width}"}
             for i, r in enumerate(rows) if len(r) != width]
    if short:
        raise _fail(short)
    picked = rows if cols == list(range(width)) else [[r[c] for c in cols] for r in rows]
    try:
        x = np.array(picked, dtype=np.float64)   # fast path: every cell a number
    except ValueError:
        problems: list[dict] = []
        x = np.array([[_cell(v, i + 1, f, problems) for v, f in zip(r, FEATURES, strict=True)]
                      for i, r in enumerate(picked)], dtype=np.float64)
        if problems:
            raise _fail(problems) from None
    return _check(x)


def _json_value(value, row: int, field: str, problems: list[dict]) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append({"row": row, "field": field, "message": f"{str(value)[:40]!r} is not a number"})
        return math.nan
    return float(value)


def parse_json(body: bytes, max_records: int) -> np.ndarray:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise BadRequest(f"the body is not valid JSON: {err}") from None
    if isinstance(doc, dict) and "instances" in doc:
        doc = doc["instances"]
    records = [doc] if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not records:
        raise BadRequest("expected a JSON object, a non-empty list of objects, or {\"instances\": [...]}")
    if len(records) > max_records:
        raise BadRequest(f"{len(records)} records; at most {max_records} per request", status=413)
    problems: list[dict] = []
    matrix = []
    for i, rec in enumerate(records, start=1):
        if isinstance(rec, dict):
            absent = [f for f in FEATURES if f not in rec]
            problems += [{"row": i, "field": f, "message": "is absent"} for f in absent]
            matrix.append([_json_value(rec.get(f), i, f, problems) for f in FEATURES])
        elif isinstance(rec, list) and len(rec) == len(FEATURES):
            matrix.append([_json_value(v, i, f, problems) for v, f in zip(rec, FEATURES, strict=True)])
        else:
            problems.append({"row": i, "message": f"expected an object or a list of {len(FEATURES)} values"})
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise _fail(problems)
    return _check(np.array(matrix, dtype=np.float64))


def parse(content_type: str, body: bytes, max_records: int) -> np.ndarray:
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        return parse_csv(body, max_records)
    if kind in ("application/json", "application/jsonlines") or kind == "":
        return parse_json(body, max_records)
    raise BadRequest(f"Content-Type {content_type!r} is not supported; use text/csv or application/json",
                     status=415)


def response_type(accept: str) -> str:
    """The response media type for an Accept header: JSON unless CSV is asked for first."""
    for part in accept.split(","):
        kind = part.split(";")[0].strip().lower()
        if kind in ("application/json", "*/*", "application/*", ""):
            return "application/json"
        if kind in ("text/csv", "text/*"):
            return "text/csv"
    raise BadRequest(f"Accept {accept!r}: can answer application/json or text/csv", status=406)


def render(predictions: np.ndarray, media_type: str) -> bytes:
    rounded = np.round(predictions, 1)
    if media_type == "text/csv":
        return ("\n".join(map(str, rounded.tolist())) + "\n").encode()
    return orjson.dumps({"predictions": rounded.tolist()})
