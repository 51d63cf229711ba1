"""Containers of the model image (built once per session by the `model_image` fixture of
tests/conftest.py, in the session's private engine)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import PROJECT_DIR, free_port

sys.path.insert(0, str(PROJECT_DIR / "files" / "model_image"))
import sample_data


def opt_ml(root: Path) -> Path:
    """An /opt/ml tree the image's unprivileged user (uid 10001) may write to."""
    for sub in ("model", "output", "input/data", "input/config"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    return root


def run_train(client, image: str, root: Path) -> tuple[int, str]:
    container = client.containers.run(image, ["train"], network_mode="host", detach=True,
                                      volumes={str(root): {"bind": "/opt/ml", "mode": "rw"}})
    try:
        status = container.wait(timeout=300)["StatusCode"]
        return status, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


@pytest.fixture(scope="session")
def trained(docker_engine, model_image, tmp_path_factory) -> Path:
    """/opt/ml after `train` on generated data (three files, two gzip)."""
    root = tmp_path_factory.mktemp("opt_ml")
    sample_data.write_channel(root / "input" / "data" / "train", rows=8000, seed=11, parts=3)
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text('{"max_iter": "150", "learning_rate": "0.15"}')
    status, logs = run_train(docker_engine.client, model_image, opt_ml(root))
    assert status == 0, logs
    return root


@dataclass
class Server:
    container: object
    url: str
    started_in_s: float


def start_server(client, image: str, model_dir: Path, **env: str) -> Server:
    port = free_port()
    began = time.monotonic()
    container = client.containers.run(
        image, ["serve"], network_mode="host", detach=True,
        environment={"SAGEMAKER_BIND_TO_PORT": str(port), **env},
        volumes={str(model_dir): {"bind": "/opt/ml/model", "mode": "ro"}})
    url = f"http://127.0.0.1:{port}"
    deadline = began + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/ping", timeout=1).status_code == 200:
                return Server(container, url, time.monotonic() - began)
        except requests.ConnectionError:
            pass
        container.reload()
        if container.status == "exited":
            break
        time.sleep(0.05)
    logs = container.logs().decode(errors="replace")
    container.remove(force=True)
    raise AssertionError(f"the server did not answer /ping: {logs[-2000:]}")


@pytest.fixture(scope="session")
def server(docker_engine, model_image, trained):
    srv = start_server(docker_engine.client, model_image, trained / "model",
                       SAGEMAKER_MODEL_SERVER_WORKERS="2")
    yield srv
    srv.container.remove(force=True)
