"""The capture, batch and ground-truth readers: every supported shape read, every bad
line or record counted with its reason, none fatal."""

import base64
import gzip
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "files" / "model_image"))
import build_context  # noqa: E402

sys.path.append(str(build_context.unpacked_site()))
from eta_model import capture  # noqa: E402
from eta_model.features import FEATURES, PROCESSED_LAYOUT  # noqa: E402

ROW = [8, 2, 0, 1, 161, 237, 0, 0, 1, 2870]          # FEATURES order
LAYOUT = "T1,2024-01-03T08:10:00Z,8,2,0,1,161,237,0,0,1,2870,700"   # the processed layout (13 columns)


def record(data, content="text/csv", encoding="CSV", output='{"predictions": [612.5]}', event="e1",
           when="2026-01-05T10:00:00.000Z", out_type="application/json"):
    out = {"observedContentType": out_type, "mode": "OUTPUT", "data": output,
           "encoding": "CSV" if out_type == "text/csv" else "JSON"}
    return json.dumps({"captureData": {"endpointInput": {"observedContentType": content, "mode": "INPUT",
                                                         "data": data, "encoding": encoding},
                                       **({"endpointOutput": out} if output is not None else {})},
                       "eventMetadata": {"eventId": event, "inferenceTime": when}, "eventVersion": "0"})


def read(folder, **kwargs):
    problems, counts = capture.Problems(), Counter()
    chunks = list(capture.read_capture(folder, problems, counts, **kwargs))
    x = np.concatenate([c.x for c in chunks]) if chunks else np.empty((0, len(FEATURES)))
    p = np.concatenate([c.predictions for c in chunks]) if chunks else np.empty(0)
    k = np.concatenate([c.keys for c in chunks]) if chunks else np.empty(0, dtype=np.int64)
    return x, p, k, problems, counts


def test_every_input_shape_serve_accepts_is_read(tmp_path):
    lines = [
        record(",".join(map(str, ROW)), event="a"),                                       # FEATURES order
        record(LAYOUT, event="b"),                                                         # processed layout
        record(",".join(FEATURES) + "\n" + ",".join(map(str, ROW)), event="c"),            # header row
        record(json.dumps(dict(zip(FEATURES, ROW, strict=True))), "application/json", "JSON", event="d"),
        record(json.dumps({"instances": [ROW, ROW]}), "application/json", "JSON",
               output='{"predictions": [1.0, 2.0]}', event="e"),                          # two rows, one event
        record(base64.b64encode(",".join(map(str, ROW)).encode()).decode(), encoding="BASE64", event="f"),
        record(",".join(map(str, ROW)), output="612.5\n", event="g", out_type="text/csv"),
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:4]) + "\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines[4:]) + "\n").encode()))
    x, p, k, problems, counts = read(tmp_path)
    assert problems.total == 0 and counts["capture_events"] == 7 and counts["capture_files"] == 2
    assert x.shape == (8, len(FEATURES)) and (x == np.array(ROW, dtype=float)).all()
    assert p.tolist() == [612.5] * 4 + [1.0, 2.0] + [612.5] * 2
    assert k[4] == capture.event_key("e", 0) and k[5] == capture.event_key("e", 1)
    assert PROCESSED_LAYOUT[0] == "trip_id"


def test_bad_lines_are_counted_with_reasons_never_fatal(tmp_path):
    good = record(",".join(map(str, ROW)))
    bad = {
        "line is not JSON": "{truncated",
        "no captureData.endpointInput": json.dumps({"eventMetadata": {}}),
        "CSV input has 3 fields": record("1,2,3"),
        "a JSON feature is not a number": record(json.dumps({**dict(zip(FEATURES, ROW, strict=True)),
                                                             "pickup_hour": "eight"}), "application/json", "JSON"),
        "BASE64 data does not decode to UTF-8 text": record("%%%", encoding="BASE64"),
        "unknown encoding 'XML'": record("<x/>", encoding="XML"),
    }
    # the last line, a JSON array, has no captureData either
    (tmp_path / "c.jsonl").write_text("\n".join([good, *bad.values(), "", good, "[1, 2]"]) + "\n")
    # a CSV cell that is not a number: the row is dropped and counted, the chunk's other rows kept
    (tmp_path / "d.jsonl").write_text(record(",".join(["x", *map(str, ROW[1:])])) + "\n" + good + "\n")
    (tmp_path / "e.jsonl.gz").write_bytes(gzip.compress(((good + "\n") * 50).encode())[:-30])   # truncated gzip
    x, p, _, problems, _counts = read(tmp_path)
    for reason in bad:
        assert problems.counts[reason] == (2 if reason.startswith("no captureData") else 1), problems.counts
    assert problems.counts["a feature is not a number"] == 1
    assert problems.counts["unreadable file (truncated or corrupt gzip)"] == 1
    assert len(x) >= 3 and np.isfinite(x).all() and len(x) == len(p)
    assert len(problems.examples) == problems.total == 9 and problems.examples[0]["where"] == "c.jsonl:2"


