"""Valid rows -> the feature set (schema.json "features"), and both outputs' bytes."""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as _json_string

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trip_features.parse import Parsed, Reject, _LineSlices
from trip_features.schema import Schema
from trip_features.validate import Validated

# Every feature is an integer or a validated string (an identifier, a canonical timestamp).
# Features that are functions of (hour, weekday) or of (pickup zone, dropoff zone) are taken
# from precomputed text ("8,0,0,1"), so a row joins 7 values instead of formatting 13.
_TIME_TEXT = pa.array([f"{h},{d},{int(d >= 5)},{int(d < 5 and (7 <= h <= 9 or 16 <= h <= 19))}"
                       for h in range(24) for d in range(7)], pa.string())
_zone_text: dict[tuple, pa.StringArray] = {}
# The column order to_csv writes; schema.json's "features" must list the same.
LAYOUT = ("trip_id", "pickup_at", "pickup_hour", "pickup_dow", "is_weekend", "is_rush_hour", "pickup_zone",
          "dropoff_zone", "same_zone", "airport_trip", "passenger_count", "trip_distance_m", "duration_s")


def _zone_table(schema: Schema) -> tuple[pa.StringArray, int]:
    """"pz,dz,same_zone,airport_trip" for every zone pair the schema allows, built once."""
    spec = next(f for f in schema.fields if f.name == "pickup_zone")
    top = int(spec.max)
    key = (top, schema.airport_zones)
    if key not in _zone_text:
        airports = set(schema.airport_zones)
        _zone_text[key] = pa.array([f"{p},{d},{int(p == d)},{int(p in airports or d in airports)}"
                                    for p in range(top + 1) for d in range(top + 1)], pa.string())
    return _zone_text[key], top + 1


def header(schema: Schema) -> bytes:
    return (",".join(schema.features) + "\n").encode()


def features(v: Validated, schema: Schema) -> dict[str, object]:
    """Feature columns for the rows that passed validation, in schema order."""
    idx = np.flatnonzero(v.ok)
    values = v.values
    pickup = values["pickup_at"][idx]
    hour = (pickup % 86400) // 3600
    dow = (pickup // 86400 + 3) % 7          # 1970-01-01 was a Thursday; Monday = 0
    weekend = dow >= 5
    rush = ~weekend & (((hour >= 7) & (hour <= 9)) | ((hour >= 16) & (hour <= 19)))
    pz = values["pickup_zone"][idx].astype(np.int64)
    dz = values["dropoff_zone"][idx].astype(np.int64)
    airports = np.asarray(schema.airport_zones)
    rows = pa.array(idx)
    return {
        "trip_id": values["trip_id"].take(rows),
        "pickup_at": v.pickup_text.take(rows),
        "pickup_hour": hour,
        "pickup_dow": dow,
        "is_weekend": weekend.astype(np.int64),
        "is_rush_hour": rush.astype(np.int64),
        "pickup_zone": pz,
        "dropoff_zone": dz,
        "same_zone": (pz == dz).astype(np.int64),
        "airport_trip": (np.isin(pz, airports) | np.isin(dz, airports)).astype(np.int64),
        "passenger_count": values["passenger_count"][idx].astype(np.int64),
        "trip_distance_m": np.rint(values["trip_distance_km"][idx] * 1000).astype(np.int64),
        "duration_s": values["duration_s"][idx].astype(np.int64),
    }


def to_csv(cols: dict[str, object], schema: Schema) -> bytes:
    """Feature rows as CSV (columns in schema.features order), joined by Arrow kernels."""
    n = len(cols["trip_id"])
    if not n:
        return b""
    if schema.features != LAYOUT:
        raise ValueError(f"schema features {schema.features} differ from the layout to_csv writes {LAYOUT}")
    zones, width = _zone_table(schema)
    fields = [cols["trip_id"], cols["pickup_at"],
              _TIME_TEXT.take(pa.array(cols["pickup_hour"] * 7 + cols["pickup_dow"])),
              zones.take(pa.array(cols["pickup_zone"] * width + cols["dropoff_zone"]))]
    fields += [pc.cast(pa.array(cols[name]), pa.string()) for name in ("passenger_count", "trip_distance_m",
                                                                       "duration_s")]
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "\n", "")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset:lines.offset + n + 1]
    return memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]].tobytes()


