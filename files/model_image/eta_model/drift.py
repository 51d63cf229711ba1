"""Drift statistics that stream: PSI over fixed bins and a two-sample KS test from a cell sketch.

Both sides of a comparison are counts over the same fixed cells, so a window of any size
is summarised in memory that depends only on the number of cells.

Cells. For sorted edges e_0 < ... < e_{K-1}, a value v falls in cell
searchsorted(e, v, "left") + searchsorted(e, v, "right"): cell 0 is below e_0, cell 2i+1
is exactly e_i, cell 2i+2 is the open interval (e_i, e_{i+1}), cell 2K is above e_{K-1}.
Counting "at an edge" apart from "between edges" keeps ties (integer-valued features,
distances in 10 m steps) exact.

KS from cells. Both empirical CDFs are known exactly at every edge (after each cell), so
D_cells = max |F_base - F_window| over the edges is a lower bound of the exact two-sample
statistic D. Inside an open cell where the baseline holds mass b and the window w, the
difference moves by at most min(b, w) beyond its value at the cell's ends, so
D_cells <= D <= D_cells + max over open cells of min(b, w): that bound is returned with D.
With the baseline's 1000 quantiles as edges (stats.py) the bound is at most about 0.001; for
categorical features the edges are the baseline's values, every open cell is empty in the
baseline and D is exact.
"""

from __future__ import annotations

import math

import numpy as np

PSI_FLOOR = 1e-4   # share given to an empty bin, so an unseen bin adds a large but finite term


def cells_of(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The cell index (0 .. 2K) of each value; NaN values must be removed first."""
    return np.searchsorted(edges, values, "left") + np.searchsorted(edges, values, "right")


def cell_counts(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.bincount(cells_of(edges, values), minlength=2 * len(edges) + 1)


def ks_from_cells(base: np.ndarray, window: np.ndarray) -> tuple[float, float]:
    """(D over the edges, the bound on D minus it) for two count vectors over the same cells."""
    nb, nw = base.sum(), window.sum()
    if nb == 0 or nw == 0:
        return math.nan, math.nan
    fb, fw = np.cumsum(base) / nb, np.cumsum(window) / nw
    d = float(np.max(np.abs(fb - fw)))
    open_cells = slice(0, None, 2)   # cells below, between and above the edges
    bound = float(np.max(np.minimum(base[open_cells] / nb, window[open_cells] / nw)))
    return d, bound


def kolmogorov_q(lam: float) -> float:
    """P(K > lam) for the Kolmogorov distribution (scipy.special.kolmogorov), by its two series:
    2 sum (-1)^(k-1) exp(-2 k^2 lam^2) for lam >= 1, and the theta-function form below 1,
    where the first converges slowly."""
    if lam <= 0:
        return 1.0
    if lam < 1:
        x = -math.pi ** 2 / (8 * lam * lam)
        tail = sum(math.exp((2 * k - 1) ** 2 * x) for k in range(1, 8))
        return min(1.0, max(0.0, 1 - math.sqrt(2 * math.pi) / lam * tail))
    total = sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return min(1.0, max(0.0, 2 * total))


def ks_pvalue(d: float, n: int, m: int) -> float:
    """Two-sided p-value of the two-sample KS statistic: the Kolmogorov limit at the effective
    size n*m/(n+m) with Stephens' small-sample correction (Numerical Recipes' probks). No
    scipy: importing scipy.stats alone costs seconds at every job start."""
    if math.isnan(d) or n == 0 or m == 0:
        return math.nan
    root = math.sqrt(n * m / (n + m))
    return kolmogorov_q((root + 0.12 + 0.11 / root) * d)


def psi(base: np.ndarray, window: np.ndarray, floor: float = PSI_FLOOR) -> float:
    """Population stability index sum((w - b) * ln(w / b)) over bins, shares floored at `floor`."""
    nb, nw = base.sum(), window.sum()
    if nb == 0 or nw == 0:
        return math.nan
    b = np.maximum(base / nb, floor)
    w = np.maximum(window / nw, floor)
    return float(np.sum((w - b) * np.log(w / b)))


def psi_bins(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Counts over the baseline histogram's bins plus one below and one above its range:
    [below e_0, [e_0, e_1), ..., [e_{K-2}, e_{K-1}], above e_{K-1}] (numpy's histogram bins,
    the last one closed)."""
    idx = np.searchsorted(edges, values, "right")
    idx[values == edges[-1]] = len(edges) - 1     # the last bin is closed, as np.histogram's
    return np.bincount(idx, minlength=len(edges) + 1)


class LogHistogram:
    """Counts of non-negative values in bins growing 1% each above 1 (one bin below 1): any
    quantile read back is within 1% (or 1 unit below 1) of the exact sample quantile, in a
    fixed ~1200 bins up to 1e5."""

    GROWTH = 1.01
    TOP = 1e5

    def __init__(self) -> None:
        self.size = math.ceil(math.log(self.TOP) / math.log(self.GROWTH)) + 2
        self.counts = np.zeros(self.size, dtype=np.int64)

    def index(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            raw = np.floor(np.log(np.maximum(values, 1.0)) / math.log(self.GROWTH)).astype(np.int64) + 1
        raw[values < 1] = 0
        return np.minimum(raw, self.size - 1)

    def add(self, values: np.ndarray) -> None:
        self.counts += np.bincount(self.index(values), minlength=self.size)

    def quantile(self, q: float) -> float:
        total = self.counts.sum()
        if total == 0:
            return math.nan
        i = int(np.searchsorted(np.cumsum(self.counts), q * total, "left"))
        if i == 0:
            return 0.5
        low, high = self.GROWTH ** (i - 1), self.GROWTH ** i
        return math.sqrt(low * high)   # the geometric middle: within half a bin either side
