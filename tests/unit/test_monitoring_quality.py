"""The quality join: predictions meet labels that arrive late, never, twice or for rows
outside the window; MAE, p90 and bias are those of the matched rows only."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "files" / "model_image"))
import build_context  # noqa: E402

sys.path.append(str(build_context.unpacked_site()))
from eta_model.capture import NO_KEY, event_key  # noqa: E402
from eta_model.quality import QualityJoin  # noqa: E402


def test_late_missing_and_unmatched_labels():
    rng = np.random.default_rng(4)
    n = 10_000
    truth = rng.uniform(300, 3000, n)
    pred = truth + rng.normal(20, 150, n)
    keys = np.array([event_key(f"ev{i}", 0) for i in range(n)], dtype=np.int64)
    arrived = rng.random(n) < 0.7                      # 30% of the labels are late or never come
    orphans = np.array([event_key(f"old{i}", 0) for i in range(500)], dtype=np.int64)   # rows of another window
    label_keys = np.concatenate([keys[arrived], orphans])
    labels = np.concatenate([truth[arrived], np.full(500, 1e6)])
    order = np.argsort(label_keys)
    join = QualityJoin(label_keys[order], labels[order])
    pred_with_gaps = pred.copy()
    pred_with_gaps[:100] = np.nan                      # rejected requests: no prediction, not counted
    keys_with_gaps = keys.copy()
    keys_with_gaps[100:200] = NO_KEY                   # rows with nothing to join on
    for part in np.array_split(np.arange(n), 9):       # streamed in chunks
        join.add(keys_with_gaps[part], pred_with_gaps[part])
    r = join.result()
    matched = arrived.copy()
    matched[:200] = False
    err = pred[matched] - truth[matched]
    assert r["rows_with_prediction"] == n - 100 and r["rows_with_join_key"] == n - 200
    assert r["rows_labelled"] == matched.sum()
    assert r["label_coverage"] == pytest.approx(matched.sum() / (n - 100))
    assert r["labels_received"] == arrived.sum() + 500
    assert r["labels_unmatched"] == 500 + arrived[:200].sum()
    assert r["mae"] == pytest.approx(np.abs(err).mean())
    assert r["bias"] == pytest.approx(err.mean())
    assert r["rmse"] == pytest.approx(math.sqrt((err ** 2).mean()))
    assert r["p90_absolute_error"] == pytest.approx(np.quantile(np.abs(err), 0.9), rel=0.006)


def test_no_labels_yet_gives_no_numbers_not_zeros():
    join = QualityJoin(np.empty(0, dtype=np.int64), np.empty(0))
    join.add(np.array([event_key("a", 0)], dtype=np.int64), np.array([600.0]))
    r = join.result()
    assert r["rows_labelled"] == 0 and r["label_coverage"] == 0.0
    assert all(math.isnan(r[k]) for k in ("mae", "bias", "rmse", "p90_absolute_error"))
