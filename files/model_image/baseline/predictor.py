"""The reference's scoring service: Flask, pandas parsing each request, the pickled model."""

import io
import os

import flask
import joblib
import pandas as pd

MODEL_PATH = os.path.join(os.environ.get("MODEL_DIR", "/opt/ml/model"), "sklearn_estimator.joblib")


class ScoringService:
    model = None

    @classmethod
    def get_model(cls):
        if cls.model is None:
            cls.model = joblib.load(MODEL_PATH)  # the reference unpickles the trained estimator
        return cls.model

    @classmethod
    def predict(cls, frame):
        return cls.get_model().predict(frame.values)


app = flask.Flask(__name__)


@app.route("/ping", methods=["GET"])
def ping():
    health = ScoringService.get_model() is not None
    return flask.Response(response="\n", status=200 if health else 404, mimetype="application/json")


@app.route("/invocations", methods=["POST"])
def transformation():
    if flask.request.content_type != "text/csv":
        return flask.Response(response="This predictor only supports CSV data", status=415, mimetype="text/plain")
    data = flask.request.data.decode("utf-8")
    frame = pd.read_csv(io.StringIO(data), header=None)
    predictions = ScoringService.predict(frame)
    out = io.StringIO()
    pd.DataFrame({"results": predictions.round(1)}).to_csv(out, header=False, index=False)
    return flask.Response(response=out.getvalue(), status=200, mimetype="text/csv")