def rejects(parsed: Parsed, v: Validated | None) -> list[Reject]:
    """Parse-level rejects plus the rows that failed validation, in line order."""
    out = list(parsed.rejects)
    if v is not None:
        for i, why in v.reasons.items():
            out.append(Reject(int(parsed.lines[i]), parsed.raw[i], why))
    out.sort(key=lambda r: r.line)
    return out


def reject_body(r: Reject, record_bytes: int) -> str:
    """A reject's JSON without its line number: '"reasons": [...], "record": "..."}'.

    A record longer than `record_bytes` is cut there and "record_bytes" gives its full
    length, so a reject line stays bounded whatever its input. Strings are escaped by the
    json module's C encoder, to ASCII: no line separator other than \\n can appear inside a
    reject (U+2028, NEL...)."""
    raw, length = _capped(r.raw, r.length, record_bytes)
    tail = f', "record_bytes": {length}}}' if length else "}"
    return f'"reasons": [{", ".join(map(_json_string, r.reasons))}], "record": {_json_string(raw)}{tail}'


def _capped(raw: str, length: int, record_bytes: int) -> tuple[str, int]:
    """A record over `record_bytes` cut there (at a character boundary), and its full length."""
    if len(raw) * 4 > record_bytes:
        encoded = raw.encode("utf-8", "surrogatepass")
        if len(encoded) > record_bytes:
            return encoded[:record_bytes].decode("utf-8", "ignore"), length or len(encoded)
    return raw, length


def reject_line(line: int, body: str, lines: int = 1) -> str:
    if lines > 1:  # a run of identical lines: line, line + 1, ..., line + lines - 1
        return f'{{"line": {line}, "lines": {lines}, {body}\n'
    return f'{{"line": {line}, {body}\n'


class RejectRuns:
    """Reject lines in line order; consecutive lines with the same text and reasons (an
    export full of "{}") become one reject with "lines": n, so junk cannot swell the output."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.count = 0
        self._body: str | None = None
        self._line = self._lines = 0

    def add(self, line: int, body: str) -> None:
        self.count += 1
        if line == self._line + self._lines and body == self._body:
            self._lines += 1
            return
        self._flush()
        self._body, self._line, self._lines = body, line, 1

    def _flush(self) -> None:
        if self._body is not None:
            self.out.append(reject_line(self._line, self._body, self._lines))

    def to_bytes(self) -> bytes:
        self._flush()
        self._body = None
        return "".join(self.out).encode()


def rejects_to_jsonl(items: list[Reject], record_bytes: int = 1024) -> bytes:
    """JSON Lines {"line", ["lines",] "reasons", "record"[, "record_bytes"]}, in line order."""
    runs = RejectRuns()
    for r in items:
        runs.add(r.line, reject_body(r, record_bytes))
    return runs.to_bytes()


_PLAIN_JSON = r"^[ -~]*$"  # printable ASCII: JSON-escaped by doubling \ and " alone


def _json_strings(texts: pa.StringArray) -> pa.StringArray:
    """Each text as a JSON string literal, as json's ASCII encoder writes it: printable ASCII
    by Arrow kernels; the rest (control characters, non-ASCII) by the C encoder, value by value."""
    escaped = texts
    for char in ("\\", '"'):  # \ first, so the \ added before " is not doubled
        if pc.any(pc.match_substring(escaped, char)).as_py():
            escaped = pc.replace_substring(escaped, char, "\\" + char)
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    plain = _np_bool(pc.match_substring_regex(texts, _PLAIN_JSON))
    if plain.all():
        return quoted
    rest = np.flatnonzero(~plain)
    other = pa.array([_json_string(t) for t in texts.take(pa.array(rest)).to_pylist()], pa.string())
    return pc.replace_with_mask(quoted, pa.array(~plain), other)


def _np_bool(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _joined_reasons(why: list[list[str]]) -> pa.StringArray:
    """Each row's reasons as JSON strings joined by ", " (Arrow list join over one flat array)."""
    counts = np.fromiter(map(len, why), dtype=np.int32, count=len(why))
    offsets = np.zeros(len(why) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    flat = _json_strings(pa.array([text for row in why for text in row], pa.string()))
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat), ", ")


