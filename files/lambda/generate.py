#!/usr/bin/env python3
"""Deterministic generator of raw taxi-trip records (the ML thread's landed data).

Same arguments -> same bytes, on any machine with the same numpy: rows are made in
blocks, each from its own seeded PCG64 stream, so any size streams in bounded memory.

Knobs:
  --drift D         0 = reference distribution; 1 = the drifted world the monitoring issue
                    detects: longer trips, more airport runs, a later evening peak, and
                    congestion (about 40% slower at the same distance and hour).
  --bad-fraction F  share of records corrupted in one of many ways (each one a reject
                    with a reason); the corrupted count is returned, so tests can check
                    processed + rejected add up exactly.
Usage:
  python generate.py --rows 2000 --seed 7 --bad-fraction 0.05 --output sample.csv
  python generate.py --bytes 100000000 --format jsonl --gzip --output big.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

FIELDS = ["trip_id", "pickup_at", "dropoff_at", "pickup_zone", "dropoff_zone", "passenger_count",
          "trip_distance_km", "payment_type"]
BLOCK_ROWS = 20_000
START = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
AIRPORTS = np.array([1, 132, 138])
CORRUPTIONS = ["missing_id", "bad_distance", "zone_range", "dropoff_before", "bad_timestamp",
               "field_count", "too_fast", "fractional_passengers", "payment", "malformed"]


@dataclass
class Stats:
    rows: int = 0
    bad_rows: int = 0
    bytes: int = 0
    by_corruption: dict[str, int] = field(default_factory=dict)


def _block(seed: int, index: int, n: int, drift: float, bad_fraction: float) -> dict:
    rng = np.random.Generator(np.random.PCG64([seed, index]))
    # Time of day: morning and evening peaks; drift moves weight to a later evening peak.
    peak = rng.choice(3, size=n, p=[0.35, 0.45 - 0.15 * drift, 0.20 + 0.15 * drift])
    hour_centre = np.array([8.5, 18.0, 21.5])[peak]
    seconds_of_day = np.mod(rng.normal(hour_centre, 2.5) * 3600, 86400).astype(np.int64)
    day = rng.integers(0, 90, size=n)
    pickup = START + day * 86400 + seconds_of_day
    # Zones: Manhattan-heavy (Zipf-like over 263 zones) plus airport runs.
    zone_weights = 1.0 / np.arange(1, 264) ** 0.9
    zone_weights /= zone_weights.sum()
    zone_order = np.random.Generator(np.random.PCG64(seed)).permutation(263) + 1
    pz = zone_order[rng.choice(263, size=n, p=zone_weights)]
    dz = zone_order[rng.choice(263, size=n, p=zone_weights)]
    airport = rng.random(n) < 0.05 + 0.15 * drift
    airport_end = AIRPORTS[rng.integers(0, 3, size=n)]
    to_airport = rng.random(n) < 0.5
    pz = np.where(airport & ~to_airport, airport_end, pz)
    dz = np.where(airport & to_airport, airport_end, dz)
    distance = np.exp(rng.normal(np.log(3.0), 0.75, size=n)) * (1 + 0.5 * drift)
    distance = np.where(airport, rng.uniform(15, 35, size=n), distance)
    distance = np.clip(np.round(distance, 2), 0.1, 250)
    hour = seconds_of_day // 3600
    rush = ((hour >= 7) & (hour <= 9)) | ((hour >= 16) & (hour <= 19))
    speed = np.where(rush, 14.0, np.where((hour >= 22) | (hour <= 5), 28.0, 20.0)) * (1 - 0.4 * drift)
    speed = speed * np.exp(rng.normal(0, 0.2, size=n))
    duration = distance / speed * 3600 + rng.integers(30, 240, size=n)
    duration = np.clip(duration, np.maximum(60, distance / 120 * 3600), 14400).astype(np.int64)
    passengers = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.7, 0.15, 0.06, 0.04, 0.03, 0.02])
    payment = np.array(["card", "cash", "voucher", "Card", " CASH "])[
        rng.choice(5, size=n, p=[0.62, 0.2, 0.05, 0.08, 0.05])]
    bad = rng.random(n) < bad_fraction
    corruption = rng.integers(0, len(CORRUPTIONS), size=n)
    style = rng.random(n)  # timestamp spelling: mostly canonical Z, some offsets, some naive
    return {"pickup": pickup, "duration": duration, "pz": pz, "dz": dz, "passengers": passengers,
            "no_passengers": rng.random(n) < 0.03, "distance": distance, "payment": payment,
            "bad": bad, "corruption": corruption, "style": style}


def _iso(epoch: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")


def _spell(epoch: int, text: str, style: float) -> str:
    if style < 0.96:
        return text + "Z"
    if style < 0.98:  # New York local time with its offset (EST in this window)
        local = np.datetime_as_string(np.datetime64(int(epoch) - 5 * 3600, "s"), unit="s")
        return f"{local}-05:00"
    return text  # naive: taken as UTC


def _records(block: dict, first_row: int, seed: int, stats: Stats) -> Iterator[dict]:
    n = len(block["pickup"])
    pick_text = _iso(block["pickup"])
    drop_text = _iso(block["pickup"] + block["duration"])
    cols = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in block.items()}
    for i in range(n):
        style = cols["style"][i]
        rec = {
            "trip_id": f"T{seed:04d}{first_row + i:012d}",
            "pickup_at": _spell(cols["pickup"][i], str(pick_text[i]), style),
            "dropoff_at": _spell(cols["pickup"][i] + cols["duration"][i], str(drop_text[i]), style),
            "pickup_zone": cols["pz"][i], "dropoff_zone": cols["dz"][i],
            "passenger_count": None if cols["no_passengers"][i] else cols["passengers"][i],
            "trip_distance_km": cols["distance"][i], "payment_type": cols["payment"][i],
        }
        kind = None
        if cols["bad"][i]:
            kind = CORRUPTIONS[cols["corruption"][i]]
            stats.bad_rows += 1
            stats.by_corruption[kind] = stats.by_corruption.get(kind, 0) + 1
            if kind == "missing_id":
                rec["trip_id"] = None
            elif kind == "bad_distance":
                rec["trip_distance_km"] = "n/a"
            elif kind == "zone_range":
                rec["pickup_zone"] = 999
            elif kind == "dropoff_before":
                rec["dropoff_at"] = rec["pickup_at"][:11] + "00:00:00Z" if rec["pickup_at"][11:13] != "00" \
                    else "2023-12-31T23:00:00Z"
            elif kind == "bad_timestamp":
                rec["pickup_at"] = "yesterday at noon"
            elif kind == "too_fast":  # 299 km in 15 minutes
                rec["trip_distance_km"] = 299.0
                end = cols["pickup"][i] + 900
                rec["dropoff_at"] = _spell(end, str(_iso(np.array([end]))[0]), style)
            elif kind == "fractional_passengers":
                rec["passenger_count"] = 1.5
            elif kind == "payment":
                rec["payment_type"] = "bitcoin"
        yield rec, kind
    stats.rows += n


def _csv_value(v) -> str:
    return "" if v is None else str(v)


def iter_chunks(rows: int | None = None, target_bytes: int | None = None, seed: int = 1, drift: float = 0.0,
                bad_fraction: float = 0.0, fmt: str = "csv", stats: Stats | None = None) -> Iterator[bytes]:
    """Uncompressed content in chunks of about one block; stops at `rows` or `target_bytes`."""
    if (rows is None) == (target_bytes is None):
        raise ValueError("give exactly one of rows or target_bytes")
    if not 0 <= drift <= 1 or not 0 <= bad_fraction <= 1:
        raise ValueError("drift and bad_fraction are between 0 and 1")
    stats = stats if stats is not None else Stats()
    written = 0
    if fmt == "csv":
        head = (",".join(FIELDS) + "\n").encode()
        written += len(head)
        yield head
    index = 0
    while True:
        remaining = BLOCK_ROWS if rows is None else min(BLOCK_ROWS, rows - stats.rows)
        if remaining <= 0:
            return
        block = _block(seed, index, remaining, drift, bad_fraction)
        out = []
        for rec, kind in _records(block, stats.rows, seed, stats):
            if fmt == "csv":
                line = ",".join(_csv_value(rec[f]) for f in FIELDS)
                if kind == "field_count":
                    line += ",extra"
                elif kind == "malformed":
                    line = line.replace(",", ";")
            else:
                if kind == "field_count":
                    rec["pickup_zone"] = [rec["pickup_zone"]]  # wrong type, not an integer
                line = json.dumps(rec, separators=(",", ":"))
                if kind == "malformed":
                    line = line[:-1]  # truncated JSON object
            out.append(line)
        chunk = ("\n".join(out) + "\n").encode()
        written += len(chunk)
        index += 1
        yield chunk
        if target_bytes is not None and written >= target_bytes:
            stats.bytes = written
            return


def write(path: str, *, gzip_output: bool = False, **kwargs) -> dict:
    """Write the data to `path` only when its bytes differ (so reruns report no change)."""
    stats = Stats()
    buf = io.BytesIO()
    sink = gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) if gzip_output else buf
    for chunk in iter_chunks(stats=stats, **kwargs):
        sink.write(chunk)
    if gzip_output:
        sink.close()
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    changed = True
    if os.path.exists(path):
        with open(path, "rb") as f:
            changed = hashlib.sha256(f.read()).hexdigest() != digest
    if changed:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return {"path": path, "bytes": len(data), "rows": stats.rows, "bad_rows": stats.bad_rows,
            "sha256": digest, "changed": changed, "by_corruption": stats.by_corruption}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--rows", type=int)
    size.add_argument("--bytes", type=int, dest="target_bytes", help="stop after about this many bytes")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--drift", type=float, default=0.0)
    p.add_argument("--bad-fraction", type=float, default=0.0)
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--output", required=True)
    a = p.parse_args(argv)
    try:
        result = write(a.output, gzip_output=a.gzip, rows=a.rows, target_bytes=a.target_bytes, seed=a.seed,
                       drift=a.drift, bad_fraction=a.bad_fraction, fmt=a.format)
    except ValueError as err:
        p.error(str(err))
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
