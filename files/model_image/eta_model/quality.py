"""Model quality: predictions joined with ground truth that arrives later.

Labels are held as two sorted arrays (64-bit join key, label: 16 bytes a label); the
captured and batch rows stream past them in chunks and are matched with a binary search,
so only the labels, never the window, are in memory. A row whose label has not arrived
(late) or never will (missing) counts against coverage; a label that matches no row of
the window (for a trip outside it) counts as unmatched. Neither is an error.
"""

from __future__ import annotations

import math

import numpy as np

from eta_model.capture import NO_KEY
from eta_model.drift import LogHistogram


class QualityJoin:
    def __init__(self, keys: np.ndarray, labels: np.ndarray) -> None:
        self.keys, self.labels = keys, labels
        self.matched_label = np.zeros(len(keys), dtype=bool)
        self.rows = 0                 # rows with a prediction
        self.rows_keyed = 0           # ... and a join key
        self.labelled = 0
        self.sum_error = 0.0
        self.sum_abs = 0.0
        self.sum_sq = 0.0
        self.abs_errors = LogHistogram()

    def add(self, keys: np.ndarray, predictions: np.ndarray) -> None:
        has_pred = ~np.isnan(predictions)
        self.rows += int(has_pred.sum())
        keyed = has_pred & (keys != NO_KEY)
        self.rows_keyed += int(keyed.sum())
        if not len(self.keys) or not keyed.any():
            return
        k, p = keys[keyed], predictions[keyed]
        pos = np.minimum(np.searchsorted(self.keys, k), len(self.keys) - 1)
        hit = self.keys[pos] == k
        self.matched_label[pos[hit]] = True
        err = p[hit] - self.labels[pos[hit]]
        err = err[~np.isnan(err)]
        self.labelled += len(err)
        self.sum_error += float(err.sum())
        self.sum_abs += float(np.abs(err).sum())
        self.sum_sq += float((err ** 2).sum())
        self.abs_errors.add(np.abs(err))

    def __getstate__(self) -> dict:
        # a worker's join goes back to the parent without the labels (the parent has them)
        return {**self.__dict__, "keys": None, "labels": None}

    def merge(self, other: QualityJoin) -> None:
        self.matched_label |= other.matched_label
        self.rows += other.rows
        self.rows_keyed += other.rows_keyed
        self.labelled += other.labelled
        self.sum_error += other.sum_error
        self.sum_abs += other.sum_abs
        self.sum_sq += other.sum_sq
        self.abs_errors.counts += other.abs_errors.counts

    def result(self) -> dict:
        n = self.labelled
        return {
            "rows_with_prediction": self.rows,
            "rows_with_join_key": self.rows_keyed,
            "rows_labelled": n,
            "label_coverage": n / self.rows if self.rows else math.nan,
            "labels_received": len(self.keys),
            "labels_unmatched": int(len(self.keys) - self.matched_label.sum()),
            "mae": self.sum_abs / n if n else math.nan,
            "rmse": math.sqrt(self.sum_sq / n) if n else math.nan,
            "bias": self.sum_error / n if n else math.nan,   # mean(prediction - actual): > 0 = too slow an ETA
            "p90_absolute_error": self.abs_errors.quantile(0.9),
            "p90_error_bound": "within 0.5% (log-spaced bins growing 1%)",
        }
