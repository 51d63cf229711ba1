"""The monitor's statistics against closed forms and scipy: PSI, the KS statistic from the
cell sketch (with its error bound), the KS p-value, and the log-histogram quantile."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "files" / "model_image"))
import build_context  # noqa: E402

sys.path.append(str(build_context.unpacked_site()))
from eta_model import drift  # noqa: E402
from eta_model import stats as baseline_stats  # noqa: E402
from scipy import stats as sps  # noqa: E402


def test_psi_of_known_discrete_distributions():
    base, window = np.array([100, 200, 700]), np.array([300, 300, 400])
    p, q = base / base.sum(), window / window.sum()
    assert drift.psi(base, window) == pytest.approx(float(np.sum((q - p) * np.log(q / p))))
    assert drift.psi(base, base * 7) == pytest.approx(0.0, abs=1e-12)
    # an empty bin on one side is floored, not infinite
    assert math.isfinite(drift.psi(np.array([10, 0]), np.array([5, 5])))
    assert math.isnan(drift.psi(base, np.zeros(3)))


def test_psi_of_shifted_normals_matches_the_closed_form_over_decile_bins():
    rng = np.random.default_rng(1)
    base = rng.normal(0, 1, 200_000)
    window = rng.normal(0.5, 1, 200_000)
    col = baseline_stats.column(base, categorical=False)
    edges = np.array(col["histogram"]["edges"])
    ours = drift.psi(np.concatenate([[0], col["histogram"]["counts"], [0]]), drift.psi_bins(edges, window))
    # the same bins on the two true distributions (outer bins open to +-infinity)
    cuts = np.concatenate([[-np.inf], edges[1:-1], [np.inf]])
    p, q = np.diff(sps.norm.cdf(cuts)), np.diff(sps.norm.cdf(cuts, loc=0.5))
    assert ours == pytest.approx(float(np.sum((q - p) * np.log(q / p))), abs=0.01)
    assert 0.2 < ours < 0.3     # a half-sigma shift sits between the 0.1 and 0.25 conventions' warn and alert


def test_psi_bins_match_numpy_histogram_inside_the_range():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    values = np.array([-1, 0, 0.5, 1, 2.5, 3, 3.0, 4])
    counts = drift.psi_bins(edges, values)
    assert counts.tolist() == [1, *np.histogram(values, bins=edges)[0].tolist(), 1]


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.3, 1.0])
def test_ks_from_the_sketch_brackets_scipys_exact_statistic(shift):
    rng = np.random.default_rng(7)
    base = np.round(rng.lognormal(8, 0.7, 50_000), -1)     # metres in 10 m steps: ties, as the real feature
    window = np.round(rng.lognormal(8 + shift, 0.7, 30_000), -1)
    sketch = baseline_stats.column(base, categorical=False)["ks_sketch"]
    edges = np.array(sketch["edges"])
    d, bound = drift.ks_from_cells(np.array(sketch["cells"]), drift.cell_counts(edges, window))
    exact = sps.ks_2samp(base, window)
    assert d <= exact.statistic + 1e-12 <= d + bound + 1e-12
    assert bound <= 0.0015          # 1000 quantile cells
    p = drift.ks_pvalue(d, len(base), len(window))
    asymp = sps.ks_2samp(base, window, method="asymp").pvalue
    assert p == pytest.approx(asymp, rel=0.2, abs=1e-6)


def test_ks_of_shifted_normals_matches_the_population_value():
    rng = np.random.default_rng(3)
    base, window = rng.normal(0, 1, 100_000), rng.normal(1.0, 1, 100_000)
    sketch = baseline_stats.column(base, categorical=False)["ks_sketch"]
    d, _ = drift.ks_from_cells(np.array(sketch["cells"]), drift.cell_counts(np.array(sketch["edges"]), window))
    assert d == pytest.approx(2 * sps.norm.cdf(0.5) - 1, abs=0.01)   # sup |Phi(x) - Phi(x - 1)|


def test_ks_is_exact_for_integer_features_with_the_baselines_values_as_edges():
    rng = np.random.default_rng(5)
    base = rng.integers(0, 24, 20_000).astype(float)
    window = np.concatenate([rng.integers(0, 24, 9_000), rng.integers(18, 26, 1_000)]).astype(float)  # 24, 25 unseen
    edges = np.unique(base)
    d, bound = drift.ks_from_cells(drift.cell_counts(edges, base), drift.cell_counts(edges, window))
    assert bound == 0.0
    assert d == pytest.approx(sps.ks_2samp(base, window).statistic, abs=1e-12)


def test_cells_separate_values_below_at_between_and_above_the_edges():
    edges = np.array([1.0, 2.0, 4.0])
    assert drift.cells_of(edges, np.array([0.5, 1, 1.5, 2, 3, 4, 9])).tolist() == [0, 1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("lam", [0.05, 0.3, 0.8, 0.99, 1.0, 1.36, 2.0, 4.0])
def test_kolmogorov_distribution_matches_scipy(lam):
    from scipy.special import kolmogorov

    assert drift.kolmogorov_q(lam) == pytest.approx(float(kolmogorov(lam)), abs=1e-10)


def test_ks_pvalue_limits():
    assert drift.ks_pvalue(0.0, 1000, 1000) == pytest.approx(1.0)
    assert drift.ks_pvalue(0.5, 1000, 1000) < 1e-50
    assert math.isnan(drift.ks_pvalue(0.1, 0, 10))


@pytest.mark.parametrize("q", [0.5, 0.9, 0.99])
def test_log_histogram_quantile_within_its_stated_bound(q):
    values = np.random.default_rng(2).exponential(300, 100_000)
    hist = drift.LogHistogram()
    for part in np.array_split(values, 7):    # streamed in pieces
        hist.add(part)
    exact = float(np.quantile(values, q))
    assert hist.quantile(q) == pytest.approx(exact, rel=0.011)
    assert math.isnan(drift.LogHistogram().quantile(q))
