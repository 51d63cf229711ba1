"""The feature set the model reads: the one place that lists it inside the image.

It is the Lambda section's output (files/lambda/src/trip_features/schema.json "features",
the columns of processed/.../records.csv); tests check the two agree, so the image never
imports the Lambda package.
"""

from __future__ import annotations

# processed/.../records.csv, in the order the Lambda writes it.
PROCESSED_LAYOUT = ("trip_id", "pickup_at", "pickup_hour", "pickup_dow", "is_weekend", "is_rush_hour",
                    "pickup_zone", "dropoff_zone", "same_zone", "airport_trip", "passenger_count",
                    "trip_distance_m", "duration_s")
LABEL = "duration_s"
TIME_COLUMN = "pickup_at"   # orders the held-out split: the model is judged on later trips
# The model's inputs, in the order of its matrix columns; the allowed range of each
# (the schema's rules: zones 1-263, 1-8 passengers, 0.05-300 km).
RANGES: dict[str, tuple[float, float]] = {
    "pickup_hour": (0, 23),
    "pickup_dow": (0, 6),
    "is_weekend": (0, 1),
    "is_rush_hour": (0, 1),
    "pickup_zone": (1, 263),
    "dropoff_zone": (1, 263),
    "same_zone": (0, 1),
    "airport_trip": (0, 1),
    "passenger_count": (1, 8),
    "trip_distance_m": (50, 300_000),
}
FEATURES = tuple(RANGES)
# For the monitoring baseline: these get value counts, the rest histograms.
CATEGORICAL = frozenset({"pickup_hour", "pickup_dow", "is_weekend", "is_rush_hour", "pickup_zone",
                         "dropoff_zone", "same_zone", "airport_trip", "passenger_count"})
