"""The model image in a real Docker engine: built from the local base, `train` on
generated data, `serve` on what it trained, failure and SIGTERM behaviour."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.conftest import MODEL_IMAGE_SOURCE_URL as SOURCE_URL
from tests.container.conftest import opt_ml, run_train, start_server

RECORD = {"pickup_hour": 17, "pickup_dow": 2, "is_weekend": 0, "is_rush_hour": 1, "pickup_zone": 161,
          "dropoff_zone": 236, "same_zone": 0, "airport_trip": 0, "passenger_count": 1, "trip_distance_m": 3200}
ROW = "17,2,0,1,161,236,0,0,1,3200"
pytestmark = pytest.mark.slow   # a Docker engine, an image build, containers


def test_image_metadata_user_and_contents(docker_engine, model_image, vcs_ref):
    image = docker_engine.client.images.get(model_image)
    config = image.attrs["Config"]
    assert config["Labels"]["org.opencontainers.image.source"] == SOURCE_URL
    assert config["Labels"]["org.opencontainers.image.revision"] == vcs_ref
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["/opt/venv/bin/python", "-m", "eta_model"] and config["Cmd"] == ["serve"]
    # no compiler, no pip, no wheelhouse in the final image; the venv imports what serve and train need
    probe = ("import shutil, importlib.util as u, pathlib as p;"
             "print(sorted(c for c in ('gcc','cc','g++','clang','make','pip') if shutil.which(c)),"
             "[m for m in ('sklearn','uvicorn','uvloop','httptools','orjson','pandas','pip') if u.find_spec(m)],"
             "p.Path('/build').exists())")
    out = docker_engine.client.containers.run(model_image, ["-c", probe], entrypoint="/opt/venv/bin/python",
                                              network_mode="host", remove=True).decode().strip()
    assert out == "[] ['sklearn', 'uvicorn', 'uvloop', 'httptools', 'orjson'] False", out


def test_train_writes_model_reports_and_statistics(trained):
    model = trained / "model"
    names = {p.name for p in model.iterdir()}
    assert {"model.npz", "model.json", "evaluation.json", "baseline_statistics.json"} <= names
    report = json.loads((model / "evaluation.json").read_text())
    assert report["beats_baseline"] is True
    assert report["regression_metrics"]["mae"]["value"] < report["baseline"]["regression_metrics"]["mae"]["value"]
    assert report["training"]["files"] == 3
    stats = json.loads((model / "baseline_statistics.json").read_text())
    assert stats["features"]["trip_distance_m"]["histogram"]["counts"]
    assert stats["features"]["pickup_zone"]["value_counts"]
    assert not (trained / "output" / "failure").exists()


def test_ping_and_invocations_in_csv_and_json(server):
    assert requests.get(f"{server.url}/ping", timeout=5).status_code == 200
    csv = requests.post(f"{server.url}/invocations", data=ROW, headers={"Content-Type": "text/csv"}, timeout=5)
    assert csv.status_code == 200 and csv.headers["Content-Type"] == "application/json"
    one = csv.json()["predictions"]
    as_json = requests.post(f"{server.url}/invocations", json=RECORD, timeout=5)
    assert as_json.json()["predictions"] == one and len(one) == 1 and 60 <= one[0] <= 14400
    as_csv = requests.post(f"{server.url}/invocations", data=ROW,
                           headers={"Content-Type": "text/csv", "Accept": "text/csv"}, timeout=5)
    assert as_csv.headers["Content-Type"] == "text/csv" and float(as_csv.text) == one[0]


def test_a_batch_of_thousands(server):
    from sample_data import processed_csv

    body = processed_csv(3000, seed=99)   # the Lambda's own output, header and all
    answer = requests.post(f"{server.url}/invocations", data=body, headers={"Content-Type": "text/csv"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["predictions"]) == body.count(b"\n") - 1


def test_malformed_input_names_row_and_field_without_a_trace(server):
    bad = f"{ROW}\n{ROW.replace('161', '16x')}"
    answer = requests.post(f"{server.url}/invocations", data=bad, headers={"Content-Type": "text/csv"}, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["problems"][0] == {"row": 2, "field": "pickup_zone", "message": "'16x' is not a number"}
    answer = requests.post(f"{server.url}/invocations", json=[RECORD, {**RECORD, "passenger_count": 12}], timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("row 2, field passenger_count: 12 is outside")
    answer = requests.post(f"{server.url}/invocations", data=b"{not json", timeout=5,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "Traceback" not in answer.text and "File \"" not in answer.text


def test_a_body_over_6_mb_is_a_413(server):
    body = (ROW + "\n").encode() * (6 * 1024 * 1024 // len(ROW) + 10)
    answer = requests.post(f"{server.url}/invocations", data=body, headers={"Content-Type": "text/csv"}, timeout=30)
    assert answer.status_code == 413 and "limit" in answer.json()["error"]


def test_worker_count_follows_sagemaker_env(server):
    processes = server.container.top(ps_args="-eo pid,args")["Processes"]
    workers = [p for p in processes if "multiprocessing" in p[-1]]
    assert len([w for w in workers if "spawn_main" in w[-1]]) == 2, processes


def test_sigterm_stops_cleanly(docker_engine, model_image, trained):
    srv = start_server(docker_engine.client, model_image, trained / "model", SAGEMAKER_MODEL_SERVER_WORKERS="2")
    try:
        began = time.monotonic()
        srv.container.stop(timeout=10)   # SIGTERM, then SIGKILL (exit 137) after 10 s
        stopped_in = time.monotonic() - began
        srv.container.reload()
        assert srv.container.attrs["State"]["ExitCode"] == 0, (stopped_in, srv.container.logs()[-2000:])
        print(f"started in {srv.started_in_s:.2f} s, stopped in {stopped_in:.2f} s")
    finally:
        srv.container.remove(force=True)


def test_a_failing_train_writes_the_reason_and_exits_non_zero(docker_engine, model_image, tmp_path):
    channel = tmp_path / "input" / "data" / "train"
    channel.mkdir(parents=True)
    (channel / "part-0.csv").write_text("pickup_hour,duration_s\n1,300\n")
    root = opt_ml(tmp_path)
    status, logs = run_train(docker_engine.client, model_image, root)
    assert status != 0, logs
    failure = (root / "output" / "failure").read_text()
    assert "part-0.csv: header lacks column(s)" in failure and "pickup_zone" in failure
    assert not (root / "model" / "model.npz").exists()


def test_serve_without_a_model_stops_with_the_reason(docker_engine, model_image, tmp_path):
    empty = opt_ml(tmp_path) / "model"
    container = docker_engine.client.containers.run(model_image, ["serve"], network_mode="host", detach=True,
                                                    volumes={str(empty): {"bind": "/opt/ml/model", "mode": "ro"}})
    try:
        assert container.wait(timeout=30)["StatusCode"] == 1
        assert b"model.npz does not exist" in container.logs()
    finally:
        container.remove(force=True)
