"""The image's feature list agrees with the Lambda's schema (the image never imports it)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "files" / "model_image"))
sys.path.insert(0, str(ROOT / "files" / "lambda" / "src"))

from eta_model import features  # noqa: E402
from trip_features import transform  # noqa: E402

SCHEMA = json.loads((ROOT / "files/lambda/src/trip_features/schema.json").read_text())


def test_processed_layout_is_the_lambdas_output():
    assert features.PROCESSED_LAYOUT == tuple(f["name"] for f in SCHEMA["features"]) == transform.LAYOUT
    assert SCHEMA["label"] == features.LABEL


def test_model_inputs_are_features_known_at_pickup():
    assert set(features.FEATURES) < set(features.PROCESSED_LAYOUT)
    # not the id, not the label, not the raw time (its hour and weekday are features)
    assert {"trip_id", "pickup_at", "duration_s"}.isdisjoint(features.FEATURES)
    assert features.TIME_COLUMN in features.PROCESSED_LAYOUT
    assert set(features.FEATURES) > features.CATEGORICAL


def test_ranges_follow_the_schema_rules():
    fields = {f["name"]: f for f in SCHEMA["fields"]}
    for name in ("pickup_zone", "dropoff_zone", "passenger_count"):
        assert features.RANGES[name] == (fields[name]["min"], fields[name]["max"])
    km = fields["trip_distance_km"]
    assert features.RANGES["trip_distance_m"] == (km["min"] * 1000, km["max"] * 1000)
