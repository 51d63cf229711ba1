"""A window of traffic for the endpoint, made the way production makes it: the Lambda
generator's trips (--drift 0 reference, 1 the drifted world) through the Lambda's transform
(files/model_image/sample_data.py). The trips after the first --skip, so a window for a
model trained on --rows R --seed S of the sample starts after R and shares its city.

Writes into --output: requests.json (the request bodies, --batch processed CSV rows each,
the endpoint's `serve` contract) and trips.csv (the same trips with header, their real
durations in duration_s: the ground truth that arrives later, and the fresh training data
of a retraining) and batch.csv (the same rows without header: a batch transform's input,
one record a line, which the monitor joins with the ground truth by their trip_id column).
Deterministic for the same arguments.

    python files/monitoring/traffic.py --rows 400 --seed 7 --skip 3000 --drift 1 --batch 50 --output DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "model_image"))

import sample_data


def window(rows: int, seed: int, skip: int, drift: float) -> tuple[str, list[str]]:
    """(header, the processed rows of the trips after the first `skip`)."""
    header, _, body = sample_data.processed_csv(skip + rows, seed=seed, drift=drift).decode().partition("\n")
    return header, body.splitlines()[skip:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--skip", type=int, default=0)
    parser.add_argument("--drift", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.rows < 1 or args.batch < 1 or args.skip < 0 or not 0 <= args.drift <= 1:
        parser.error("--rows and --batch at least 1, --skip at least 0, --drift between 0 and 1")
    header, rows = window(args.rows, args.seed, args.skip, args.drift)
    partial = args.output.with_name(args.output.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    bodies = ["\n".join(rows[i:i + args.batch]) + "\n" for i in range(0, len(rows), args.batch)]
    (partial / "requests.json").write_text(json.dumps(bodies))
    (partial / "trips.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    (partial / "batch.csv").write_text("\n".join(rows) + "\n")
    partial.replace(args.output)  # a folder that exists is complete (the task's `creates`)
    return 0


if __name__ == "__main__":
    sys.exit(main())
