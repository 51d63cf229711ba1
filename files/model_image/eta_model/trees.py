"""The fitted trees as plain arrays, and their prediction in numpy.

`train` exports scikit-learn's HistGradientBoostingRegressor to `model.npz` (no pickle:
loaded with allow_pickle=False); `serve` predicts from those arrays, so the server
imports neither scikit-learn nor scipy and a 1-record request costs a few numpy
operations per tree level for all trees at once. Tests check the predictions equal
scikit-learn's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = "eta-trees-v1"


@dataclass(frozen=True)
class Trees:
    features: tuple[str, ...]
    baseline: float        # the model's constant term
    feature: np.ndarray    # per node (all trees concatenated): the column it splits on
    threshold: np.ndarray  # go left when x <= threshold
    children: np.ndarray   # [left, right] per node; a leaf points to itself both ways
    missing_left: np.ndarray  # where a missing value (NaN) goes
    value: np.ndarray      # leaf values (0 elsewhere)
    roots: np.ndarray      # index of each tree's root
    depth: int             # levels to walk: the deepest leaf's depth

    def predict(self, x: np.ndarray) -> np.ndarray:
        """x: float64 [rows, len(features)], NaN = missing -> float64 [rows]."""
        rows, width = x.shape
        flat = x.ravel()
        node = np.broadcast_to(self.roots, (rows, self.roots.size)).copy()
        base = (np.arange(rows) * width)[:, None]
        missing = bool(np.isnan(flat).any())
        for _ in range(self.depth):
            values = flat[base + self.feature[node]]
            right = ~(values <= self.threshold[node])
            if missing:
                right &= ~(np.isnan(values) & self.missing_left[node])
            node = self.children[node * 2 + right]
        return self.baseline + self.value[node].sum(axis=1)


def export(estimator, features: tuple[str, ...]) -> Trees:
    """Flatten a fitted HistGradientBoostingRegressor (identity link, numeric splits only)."""
    if estimator._loss.link.__class__.__name__ != "IdentityLink":
        raise ValueError(f"loss {estimator.loss!r} has a non-identity link; export supports identity only")
    nodes = [p[0].nodes for p in estimator._predictors]
    if any(n["is_categorical"].any() for n in nodes):
        raise ValueError("categorical splits are not exported")
    offsets = np.cumsum([0] + [len(n) for n in nodes[:-1]])
    feature, threshold, children, missing_left, value = [], [], [], [], []
    for off, n in zip(offsets, nodes, strict=True):
        leaf = n["is_leaf"].astype(bool)
        own = np.arange(len(n)) + off
        feature.append(np.where(leaf, 0, n["feature_idx"]))
        threshold.append(np.where(leaf, np.inf, n["num_threshold"]))
        children.append(np.stack([np.where(leaf, own, n["left"] + off), np.where(leaf, own, n["right"] + off)], 1))
        missing_left.append(n["missing_go_to_left"].astype(bool) & ~leaf)
        value.append(np.where(leaf, n["value"], 0.0))
    depth = max(int(n["depth"].max()) for n in nodes) if nodes else 0
    return Trees(features=tuple(features), baseline=float(np.ravel(estimator._baseline_prediction)[0]),
                 feature=np.concatenate(feature).astype(np.intp), threshold=np.concatenate(threshold),
                 children=np.concatenate(children).ravel().astype(np.intp),
                 missing_left=np.concatenate(missing_left), value=np.concatenate(value),
                 roots=offsets.astype(np.intp), depth=depth)


def save(trees: Trees, path: Path) -> None:
    with open(path, "wb") as f:
        np.savez_compressed(f, format=np.array(FORMAT), features=np.array(trees.features),
                            baseline=np.array(trees.baseline), feature=trees.feature, threshold=trees.threshold,
                            children=trees.children, missing_left=trees.missing_left, value=trees.value,
                            roots=trees.roots, depth=np.array(trees.depth))


def load(path: Path) -> Trees:
    with np.load(path, allow_pickle=False) as data:
        if str(data["format"]) != FORMAT:
            raise ValueError(f"{path}: format {data['format']} is not {FORMAT}")
        return Trees(features=tuple(str(f) for f in data["features"]), baseline=float(data["baseline"]),
                     feature=data["feature"].astype(np.intp), threshold=data["threshold"],
                     children=data["children"].astype(np.intp), missing_left=data["missing_left"],
                     value=data["value"], roots=data["roots"].astype(np.intp), depth=int(data["depth"]))