def rejects_jsonl(parsed: Parsed, v: Validated | None, record_bytes: int = 1024) -> bytes:
    """rejects_to_jsonl(rejects(parsed, v), record_bytes), built as columns: line numbers,
    reasons, records JSON-escaped and capped, runs of the same reject merged, and the lines
    joined by Arrow kernels."""
    rows = np.fromiter(v.reasons, dtype=np.int64, count=len(v.reasons)) if v is not None else np.zeros(0, np.int64)
    extra = parsed.rejects
    if not len(rows) and not extra:
        return b""
    # Parse rejects first, then the rows that failed validation; a stable sort by line, as rejects() does.
    numbers = np.concatenate((np.fromiter((r.line for r in extra), dtype=np.int64, count=len(extra)),
                              parsed.lines[rows].astype(np.int64)))
    order = np.argsort(numbers, kind="stable")
    numbers = numbers[order]
    length = np.concatenate((np.fromiter((r.length for r in extra), dtype=np.int64, count=len(extra)),
                             np.zeros(len(rows), np.int64)))[order]
    ordered = order.tolist()
    why = [r.reasons for r in extra] + [v.reasons[i] for i in rows.tolist()]
    reasons = _joined_reasons([why[i] for i in ordered])
    raw = _LazyRaw(parsed, extra, rows, ordered)
    try:
        head = pa.array([r.raw for r in extra], pa.string())
        tail = parsed.raw.take(rows) if isinstance(parsed.raw, _LineSlices) else pa.array(
            [parsed.raw[i] for i in rows.tolist()], pa.string())
        records = pa.concat_arrays([head, tail]).take(pa.array(order))
        long = np.flatnonzero(_np_bool(pc.greater(pc.binary_length(records), record_bytes)))
    except (UnicodeEncodeError, pa.ArrowException):  # a lone surrogate (not UTF-8): every record by Python
        records, long = None, np.arange(len(order))
    if len(long):  # over the cap: cut (rare), as reject_body does
        capped = [_capped(raw[k], int(length[k]), record_bytes) for k in long.tolist()]
        length[long] = [n for _, n in capped]
        mask = np.zeros(len(order), dtype=bool)
        mask[long] = True
        cut = pa.array([text for text, _ in capped], pa.string())
        records = cut if records is None else pc.replace_with_mask(records, pa.array(mask), cut)
    records = _json_strings(records)
    closing = pc.if_else(pa.array(length > 0), pc.binary_join_element_wise(
        ', "record_bytes": ', pc.cast(pa.array(length), pa.string()), "}", ""), "}")
    n = len(numbers)
    count: object = ""
    if n > 1:  # a run: the next line, with the same reasons and record
        same = ((np.diff(numbers) == 1) & (length[1:] == length[:-1])
                & _np_bool(pc.equal(reasons.slice(1), reasons.slice(0, n - 1)))
                & _np_bool(pc.equal(records.slice(1), records.slice(0, n - 1))))
        if same.any():
            starts = np.flatnonzero(np.concatenate(([True], ~same)))
            sizes = np.diff(np.append(starts, n))
            keep = pa.array(starts)
            numbers, reasons, records, closing = (numbers[starts], reasons.take(keep), records.take(keep),
                                                  closing.take(keep))
            count = pc.if_else(pa.array(sizes > 1), pc.binary_join_element_wise(
                ', "lines": ', pc.cast(pa.array(sizes), pa.string()), ""), "")
    out = pc.binary_join_element_wise('{"line": ', pc.cast(pa.array(numbers), pa.string()), count,
                                      ', "reasons": [', reasons, '], "record": ', records, closing, "\n", "")
    del reasons, records, closing
    offsets = np.frombuffer(out.buffers()[1], dtype=np.int32)[out.offset:out.offset + len(out) + 1]
    return memoryview(out.buffers()[2])[offsets[0]:offsets[-1]].tobytes()


class _LazyRaw:
    """The k-th reject's raw text in line order, made a Python string only when asked."""

    def __init__(self, parsed: Parsed, extra: list[Reject], rows: np.ndarray, ordered: list[int]) -> None:
        self.parsed, self.extra, self.rows, self.ordered = parsed, extra, rows, ordered

    def __len__(self) -> int:
        return len(self.ordered)

    def __getitem__(self, k: int) -> str:
        i = self.ordered[k]
        if i < len(self.extra):
            return self.extra[i].raw
        return self.parsed.raw[int(self.rows[i - len(self.extra)])]