def test_missing_values_outputs_and_rejected_requests(tmp_path):
    with_gap = ",".join(["", *map(str, ROW[1:])])
    lines = [record(with_gap), record(",".join(map(str, ROW)), output=None),
             record(",".join(map(str, ROW)), output='{"error": "row 1: 999 is outside 1-263"}'),
             record(",".join(map(str, ROW)), output='{"predictions": [1, 2]}')]
    (tmp_path / "f.jsonl").write_text("\n".join(lines) + "\n")
    x, p, _, problems, counts = read(tmp_path)
    assert problems.total == 0 and math.isnan(x[0, 0]) and not np.isnan(x[1:]).any()
    assert p[0] == 612.5 and np.isnan(p[1:]).all()
    assert counts["rejected request (the output has no predictions)"] == 1
    assert counts["output and input row counts differ"] == 1


def test_the_time_window_skips_events_outside_it(tmp_path):
    times = ["2026-01-05T09:59:59.999Z", "2026-01-05T10:00:00.000Z", "2026-01-05T10:59:59.000Z",
             "2026-01-05T11:00:00.000Z"]
    (tmp_path / "g.jsonl").write_text("\n".join(record(",".join(map(str, ROW)), when=t) for t in times) + "\n")
    # the same with one JSON request in the file: that block is read line by line
    as_json = json.dumps(dict(zip(FEATURES, ROW, strict=True)))
    (tmp_path / "h.jsonl").write_text("\n".join([*(record(",".join(map(str, ROW)), when=t) for t in times),
                                                 record(as_json, "application/json", "JSON", when=times[0])]) + "\n")
    x, _, _, problems, counts = read(tmp_path, start="2026-01-05T10:00:00.000Z", end="2026-01-05T11:00:00.000Z")
    assert len(x) == 4 and counts["events_outside_window"] == 5 and problems.total == 0
    assert counts["capture_events"] == 4 and counts["capture_lines"] == 9


def test_batch_rows_join_their_out_file_and_trip_ids(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    out.mkdir()
    (inp / "a.csv").write_text(",".join(PROCESSED_LAYOUT) + "\n" + LAYOUT + "\n" + LAYOUT.replace("T1", "T2") + "\n")
    (out / "a.csv.out").write_text("600\n700\n")
    (inp / "b.csv").write_text(",".join(map(str, ROW)) + "\n1,2\n")      # no header, FEATURES order; a short row
    (out / "b.csv.out").write_text('{"predictions": [5.0, 6.0]}\n')
    (inp / "c.csv").write_text(LAYOUT + "\n")                              # no .out file
    problems, counts = capture.Problems(), Counter()
    chunks = list(capture.read_batch(inp, out, problems, counts))
    keys = np.concatenate([c.keys for c in chunks])
    preds = np.concatenate([c.predictions for c in chunks])
    assert preds[:3].tolist() == [600, 700, 5.0] and math.isnan(preds[3])
    assert keys[0] == capture.trip_key("T1") and keys[1] == capture.trip_key("T2") and keys[2] == capture.NO_KEY
    assert problems.counts["batch input row has 2 fields"] == 1
    assert problems.counts["batch input without its .out file"] == 1


def test_ground_truth_merge_format_and_trip_csv(tmp_path):
    def label(event, data, encoding="CSV"):
        return json.dumps({"groundTruthData": {"data": data, "encoding": encoding},
                           "eventMetadata": {"eventId": event}, "eventVersion": "0"})
    (tmp_path / "2026" / "01").mkdir(parents=True)
    (tmp_path / "2026" / "01" / "a.jsonl").write_text("\n".join([
        label("e1", "600"), label("e2", "100,200"), label("e3", "[5, 6]", "JSON"), label("e1", "650"),
        '{"groundTruthData": {}}', "{bad"]) + "\n")
    (tmp_path / "2026" / "01" / "b.csv").write_text("trip_id,duration_s\nT1,700\nT2,oops\n")
    (tmp_path / "2026" / "01" / "c.csv").write_text("id,label\n1,2\n")
    problems, counts = capture.Problems(), Counter()
    keys, labels = capture.read_ground_truth(tmp_path, problems, counts)
    got = dict(zip(keys.tolist(), labels.tolist(), strict=True))
    assert got[capture.event_key("e1", 0)] == 650          # the later label wins
    assert got[capture.event_key("e2", 1)] == 200 and got[capture.event_key("e3", 1)] == 6
    assert got[capture.trip_key("T1")] == 700
    assert counts["ground_truth_repeated_labels"] == 1 and len(got) == 6
    assert problems.counts["ground truth record is not in the merge format"] == 2
    assert problems.counts["ground truth label is not a number"] == 1
    assert problems.counts["ground truth CSV header lacks trip_id or duration_s"] == 1
    assert list(keys) == sorted(keys)
