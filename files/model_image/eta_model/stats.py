"""Baseline statistics of the training split, for the monitoring section's drift checks.

Per feature (and the label): the count and the share missing; categoricals get their
value counts, numeric columns a histogram over decile edges (equal-mass bins, the usual
basis for a population stability index) plus mean, standard deviation, min and max, and a
KS sketch: the counts over 1000-quantile edges (eta_model.drift's cells), from which the
monitor's KS statistic is within about 0.001 of the exact two-sample one. The model's own
predictions on the training split are summarised the same way under the top-level key
`prediction`, the reference for the monitor's prediction shift.
"""

from __future__ import annotations

import numpy as np

from eta_model.drift import cell_counts
from eta_model.features import CATEGORICAL, FEATURES, LABEL

DECILES = np.linspace(0, 1, 11)
SKETCH_QUANTILES = np.linspace(0, 1, 1001)


def column(values: np.ndarray, categorical: bool) -> dict:
    present = values[~np.isnan(values)]
    out = {"count": int(values.size), "missing_share": float(1 - present.size / values.size) if values.size else 0.0}
    if categorical:
        keys, counts = np.unique(present, return_counts=True)
        out["kind"] = "categorical"
        out["value_counts"] = {str(int(k)): int(c) for k, c in zip(keys, counts, strict=True)}
        return out
    out["kind"] = "numeric"
    if present.size == 0:
        out["histogram"] = {"edges": [], "counts": []}
        return out
    edges = np.unique(np.quantile(present, DECILES))
    if edges.size == 1:
        edges = np.array([edges[0], edges[0]])
    counts, _ = np.histogram(present, bins=edges)
    sketch = np.unique(np.quantile(present, SKETCH_QUANTILES))
    out["ks_sketch"] = {"edges": sketch.tolist(), "cells": cell_counts(sketch, present).tolist()}
    out.update(mean=float(present.mean()), std=float(present.std()), min=float(present.min()),
               max=float(present.max()), histogram={"edges": edges.tolist(), "counts": counts.tolist()})
    return out


def baseline_statistics(x: np.ndarray, y: np.ndarray, predictions: np.ndarray | None = None) -> dict:
    cols = {name: column(x[:, i], name in CATEGORICAL) for i, name in enumerate(FEATURES)}
    cols[LABEL] = column(y, categorical=False)
    out = {"version": 1, "rows": len(y), "label": LABEL, "features": cols}
    if predictions is not None:
        out["prediction"] = column(np.asarray(predictions, dtype=np.float64), categorical=False)
    return out
