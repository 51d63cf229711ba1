"""Arrow string columns -> typed columns, plus every reason each row fails.

Each check runs on a whole column at once in compiled code (Arrow compute kernels for
trimming, case, regular expressions and number parsing; numpy for the timestamp
arithmetic and the ranges). Only the rows that fail are visited one by one, to attach
their reasons, and so are timestamps in a spelling the vectorised parser does not take.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trip_features.parse import Parsed
from trip_features.schema import Field, Schema

OK, MISSING, INVALID = 0, 1, 2
# A plain decimal, the only spelling of a number accepted from text.
_DECIMAL = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"
# YYYY-MM-DDTHH:MM:SS, then nothing (UTC), Z, or an offset +HH:MM.
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":"}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_KIND = {"integer": "an integer", "number": "a number", "timestamp": "an ISO 8601 timestamp",
         "string": "a string"}


@dataclass
class Validated:
    values: dict[str, object]       # numpy arrays for numbers and timestamps, Arrow arrays for strings
    pickup_text: pa.StringArray     # pickup_at normalised to YYYY-MM-DDTHH:MM:SSZ
    ok: np.ndarray
    reasons: dict[int, list[str]]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Text whose repr is itself in single quotes: printable ASCII without ' or \.
_PLAIN_REPR = r"^[ -&(-\[\]-~]*$"


def _shown_texts(values: pa.StringArray, template: str) -> list[str]:
    """[template.format(_show(v)) for v in values], the usual values (printable ASCII
    without quotes or backslashes, whose repr is 'value') by Arrow kernels."""
    prefix, suffix = template.format("\0").split("\0")
    # _show: a repr over 60 characters keeps its first 57 ("'" and 56 of the value) and "..."
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, 56), "...", "")
    quoted = pc.if_else(pc.greater(pc.binary_length(values), 58), cut,
                        pc.binary_join_element_wise(values, "'", ""))
    texts = pc.binary_join_element_wise(prefix + "'", quoted, suffix, "").to_pylist()
    plain = pc.fill_null(pc.match_substring_regex(values, _PLAIN_REPR), False).to_numpy(zero_copy_only=False)
    if not plain.all():
        for k in np.flatnonzero(~plain).tolist():
            texts[k] = template.format(_show(values[k].as_py()))
    return texts


def _np(mask: pa.Array) -> np.ndarray:
    """An Arrow boolean array as numpy, null as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _status(col: pa.StringArray | None, n: int, wrong_type: np.ndarray | None) -> np.ndarray:
    """OK, or MISSING (absent column, JSON null), or INVALID (a JSON type the field refuses)."""
    if col is None:
        return np.full(n, MISSING, dtype=np.int8)
    status = np.zeros(n, dtype=np.int8)
    if col.null_count:
        status[_np(col.is_null())] = MISSING
    if wrong_type is not None:
        status[wrong_type] = INVALID
    return status


def _numbers(col: pa.StringArray | None, status: np.ndarray) -> np.ndarray:
    """float64 values; blanks become MISSING, anything but a finite plain decimal INVALID."""
    if col is None:
        return np.full(len(status), np.nan)
    text = pc.utf8_trim_whitespace(col)
    blank = pc.equal(pc.binary_length(text), 0)
    present = pc.if_else(blank, pa.scalar(None, pa.string()), text)
    try:  # one C pass when every value is a number, the usual case
        values = pc.cast(present, pa.float64())
    except pa.ArrowInvalid:  # some are not: screen with the decimal grammar, then convert the rest
        decimal = pc.match_substring_regex(present, _DECIMAL)
        values = pc.cast(pc.if_else(decimal, present, pa.scalar(None, pa.string())), pa.float64())
    values = values.to_numpy(zero_copy_only=False)
    status[(status == OK) & _np(blank)] = MISSING
    status[(status == OK) & ~np.isfinite(values)] = INVALID
    return values


