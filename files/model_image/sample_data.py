"""Training data for tests and the benchmark, made the way production makes it.

Raw trip records from the Lambda section's generator (files/lambda/generate.py) go
through the Lambda's own pure core (trip_features.process.process_stream), so the CSV is
exactly the processed/.../records.csv the model trains on. Host-side only: the image
never imports the Lambda package.
"""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

LAMBDA = Path(__file__).resolve().parent.parent / "lambda"


def processed_csv(rows: int, seed: int = 1, drift: float = 0.0) -> bytes:
    """The feature CSV (header + rows that pass validation) for `rows` generated raw records."""
    for path in (LAMBDA, LAMBDA / "src"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import generate
    from trip_features import schema
    from trip_features.config import Config
    from trip_features.process import process_stream

    processed, rejected = io.BytesIO(), io.BytesIO()
    chunks = generate.iter_chunks(rows=rows, seed=seed, drift=drift)
    process_stream(chunks, Config(), schema.load(), processed, rejected)
    return processed.getvalue()


def write_channel(channel_dir: Path, rows: int, seed: int = 1, parts: int = 2, drift: float = 0.0) -> Path:
    """A training channel as S3 would hand it over: the CSV split in `parts` files, the
    first plain and the others gzip, each with its header."""
    header, _, body = processed_csv(rows, seed, drift).partition(b"\n")
    lines = body.splitlines(keepends=True)
    channel_dir.mkdir(parents=True, exist_ok=True)
    step = -(-len(lines) // parts)
    for i in range(parts):
        data = header + b"\n" + b"".join(lines[i * step:(i + 1) * step])
        if i == 0:
            (channel_dir / f"part-{i:03d}.csv").write_bytes(data)
        else:
            (channel_dir / f"part-{i:03d}.csv.gz").write_bytes(gzip.compress(data, mtime=0))
    return channel_dir
