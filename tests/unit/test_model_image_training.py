"""`train` without Docker: the image's own libraries (its wheelhouse, unpacked), real
generated data through the Lambda's transform, the real scikit-learn fit."""

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "files" / "model_image"))
import build_context  # noqa: E402
import sample_data  # noqa: E402

sys.path.append(str(build_context.unpacked_site()))
from eta_model import train, trees  # noqa: E402
from eta_model.features import CATEGORICAL, FEATURES, LABEL  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("opt_ml")
    sample_data.write_channel(root / "input" / "data" / "train", rows=6000, seed=3, parts=3)
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps({"max_iter": "120", "max_depth": "6"}))
    assert train.main(root) == 0
    return root


def test_train_writes_the_model_and_its_reports(trained):
    model = trained / "model"
    assert sorted(p.name for p in model.iterdir()) == ["baseline_statistics.json", "evaluation.json", "model.json",
                                                      "model.npz", "sklearn_estimator.joblib"]
    meta = json.loads((model / "model.json").read_text())
    assert meta["features"] == list(FEATURES) and meta["label"] == LABEL
    assert meta["hyperparameters"]["max_iter"] == 120 and meta["hyperparameters"]["max_depth"] == 6
    assert not (trained / "output" / "failure").exists()


def test_evaluation_states_both_figures_and_beats_the_baseline(trained):
    # every row of every file (plain and gzip) is either trained on or held out
    report = json.loads((trained / "model" / "evaluation.json").read_text())
    ours, theirs = report["regression_metrics"], report["baseline"]["regression_metrics"]
    assert report["baseline"]["name"] == "median speed per pickup/dropoff zone pair"
    assert report["beats_baseline"] is (ours["mae"]["value"] < theirs["mae"]["value"])
    assert report["beats_baseline"], report
    assert report["holdout"]["split"].startswith("time")
    assert ours["rows_predicted"] == theirs["rows_predicted"] == report["holdout"]["rows"]
    assert report["holdout"]["rows"] + report["training"]["rows"] == _data_rows(trained / "input" / "data" / "train")
    assert report["training"]["files"] == 3
    assert 0 < ours["mae"]["value"] < ours["rmse"]["value"]


def test_baseline_statistics_per_feature(trained):
    stats = json.loads((trained / "model" / "baseline_statistics.json").read_text())
    rows = stats["rows"]
    assert set(stats["features"]) == {*FEATURES, LABEL}
    for name, col in stats["features"].items():
        assert col["count"] == rows and col["missing_share"] == 0.0
        if name in CATEGORICAL:
            assert col["kind"] == "categorical" and sum(col["value_counts"].values()) == rows
        else:
            hist = col["histogram"]
            assert col["kind"] == "numeric" and sum(hist["counts"]) == rows
            assert len(hist["edges"]) == len(hist["counts"]) + 1 and hist["edges"] == sorted(hist["edges"])
    assert set(stats["features"]["pickup_hour"]["value_counts"]) <= {str(h) for h in range(24)}


def test_exported_trees_predict_what_scikit_learn_predicts(trained):
    import joblib

    estimator = joblib.load(trained / "model" / "sklearn_estimator.joblib")
    exported = trees.load(trained / "model" / "model.npz")
    x = train.read_channel(trained / "input" / "data" / "train").x[:2000].copy()
    x[np.random.default_rng(0).random(x.shape) < 0.1] = np.nan   # missing values take sklearn's routes too
    np.testing.assert_allclose(exported.predict(x), estimator.predict(x), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(exported.predict(x[:1]), estimator.predict(x[:1]), rtol=1e-9, atol=1e-6)


def test_hyperparameters_arrive_as_strings_and_are_checked():
    hp = train.hyperparameters({"learning_rate": "0.05", "max_iter": " 10 ", "sagemaker_region": "x"})
    assert hp["learning_rate"] == 0.05 and hp["max_iter"] == 10 and hp["channel"] == "train"
    with pytest.raises(train.TrainingError, match=r"unknown hyperparameter.*max_iters"):
        train.hyperparameters({"max_iters": "10"})
    with pytest.raises(train.TrainingError, match=r"max_iter='ten' is not a int"):
        train.hyperparameters({"max_iter": "ten"})
    with pytest.raises(train.TrainingError, match="loss='poisson' must be squared_error or absolute_error"):
        train.hyperparameters({"loss": "poisson"})


def _data_rows(channel: Path) -> int:
    """Rows in a channel's files, headers aside (every file has one; some are gzip)."""
    total = 0
    for path in channel.iterdir():
        data = path.read_bytes()
        total += len((gzip.decompress(data) if path.suffix == ".gz" else data).splitlines()) - 1
    return total


def _fails(root: Path, reason: str) -> None:
    assert train.main(root) == 1
    assert reason in (root / "output" / "failure").read_text()
    assert not (root / "model" / "model.npz").exists()


def test_a_missing_channel_fails_with_the_reason(tmp_path):
    _fails(tmp_path, "channel directory")


def test_a_file_without_the_label_fails_naming_file_and_column(tmp_path):
    channel = tmp_path / "input" / "data" / "train"
    channel.mkdir(parents=True)
    (channel / "a.csv.gz").write_bytes(gzip.compress(b"pickup_hour,pickup_zone\n1,2\n"))
    _fails(tmp_path, "a.csv.gz: header lacks column(s)")


def test_a_bad_cell_fails_naming_line_and_column(tmp_path):
    channel = sample_data.write_channel(tmp_path / "input" / "data" / "train", rows=200, parts=1)
    path = channel / "part-000.csv"
    lines = path.read_text().splitlines()
    cells = lines[5].split(",")
    cells[FEATURES.index("trip_distance_m") + 2] = "far"
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    _fails(tmp_path, "line 6: column trip_distance_m is 'far', not a number")
