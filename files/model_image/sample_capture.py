"""A monitoring window made the way production makes it, for tests, the benchmark and the docs.

Trips from the Lambda generator go through the Lambda's transform (sample_data), the
trained model (its model.npz, with the image's own tree code) predicts their duration,
and each trip becomes one data-capture record exactly as the endpoint (and the emulator's
capture()) writes it: the processed CSV row as the input, {"predictions": [...]} as the
output. Ground truth is written in SageMaker's merge format, with a share of the labels
left out (late or never arriving). Host-side only.
"""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path

import numpy as np
import sample_data
from eta_model import trees
from eta_model.features import FEATURES, LABEL, PROCESSED_LAYOUT

BASE_TIME = "2026-01-05T10:{minute:02d}:{second:02d}.000Z"


def processed_rows(rows: int, seed: int, drift: float, skip: int = 0) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(processed CSV lines without header, feature matrix, labels) of the generator's trips
    after the first `skip`. The generator's seed also draws the city (which zones are busy):
    a window compared with a training set uses the training seed and skips its trips."""
    header, _, body = sample_data.processed_csv(skip + rows, seed, drift).decode().partition("\n")
    assert header.split(",") == list(PROCESSED_LAYOUT), header
    lines = body.splitlines()[skip:]
    cells = [ln.split(",") for ln in lines]
    cols = [PROCESSED_LAYOUT.index(f) for f in FEATURES]
    x = np.array([[c[i] or "nan" for i in cols] for c in cells], dtype=np.float64)
    y = np.array([c[PROCESSED_LAYOUT.index(LABEL)] for c in cells], dtype=np.float64)
    return lines, x, y


def write_window(folder: Path, model_dir: Path, rows: int, seed: int, skip: int, drift: float = 0.0, files: int = 4,
                 labelled: float = 0.8, ground_truth: Path | None = None, bad_lines: int = 0,
                 endpoint: str = "eta", variant: str = "AllTraffic") -> dict:
    """Capture files (the first plain, the others gzip) under folder/<endpoint>/<variant>/yyyy/mm/dd/hh/,
    `bad_lines` unreadable lines mixed in, and merge-format labels for a `labelled` share of
    the events; returns what was written, for tests to check the monitor against."""
    lines, x, y = processed_rows(rows, seed, drift, skip)
    predictions = np.round(trees.load(model_dir / "model.npz").predict(x), 1)
    rng = np.random.default_rng(seed)
    has_label = rng.random(len(lines)) < labelled
    ids = [str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i)) for i in range(len(lines))]
    hour = folder / endpoint / variant / "2026" / "01" / "05" / "10"
    hour.mkdir(parents=True, exist_ok=True)
    step = -(-len(lines) // files)
    for part in range(files):
        out = []
        for i in range(part * step, min(len(lines), (part + 1) * step)):
            out.append(json.dumps({
                "captureData": {
                    "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": lines[i],
                                      "encoding": "CSV"},
                    "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                                       "data": json.dumps({"predictions": [float(predictions[i])]}),
                                       "encoding": "JSON"}},
                "eventMetadata": {"eventId": ids[i],
                                  "inferenceTime": BASE_TIME.format(minute=i * 60 // max(1, len(lines)),
                                                                    second=i % 60)},
                "eventVersion": "0"}))
        if part == 0:
            out[1:1] = ["{not json", '{"captureData": {}}', "[1, 2]"][:bad_lines] + ["garbage"] * max(0, bad_lines - 3)
        data = ("\n".join(out) + "\n").encode()
        if part == 0:
            (hour / f"part-{part:03d}.jsonl").write_bytes(data)
        else:
            (hour / f"part-{part:03d}.jsonl.gz").write_bytes(gzip.compress(data, compresslevel=1, mtime=0))
    if ground_truth is not None:
        ground_truth.mkdir(parents=True, exist_ok=True)
        (ground_truth / "labels.jsonl").write_text("".join(
            json.dumps({"groundTruthData": {"data": str(int(y[i])), "encoding": "CSV"},
                        "eventMetadata": {"eventId": ids[i]}, "eventVersion": "0"}) + "\n"
            for i in np.flatnonzero(has_label)))
    return {"rows": len(lines), "x": x, "labels": y, "predictions": predictions, "has_label": has_label,
            "event_ids": ids, "lines": lines}
