"""`serve`'s request handling without Docker or sockets: the parsers, and the ASGI app
called in-process with a real trained model (the image's own libraries, unpacked)."""

import asyncio
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
from eta_model import app as app_module  # noqa: E402
from eta_model import payload, train  # noqa: E402
from eta_model.features import FEATURES, PROCESSED_LAYOUT  # noqa: E402

RECORD = {"pickup_hour": 8, "pickup_dow": 0, "is_weekend": 0, "is_rush_hour": 1, "pickup_zone": 161,
          "dropoff_zone": 236, "same_zone": 0, "airport_trip": 0, "passenger_count": 1, "trip_distance_m": 2500}
ROW = ",".join(str(RECORD[f]) for f in FEATURES)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("opt_ml")
    sample_data.write_channel(root / "input" / "data" / "train", rows=3000, seed=5, parts=1)
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text('{"max_iter": "40"}')
    assert train.main(root) == 0
    return root / "model"


@pytest.fixture(scope="module")
def service(model_dir):
    return app_module.Service(model_dir, max_payload_bytes=64 * 1024, max_records=500)


def call(service, method, path, body=b"", **headers):
    """One request through the ASGI app, as uvicorn would make it -> (status, headers, body)."""
    app = app_module.create_app(service)
    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]}
    incoming = [{"type": "http.request", "body": body[i:i + 1000], "more_body": i + 1000 < len(body)}
                for i in range(0, max(len(body), 1), 1000)]
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_csv_json_and_processed_layout_give_the_same_prediction(service):
    processed = f"T1,2024-01-01T08:00:00Z,{ROW},999"  # the Lambda's 13 columns: id, time ... label
    header = "trip_id," + ",".join(reversed(FEATURES)) + "\nX," + ",".join(str(RECORD[f]) for f in reversed(FEATURES))
    bodies = [("text/csv", ROW), ("text/csv", processed), ("text/csv", header),
              ("application/json", json.dumps(RECORD)), ("application/json", json.dumps([RECORD])),
              ("application/json", json.dumps({"instances": [[RECORD[f] for f in FEATURES]]}))]
    answers = set()
    for ctype, body in bodies:
        status, headers, out = call(service, "POST", "/invocations", body.encode(), content_type=ctype)
        assert status == 200, out
        assert headers[b"content-type"] == b"application/json"
        answers.add(tuple(json.loads(out)["predictions"]))
    assert len(answers) == 1 and len(next(iter(answers))) == 1
    assert 60 < next(iter(answers))[0] < 14400


def test_a_batch_answers_one_prediction_per_record_in_order(service, model_dir):
    data = sample_data.processed_csv(300, seed=9).decode().splitlines()[1:]
    status, headers, out = call(service, "POST", "/invocations", "\n".join(data).encode(),
                                content_type="text/csv", accept="text/csv")
    assert status == 200 and headers[b"content-type"] == b"text/csv"
    got = np.array([float(v) for v in out.decode().split()])
    x = np.array([[float(r.split(",")[PROCESSED_LAYOUT.index(f)]) for f in FEATURES] for r in data])
    np.testing.assert_allclose(got, np.round(service.trees.predict(x), 1))
    assert len(got) == 300


def test_missing_values_are_allowed_and_named_fields_required(service):
    status, _, _ = call(service, "POST", "/invocations", json.dumps({**RECORD, "passenger_count": None}).encode(),
                        content_type="application/json")
    assert status == 200
    status, _, out = call(service, "POST", "/invocations", ROW.replace(",1,2500", ",,2500").encode(),
                          content_type="text/csv")
    assert status == 200, out
    record = dict(RECORD)
    del record["pickup_zone"]
    status, _, out = call(service, "POST", "/invocations", json.dumps([RECORD, record]).encode(),
                          content_type="application/json")
    assert status == 400
    assert json.loads(out)["problems"] == [{"row": 2, "field": "pickup_zone", "message": "is absent"}]


@pytest.mark.parametrize(("ctype", "body", "message"), [
    ("text/csv", f"{ROW}\n{ROW.replace('161', 'abc')}", "row 2, field pickup_zone: 'abc' is not a number"),
    ("text/csv", f"{ROW}\n{ROW}\n{ROW.replace('2500', '9999999')}",
     "row 3, field trip_distance_m: 1e+07 is outside 50-300000"),
    ("text/csv", f"{ROW}\n{ROW},7", "row 2: 11 fields, expected 10"),
    ("text/csv", "1,2,3", "row 1: 3 fields"),
    ("text/csv", "pickup_hour,pickup_zone\n1,2", "the CSV header lacks field(s)"),
    ("application/json", json.dumps({**RECORD, "pickup_dow": "monday"}), "row 1, field pickup_dow: 'monday' is not"),
    ("application/json", json.dumps({**RECORD, "is_weekend": True}), "row 1, field is_weekend: 'True' is not"),
    ("application/json", json.dumps([RECORD, {**RECORD, "pickup_hour": 24}]), "row 2, field pickup_hour: 24 is out"),
    ("application/json", "{\"pickup_hour\": 8", "the body is not valid JSON"),
    ("application/json", "[]", "expected a JSON object"),
])
def test_malformed_input_is_a_400_naming_row_and_field(service, ctype, body, message):
    status, _, out = call(service, "POST", "/invocations", body.encode(), content_type=ctype)
    assert status == 400
    error = json.loads(out)["error"]
    assert error.startswith(message), error
    assert "Traceback" not in error


def test_limits_and_unsupported_media_types(service):
    status, _, out = call(service, "POST", "/invocations", b"x" * 70_000, content_type="text/csv")
    assert status == 413 and b"65536-byte limit" in out
    status, _, out = call(service, "POST", "/invocations", b"1", content_type="text/csv",
                          content_length=str(10**9))
    assert status == 413
    status, _, out = call(service, "POST", "/invocations", "\n".join([ROW] * 501).encode(), content_type="text/csv")
    assert status == 413 and b"501 records; at most 500" in out
    assert call(service, "POST", "/invocations", b"x", content_type="application/xml")[0] == 415
    assert call(service, "POST", "/invocations", ROW.encode(), content_type="text/csv", accept="image/png")[0] == 406
    assert call(service, "GET", "/invocations")[0] == 405
    assert call(service, "GET", "/nope")[0] == 404
    assert call(service, "GET", "/ping")[:1] == (200,)


def test_an_internal_error_is_a_500_without_the_trace(service, monkeypatch, caplog):
    # A fault cannot be provoked through valid input, so the model's predict is made to raise.
    def broken(_x):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(service.trees.__class__, "predict", lambda self, x: broken(x))
    status, _, out = call(service, "POST", "/invocations", ROW.encode(), content_type="text/csv")
    assert status == 500
    assert b"secret detail" not in out and b"Traceback" not in out and b"incident" in out
    assert "secret detail" in caplog.text   # the operator still gets the details, in the log


def test_a_model_from_another_feature_set_is_refused(model_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="train first"):
        app_module.Service(tmp_path, 1024, 10)
    with np.load(model_dir / "model.npz") as data:
        arrays = dict(data)
    arrays["features"] = np.array(["a", "b"])
    np.savez(tmp_path / "model.npz", **arrays)
    with pytest.raises(ValueError, match="was trained on"):
        app_module.Service(tmp_path, 1024, 10)


def test_accept_negotiation():
    assert payload.response_type("") == "application/json"
    assert payload.response_type("text/csv;q=1, application/json") == "text/csv"
    assert payload.response_type("*/*") == "application/json"
