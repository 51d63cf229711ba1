"""Raw taxi-trip records landed in S3 -> validated, normalised feature rows.

The Lambda entry point is `trip_features.handler.lambda_handler`; everything it calls is
a pure function over bytes and columns (reader, parse, validate, transform) or a thin
S3 adapter (writer, process), so each part is unit-testable without AWS.
"""
