"""Columns of raw values -> typed numpy columns, plus every reason each row fails.

Each check runs on a whole column at once (numpy) and only the rows that fail are
visited one by one, to attach their reasons. A column whose fast conversion fails
(an empty cell, a word in a number column) is converted value by value, that column
and batch only.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress

import numpy as np

from trip_features.schema import Field, Schema

OK, MISSING, INVALID = 0, 1, 2
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: "Z"}
_EDGE_SPACE = re.compile(r"\n[ \t]|[ \t]\n")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass
class Validated:
    values: dict[str, object]       # numpy arrays for numbers/timestamps, object arrays for strings
    pickup_text: np.ndarray         # pickup_at normalised to YYYY-MM-DDTHH:MM:SSZ
    ok: np.ndarray
    reasons: dict[int, list[str]]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _is_str_column(col: list) -> bool:
    return set(map(type, col)) == {str}


def _has_edge_space(col: list[str]) -> bool:
    """Whether any value has leading/trailing whitespace, in one regex pass over the column."""
    return _EDGE_SPACE.search("\n" + "\n".join(col) + "\n") is not None


_NOT_A_DECIMAL = re.compile(r"^(?![ \t]*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[ \t]*$).*$", re.M)


def _floats_around_bad_values(col: list[str]) -> np.ndarray | None:
    """Convert a text column in C, after one regex pass found the few values that are not
    plain decimals (they become NaN here and are classified by the caller)."""
    joined = "\n".join(col)
    bad_starts = [m.start() for m in _NOT_A_DECIMAL.finditer(joined)]
    if len(bad_starts) > len(col) // 10:
        return None  # mostly bad: value by value is as fast and simpler
    ends = np.cumsum(np.fromiter(map(len, col), dtype=np.int64, count=len(col)) + 1)
    clean = list(col)
    for i in np.searchsorted(ends, np.asarray(bad_starts, dtype=np.int64), side="right").tolist():
        clean[i] = "nan"
    try:
        return np.array(clean, dtype=np.float64)
    except ValueError:
        return None


def _to_float(value, _float=float, _nan=float("nan")) -> float:
    try:
        return _float(value)
    except (ValueError, TypeError):
        return _nan


def _numbers(col: list | None, n: int, typed: bool) -> tuple[np.ndarray, np.ndarray]:
    """float64 values and a status per row (OK / MISSING / INVALID).

    Fast path: one C-level conversion of the whole column. When a batch holds a bad
    value, the column is converted value by value and only the NaNs are classified.
    """
    status = np.zeros(n, dtype=np.int8)
    if col is None:
        return np.full(n, np.nan), np.full(n, MISSING, dtype=np.int8)
    kinds = set(map(type, col)) if typed else {str}
    if kinds <= {int, float, str} and (kinds <= {int, float} or str in kinds):
        try:
            values = np.array(col, dtype=np.float64)
        except (ValueError, TypeError):
            values = None
        if values is None and not typed and "" in col:  # empty cells: the common bad value
            try:
                values = np.array([v or "nan" for v in col], dtype=np.float64)
            except ValueError:
                values = None
        if values is None and not typed:
            values = _floats_around_bad_values(col)
        if values is None:
            values = np.fromiter(map(_to_float, col), dtype=np.float64, count=n)
    else:  # JSON null / true / lists: converted one by one, bools refused below
        values = np.fromiter(map(_to_float, col), dtype=np.float64, count=n)
    if bool in kinds:
        for i, v in enumerate(col):
            if v.__class__ is bool:
                values[i] = np.nan
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        v = col[i]
        status[i] = MISSING if v is None or (v.__class__ is str and not v.strip()) else INVALID
    return values, status


def _timestamps(col: list | None, n: int, typed: bool, want_text: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Epoch seconds, status, and (want_text) the canonical text of each value, None when
    every value already is canonical.

    Values spelled YYYY-MM-DDTHH:MM:SSZ are parsed as one byte matrix in numpy; other
    spellings (offsets, no zone, fractions) go through datetime.fromisoformat.
    """
    epoch = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int8)
    if col is None:
        return epoch, np.full(n, MISSING, dtype=np.int8), None
    fast = np.zeros(n, dtype=bool)
    if n and (not typed or _is_str_column(col)):
        lengths = np.fromiter(map(len, col), dtype=np.int64, count=n)
        candidate = lengths == 20
        picked = col if candidate.all() else list(compress(col, candidate.tolist()))
        try:
            raw = "".join(picked).encode("ascii")
        except UnicodeEncodeError:
            raw = None
        if raw is not None and picked:
            codes = np.frombuffer(raw, dtype=np.uint8).reshape(len(picked), 20)
            ok = np.ones(len(picked), dtype=bool)
            for pos, char in _SEPARATORS.items():
                ok &= codes[:, pos] == ord(char)
            digits = codes[:, _DIGITS].astype(np.int64) - 48
            ok &= ((digits >= 0) & (digits <= 9)).all(axis=1)
            y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
            mo = digits[:, 4] * 10 + digits[:, 5]
            d = digits[:, 6] * 10 + digits[:, 7]
            hh = digits[:, 8] * 10 + digits[:, 9]
            mi = digits[:, 10] * 10 + digits[:, 11]
            ss = digits[:, 12] * 10 + digits[:, 13]
            month_ok = (mo >= 1) & (mo <= 12)
            leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
            dim = _DAYS_IN_MONTH[np.where(month_ok, mo, 0)] + ((mo == 2) & leap)
            valid = month_ok & (d >= 1) & (d <= dim) & (hh < 24) & (mi < 60) & (ss < 60)
            idx = np.flatnonzero(candidate)
            fast[idx[ok]] = True
            status[idx[ok & ~valid]] = INVALID
            epoch[idx] = np.where(ok & valid, days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss, 0)
    slow = np.flatnonzero(~fast)
    canonical = None
    if len(slow):
        canonical = np.array(col, dtype=object) if want_text else None
        for i in slow.tolist():
            v = col[i]
            if v is None or (v.__class__ is str and not v.strip()):
                status[i] = MISSING
                continue
            if v.__class__ is not str:
                status[i] = INVALID
                continue
            try:
                parsed = datetime.fromisoformat(v.strip())
            except ValueError:
                status[i] = INVALID
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            seconds = parsed.timestamp()
            epoch[i] = int(seconds // 1)
            if want_text:
                canonical[i] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch[i]))
    return epoch, status, canonical


