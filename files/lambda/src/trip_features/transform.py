"""Valid rows -> the feature set (schema.json "features"), and both outputs' bytes."""

from __future__ import annotations

import json

import numpy as np

from trip_features.parse import Parsed, Reject
from trip_features.schema import Schema
from trip_features.validate import Validated

# Every feature is an integer or a passed-through string. Features that are functions of
# (hour, weekday) or of (pickup zone, dropoff zone) are written from precomputed text
# ("8,0,0,1"), so a row formats 7 values instead of 13.
_ROW_FORMAT = "%s,%s,%s,%s,%d,%d,%d\n"
_TIME_TEXT = np.array([f"{h},{d},{int(d >= 5)},{int(d < 5 and (7 <= h <= 9 or 16 <= h <= 19))}"
                       for h in range(24) for d in range(7)], dtype=object)
_zone_text: dict[tuple, np.ndarray] = {}


def _zone_table(schema: Schema) -> tuple[np.ndarray, int]:
    """"pz,dz,same_zone,airport_trip" for every zone pair the schema allows, built once."""
    spec = next(f for f in schema.fields if f.name == "pickup_zone")
    top = int(spec.max)
    key = (top, schema.airport_zones)
    if key not in _zone_text:
        airports = set(schema.airport_zones)
        _zone_text[key] = np.array([f"{p},{d},{int(p == d)},{int(p in airports or d in airports)}"
                                    for p in range(top + 1) for d in range(top + 1)], dtype=object)
    return _zone_text[key], top + 1


def header(schema: Schema) -> bytes:
    return (",".join(schema.features) + "\n").encode()


def features(v: Validated, schema: Schema) -> dict[str, np.ndarray]:
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
    return {
        "trip_id": values["trip_id"][idx],
        "pickup_at": v.pickup_text[idx],
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


def to_csv(cols: dict[str, np.ndarray], schema: Schema) -> bytes:
    """Feature rows as CSV (columns in schema.features order) with one %-operation per batch."""
    n = len(cols["trip_id"])
    if not n:
        return b""
    zones, width = _zone_table(schema)
    table = np.empty((n, 7), dtype=object)
    table[:, 0] = cols["trip_id"]
    table[:, 1] = cols["pickup_at"]
    table[:, 2] = _TIME_TEXT[cols["pickup_hour"] * 7 + cols["pickup_dow"]]
    table[:, 3] = zones[cols["pickup_zone"] * width + cols["dropoff_zone"]]
    table[:, 4] = cols["passenger_count"]
    table[:, 5] = cols["trip_distance_m"]
    table[:, 6] = cols["duration_s"]
    return ((_ROW_FORMAT * n) % tuple(table.ravel().tolist())).encode()


def rejects(parsed: Parsed, v: Validated | None) -> list[Reject]:
    """Parse-level rejects plus the rows that failed validation, in line order."""
    out = list(parsed.rejects)
    if v is not None:
        for i, why in v.reasons.items():
            out.append(Reject(int(parsed.lines[i]), parsed.raw[i], why))
    out.sort(key=lambda r: r.line)
    return out


def rejects_to_jsonl(items: list[Reject]) -> bytes:
    # ASCII-escaped: no line separator other than \n can appear inside a record (U+2028, NEL...).
    return "".join(json.dumps({"line": r.line, "reasons": r.reasons, "record": r.raw}) + "\n"
                   for r in items).encode()