def _fixed_width_rows(col: pa.StringArray, rows: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Bytes start:stop of each of `rows` (all at least `stop` long) as a uint8 matrix."""
    part = pc.binary_slice(col.cast(pa.binary()).take(pa.array(rows)), start, stop)
    first = part.offset * 4
    offset0 = int(np.frombuffer(part.buffers()[1], dtype=np.int32, count=1, offset=first)[0])
    width = stop - start
    return np.frombuffer(part.buffers()[2], dtype=np.uint8, count=len(rows) * width,
                         offset=offset0).reshape(len(rows), width)


def _timestamps(col: pa.StringArray | None, status: np.ndarray, want_text: bool = False
                ) -> tuple[np.ndarray, pa.StringArray | None]:
    """Epoch seconds (status updated in place) and, if asked, each value's canonical text.

    YYYY-MM-DDTHH:MM:SS with nothing, Z or +HH:MM after it is parsed for the whole
    column at once from the bytes; other ISO 8601 spellings (fractions, a space for T)
    go through datetime.fromisoformat, value by value.
    """
    n = len(status)
    epoch = np.zeros(n, dtype=np.int64)
    if col is None:
        return epoch, None
    lengths = pc.fill_null(pc.binary_length(col), 0).to_numpy(zero_copy_only=False)
    candidate = (status == OK) & ((lengths == 19) | (lengths == 20) | (lengths == 25))
    rows = np.flatnonzero(candidate)
    fast = np.zeros(n, dtype=bool)
    if len(rows):
        codes = _fixed_width_rows(col, rows, 0, 19)
        size = lengths[rows]
        ok = np.ones(len(rows), dtype=bool)
        for pos, char in _SEPARATORS.items():
            ok &= codes[:, pos] == ord(char)
        digits = codes[:, _DIGITS] - np.uint8(48)  # wraps: any non-digit byte becomes > 9
        ok &= (digits <= 9).all(axis=1)
        zulu = size == 20
        if zulu.any():
            ok[zulu] &= _fixed_width_rows(col, rows[zulu], 19, 20)[:, 0] == ord("Z")
        offset = np.zeros(len(rows), dtype=np.int64)
        zoned = size == 25
        if zoned.any():
            tail = _fixed_width_rows(col, rows[zoned], 19, 25)
            zone_digits = tail[:, [1, 2, 4, 5]] - np.uint8(48)
            ok[zoned] &= (((tail[:, 0] == ord("+")) | (tail[:, 0] == ord("-"))) & (tail[:, 3] == ord(":"))
                          & (zone_digits <= 9).all(axis=1))
            hours, minutes = (zone_digits[:, 0::2].astype(np.int64) * 10 + zone_digits[:, 1::2]).T
            ok[zoned] &= (hours < 24) & (minutes < 60)
            offset[zoned] = np.where(tail[:, 0] == ord("-"), -1, 1) * (hours * 3600 + minutes * 60)
        digits = digits.astype(np.int32)
        y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
        mo, d, hh, mi, ss = (digits[:, 4::2] * 10 + digits[:, 5::2]).T
        month_ok = (mo >= 1) & (mo <= 12)
        leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
        dim = _DAYS_IN_MONTH[np.where(month_ok, mo, 0)] + ((mo == 2) & leap)
        valid = month_ok & (d >= 1) & (d <= dim) & (hh < 24) & (mi < 60) & (ss < 60)
        fast[rows[ok]] = True
        status[rows[ok & ~valid]] = INVALID
        seconds = days_from_civil(y.astype(np.int64), mo, d) * 86400 + (hh * 3600 + mi * 60 + ss) - offset
        epoch[rows] = np.where(ok & valid, seconds, 0)
    slow = np.flatnonzero(~fast & (status == OK))
    for i in slow.tolist():
        text = col[i].as_py().strip()
        if not text:
            status[i] = MISSING
            continue
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            status[i] = INVALID
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        epoch[i] = int(parsed.timestamp() // 1)
    if not want_text:
        return epoch, None
    respell = (status == OK) & ~(fast & (lengths == 20))  # every other valid spelling becomes ...Z
    if not respell.any():
        return epoch, col
    # Arrow spells a timestamp "YYYY-MM-DD HH:MM:SS" (fast, unlike its strftime): make it ISO, Z.
    spaced = pc.cast(pa.array(epoch[respell], pa.timestamp("s")), pa.string())
    texts = pc.binary_join_element_wise(pc.replace_substring(spaced, " ", "T"), "Z", "")
    return epoch, pc.replace_with_mask(col, pa.array(respell), texts)


def _strings(col: pa.StringArray | None, status: np.ndarray, spec: Field) -> tuple[pa.StringArray, np.ndarray]:
    """Normalised values (trimmed, lowercased if the schema says so) and a mask of values
    breaking the enum or pattern; blanks become MISSING."""
    n = len(status)
    if col is None:
        return pa.nulls(n, pa.string()), np.zeros(n, dtype=bool)
    text = pc.utf8_trim_whitespace(col)
    if spec.lowercase:
        text = pc.utf8_lower(text)
    status[(status == OK) & _np(pc.equal(pc.binary_length(text), 0))] = MISSING
    rule = np.zeros(n, dtype=bool)
    if spec.enum is not None:
        rule |= ~_np(pc.is_in(text, value_set=pa.array(sorted(spec.enum), pa.string())))
    if spec.pattern is not None:
        inner = spec.pattern.pattern.removeprefix("^").removesuffix("$")
        rule |= ~_np(pc.match_substring_regex(text, f"^(?:{inner})$"))
    return text, rule & (status == OK)


def validate(parsed: Parsed, schema: Schema) -> Validated:
    n = len(parsed)
    reasons: dict[int, list[str]] = defaultdict(list)
    values: dict[str, object] = {}
    pickup_text = None

    def flag(mask: np.ndarray, message) -> None:
        for i in np.flatnonzero(mask).tolist():
            reasons[i].append(message(i))

    def flag_value(mask: np.ndarray, name: str, template: str) -> None:
        """Reasons naming the value as the input spelled it: `template` with {} for it.
        The values of all flagged rows are fetched at once (not an Arrow scalar per row)."""
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        if parsed.typed:  # JSON: the values as decoded (numbers, lists...), shown one by one
            texts = [template.format(_show(value)) for value in parsed.shown_many(name, rows)]
        else:
            texts = _shown_texts(parsed.columns[name].take(pa.array(rows)), template)
        for i, text in zip(rows.tolist(), texts, strict=True):
            reasons[i].append(text)

    for spec in schema.fields:
        name = spec.name
        col = parsed.columns.get(name)
        status = _status(col, n, parsed.wrong_type.get(name))
        rule = None
        if spec.type in ("integer", "number"):
            vals = _numbers(col, status)
        elif spec.type == "timestamp":
            vals, canonical = _timestamps(col, status, want_text=name == "pickup_at")
            if name == "pickup_at":
                pickup_text = canonical
        else:
            vals, rule = _strings(col, status, spec)
        flag_value(status == INVALID, name, f"{name}: not {_KIND[spec.type]}: {{}}")
        if spec.type == "integer":
            fractional = (status == OK) & (vals != np.floor(vals))
            flag_value(fractional, name, f"{name}: not an integer: {{}}")
            status[fractional] = INVALID
        missing = status == MISSING
        if spec.required:
            required = f"{name}: required"
            flag(missing, lambda i, text=required: text)
        elif spec.default is not None and missing.any():
            if isinstance(vals, np.ndarray):
                vals[missing] = spec.default
            else:
                vals = pc.if_else(pa.array(missing), pa.scalar(spec.default, pa.string()), vals)
            status[missing] = OK
        present = status == OK
        if rule is None:
            if spec.min is not None:
                flag_value(present & (vals < spec.min), name,
                           f"{name}: {{}} below the minimum {_limit(spec, spec.min)}")
            if spec.max is not None:
                flag_value(present & (vals > spec.max), name,
                           f"{name}: {{}} above the maximum {_limit(spec, spec.max)}")
        else:
            rule_text = (f"is not one of {sorted(spec.enum)}" if spec.enum is not None
                         else f"does not match {spec.pattern.pattern}")
            flag_value(rule & present, name, f"{name}: {{}} {rule_text.replace('{', '{{').replace('}', '}}')}")
        values[name] = vals
        values[name + "__ok"] = present

    _rules(values, schema, flag)
    ok = np.ones(n, dtype=bool)
    if reasons:
        ok[list(reasons)] = False
    if pickup_text is None:
        pickup_text = pa.nulls(n, pa.string())
    return Validated(values, pickup_text, ok, dict(reasons))


def _limit(spec: Field, limit: float) -> str:
    if spec.type == "timestamp":
        return datetime.fromtimestamp(limit, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{limit:g}"


def _rules(values: dict, schema: Schema, flag) -> None:
    """Cross-field rules, checked only where their inputs are individually valid."""
    both = values["pickup_at__ok"] & values["dropoff_at__ok"]
    duration = values["dropoff_at"] - values["pickup_at"]
    values["duration_s"] = duration
    bad = both & ((duration < schema.min_duration_s) | (duration > schema.max_duration_s))
    flag(bad, lambda i: f"dropoff_at: trip lasts {int(duration[i])} s, outside "
                        f"[{schema.min_duration_s}, {schema.max_duration_s}] s after pickup_at")
    speed_inputs = both & ~bad & values["trip_distance_km__ok"]
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = values["trip_distance_km"] / (np.maximum(duration, 1) / 3600.0)
    fast = speed_inputs & (speed > schema.max_speed_kmh)
    km = values["trip_distance_km"]  # Python floats format several times faster than numpy scalars
    flag(fast, lambda i: f"trip_distance_km: {float(km[i]):g} km in {int(duration[i])} s "
                         f"is {float(speed[i]):.0f} km/h, over {schema.max_speed_kmh:g} km/h")