def _normalise(v, lowercase: bool):
    if v.__class__ is not str:
        return v
    v = v.strip()
    return v.lower() if lowercase else v


def _strings(col: list | None, n: int, spec: Field, typed: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised values (object array), status, and a mask of values breaking enum/pattern."""
    status = np.zeros(n, dtype=np.int8)
    rule = np.zeros(n, dtype=bool)
    if col is None:
        return np.full(n, spec.default, dtype=object), np.full(n, MISSING, dtype=np.int8), rule
    values = np.empty(n, dtype=object)
    all_str = not typed or _is_str_column(col)
    if all_str and spec.pattern is not None and _all_match(col, spec.pattern):
        values[:] = col  # the pattern admits no blanks and no surrounding spaces: nothing to normalise
        return values, status, rule
    if all_str and spec.enum is not None:
        # Categorical: decide once per distinct spelling, then map the column.
        decided = {v: _normalise(v, spec.lowercase) for v in set(col)}
        values[:] = list(map(decided.__getitem__, col))
    elif spec.lowercase or not all_str:
        values[:] = [_normalise(v, spec.lowercase) for v in col]
    elif _has_edge_space(col):
        values[:] = [v.strip() for v in col]
    else:
        values[:] = col
    if not all_str or "" in values.tolist():
        for i, v in enumerate(values):
            if v is None or v == "":
                status[i] = MISSING
            elif v.__class__ is not str:
                status[i] = INVALID
    present = status == OK
    if spec.enum is not None:
        outside = {v for v in set(values[present].tolist()) if v not in spec.enum} if all_str else None
        if outside is None:
            rule = present & np.fromiter((v.__class__ is str and v not in spec.enum for v in values),
                                         dtype=bool, count=n)
        elif outside:
            rule = present & np.fromiter((v in outside for v in values), dtype=bool, count=n)
    if spec.pattern is not None:
        rule |= present & _pattern_mismatch(values, present, spec.pattern)
    return values, status, rule


def _all_match(col: list[str], pattern) -> bool:
    inner = pattern.pattern.removeprefix("^").removesuffix("$")
    joined = "\n".join(col)
    return joined.count("\n") == len(col) - 1 and re.fullmatch(f"(?:{inner}\n)*(?:{inner})", joined) is not None


def _pattern_mismatch(values: np.ndarray, present: np.ndarray, pattern) -> np.ndarray:
    """One regex pass over the joined column; value by value only if some value fails."""
    items = values[present].tolist()
    inner = pattern.pattern.removeprefix("^").removesuffix("$")
    joined = "\n".join(items)
    if joined.count("\n") == len(items) - 1 and \
            re.fullmatch(f"(?:{inner}\n)*(?:{inner})", joined) is not None:
        return np.zeros(len(values), dtype=bool)
    return np.fromiter((v.__class__ is str and pattern.fullmatch(v) is None for v in values),
                       dtype=bool, count=len(values))


def validate(columns: dict[str, list | None], n: int, typed: bool, schema: Schema) -> Validated:
    reasons: dict[int, list[str]] = defaultdict(list)
    values: dict[str, object] = {}
    pickup_text = None

    def flag(mask: np.ndarray, message) -> None:
        for i in np.flatnonzero(mask).tolist():
            reasons[i].append(message(i))

    for spec in schema.fields:
        col = columns.get(spec.name)
        name = spec.name
        kind = {"integer": "an integer", "number": "a number", "timestamp": "an ISO 8601 timestamp",
                "string": "a string"}[spec.type]
        if spec.type in ("integer", "number"):
            vals, status = _numbers(col, n, typed)
        elif spec.type == "timestamp":
            vals, status, canonical = _timestamps(col, n, typed, want_text=name == "pickup_at")
            if name == "pickup_at":
                pickup_text = canonical if canonical is not None else np.array(col, dtype=object)
        else:
            vals, status, rule = _strings(col, n, spec, typed)
        flag(status == INVALID, lambda i, c=col, nm=name, k=kind: f"{nm}: not {k}: {_show(c[i])}")
        if spec.type == "integer":
            fractional = (status == OK) & (vals != np.floor(vals))
            flag(fractional, lambda i, c=col, nm=name: f"{nm}: not an integer: {_show(c[i])}")
            status[fractional] = INVALID
        missing = status == MISSING
        if spec.required:
            flag(missing, lambda i, nm=name: f"{nm}: required")
        elif spec.default is not None and missing.any():
            vals[missing] = spec.default
            status[missing] = OK
        present = status == OK
        if spec.type in ("integer", "number", "timestamp"):
            if spec.min is not None:
                low = present & (vals < spec.min)
                flag(low, lambda i, c=col, nm=name, s=spec:
                     f"{nm}: {_show(c[i])} below the minimum {_limit(s, s.min)}")
            if spec.max is not None:
                high = present & (vals > spec.max)
                flag(high, lambda i, c=col, nm=name, s=spec:
                     f"{nm}: {_show(c[i])} above the maximum {_limit(s, s.max)}")
        else:
            allowed = sorted(spec.enum) if spec.enum is not None else None
            flag(rule & present, lambda i, c=col, nm=name, a=allowed, p=spec.pattern:
                 f"{nm}: {_show(c[i])} is not one of {a}" if a is not None else
                 f"{nm}: {_show(c[i])} does not match {p.pattern}")
        values[name] = vals
        values[name + "__ok"] = present

    _rules(values, n, schema, flag)
    ok = np.ones(n, dtype=bool)
    if reasons:
        ok[list(reasons)] = False
    if pickup_text is None:
        pickup_text = np.full(n, "", dtype=object)
    return Validated(values, pickup_text, ok, dict(reasons))


def _limit(spec: Field, limit: float) -> str:
    if spec.type == "timestamp":
        return datetime.fromtimestamp(limit, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{limit:g}"


def _rules(values: dict, n: int, schema: Schema, flag) -> None:
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
    flag(fast, lambda i: f"trip_distance_km: {values['trip_distance_km'][i]:g} km in {int(duration[i])} s "
                         f"is {speed[i]:.0f} km/h, over {schema.max_speed_kmh:g} km/h")
