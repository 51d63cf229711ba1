"""Handler-level behaviour that the emulator cannot provoke: transient AWS failures.

moto has no fault injection, so these tests replace process_object with a stub that
fails the way S3 does under throttling or a dropped connection (said so: a stand-in
for a real part that cannot run here). Everything else about the handler is tested
against the emulator in tests/integration/test_lambda_function.py.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ResponseStreamingError

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "files" / "lambda" / "src"))

from trip_features.errors import TransientError, TruncatedGzip  # noqa: E402
from trip_features.process import ObjectRef, is_transient  # noqa: E402

ENV = {"FAILURE_QUEUE_URL": "https://sqs.example/q", "POWERTOOLS_SERVICE_NAME": "t",
       "POWERTOOLS_METRICS_NAMESPACE": "T", "AWS_DEFAULT_REGION": "us-east-1"}


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


@pytest.mark.parametrize(("err", "transient"), [
    (client_error("SlowDown", 503), True),
    (client_error("InternalError", 500), True),
    (client_error("RequestTimeout", 400), True),
    (client_error("NoSuchKey", 404), False),
    (client_error("AccessDenied", 403), False),
    (EndpointConnectionError(endpoint_url="https://s3"), True),
    (ResponseStreamingError(error="connection reset"), True),
    (TransientError("x"), True),
    (ValueError("bug"), False),
])
def test_transient_errors_are_told_from_permanent_ones(err, transient):
    assert is_transient(err) is transient


@pytest.fixture
def handler(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("trip_features.handler", None)
    return importlib.import_module("trip_features.handler")


class Context:
    aws_request_id = "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:t"

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


def test_transient_failures_are_retried_with_growing_backoff(handler, monkeypatch):
    calls, sleeps = [], []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise client_error("SlowDown", 503)
        return {"status": "processed"}

    monkeypatch.setattr(handler, "process_object", flaky)
    result = handler.process_with_retries(ObjectRef("b", "raw/k"), Context(), sleep=sleeps.append)
    assert result == {"status": "processed"} and len(calls) == 3
    base = handler.CONFIG.backoff_base_s
    assert base <= sleeps[0] < 2 * base and 2 * base <= sleeps[1] < 4 * base


def test_exhausted_retries_raise_so_lambda_retries_then_uses_its_destination(handler, monkeypatch):
    def always(*args, **kwargs):
        raise client_error("ServiceUnavailable", 503)

    monkeypatch.setattr(handler, "process_object", always)
    with pytest.raises(ClientError):
        handler.process_with_retries(ObjectRef("b", "raw/k"), Context(), sleep=lambda s: None)


def test_permanent_errors_are_not_retried(handler, monkeypatch):
    calls = []

    def truncated(*args, **kwargs):
        calls.append(1)
        raise TruncatedGzip("cut")

    monkeypatch.setattr(handler, "process_object", truncated)
    with pytest.raises(TruncatedGzip):
        handler.process_with_retries(ObjectRef("b", "raw/k"), Context(), sleep=lambda s: None)
    assert len(calls) == 1


def test_missing_powertools_settings_fail_the_cold_start(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")
    sys.modules.pop("trip_features.handler", None)
    # The class the handler will raise: other tests may have re-imported the package.
    config_error = importlib.import_module("trip_features.errors").ConfigError
    with pytest.raises(config_error, match="POWERTOOLS_METRICS_NAMESPACE"):
        importlib.import_module("trip_features.handler")
    sys.modules.pop("trip_features.handler", None)
