"""SageMaker's containers run for real: the local Docker engine behind training jobs and endpoints.

Gap: moto 5.2's SageMaker is a control plane only. Training jobs are records born
`Completed` (nothing runs, no artefact is written), endpoints are `InService` at once
with nothing behind them, and there is no setting that names a container runtime.

AWS (Amazon SageMaker Developer Guide, "Use your own training algorithms" and "Use your
own inference code with hosting services"): a training job runs the image's `train` with
`/opt/ml/input/data/<channel>`, `/opt/ml/input/config/*.json`, `/opt/ml/model` and
`/opt/ml/output`; an endpoint runs the image's `serve`, answering `GET /ping` and
`POST /invocations` on the port in `SAGEMAKER_BIND_TO_PORT` (8080 by default), with the
model artefact unpacked read-only at `/opt/ml/model`.

Here a local Docker engine (emulator/docker_engine.py) plays SageMaker's instances. This
module is the runtime the training-job and endpoint extensions share, configured through
moto's admin API: `POST /moto-api/config {"sagemaker_containers": {"docker_host":
"unix:///.../docker.sock", "ping_timeout_seconds": 60, "work_dir": "/tmp"}}`
(`{"sagemaker_containers": null}` disconnects; GET shows the settings). Images are pulled
from ECR's registry (emulator/extensions/ecr_registry.py) with its credentials when the
engine lacks them. Every container runs with the host network (no docker network is ever
made) on loopback ports, and carries the labels `org.mlops-estate.sagemaker` (its kind)
and `org.mlops-estate.emulator-pid` (this emulator process), so a reset, the emulator's
exit and tests remove exactly the containers this emulator started.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import shutil
import socket
import tarfile
import tempfile
import threading
from pathlib import Path

from moto.moto_api._internal.models import MotoAPIBackend

_MARK = "_project_sagemaker_containers"
KIND_LABEL = "org.mlops-estate.sagemaker"
OWNER_LABEL = "org.mlops-estate.emulator-pid"
DEFAULTS = {"ping_timeout_seconds": 60, "work_dir": None}
_settings: dict = {}
_lock = threading.Lock()


class RuntimeUnavailable(Exception):
    """No Docker engine is configured, or it does not answer: the job or endpoint fails with this."""


def settings() -> dict:
    with _lock:
        return dict(_settings)


def configure(value: dict | None) -> None:
    with _lock:
        _settings.clear()
        if value:
            if not value.get("docker_host"):
                raise ValueError("sagemaker_containers needs docker_host (unix:///path/to/docker.sock)")
            _settings.update({**DEFAULTS, **value})


def owner() -> str:
    return str(os.getpid())


def client():
    current = settings()
    if not current:
        raise RuntimeUnavailable("the emulator has no Docker engine for SageMaker containers: configure one with "
                                 'POST /moto-api/config {"sagemaker_containers": {"docker_host": "unix://..."}}')
    import docker

    try:
        engine = docker.DockerClient(base_url=current["docker_host"], timeout=120)
        engine.ping()
    except Exception as err:
        raise RuntimeUnavailable(f"the Docker engine at {current['docker_host']} does not answer: {err}") from err
    return engine


def ensure_image(engine, image: str) -> None:
    """Have `image` in the engine: pull it from ECR's registry (its credentials) when missing."""
    import docker

    try:
        engine.images.get(image)
        return
    except docker.errors.ImageNotFound:
        pass
    auth = None
    from emulator.extensions import ecr_registry

    registry = ecr_registry.settings()
    if registry and image.startswith(registry["endpoint"] + "/"):
        auth = {"username": registry["username"], "password": registry["password"]}
    try:
        engine.images.pull(image, auth_config=auth)
    except docker.errors.APIError as err:
        raise RuntimeUnavailable(f"could not pull {image}: {err.explanation or err}") from err


def labels(kind: str, **extra: str) -> dict[str, str]:
    return {KIND_LABEL: kind, OWNER_LABEL: owner(), **{f"{KIND_LABEL}.{k}": v for k, v in extra.items()}}


def remove_containers(**match: str) -> int:
    """Remove (kill) this emulator's containers whose labels match `match`; returns how many."""
    current = settings()
    if not current:
        return 0
    try:
        engine = client()
    except RuntimeUnavailable:
        return 0
    wanted = [f"{OWNER_LABEL}={owner()}", *(f"{KIND_LABEL}.{k}={v}" for k, v in match.items())]
    removed = 0
    for container in engine.containers.list(all=True, filters={"label": wanted}):
        with contextlib.suppress(Exception):
            container.remove(force=True)
            removed += 1
    return removed


def work_dir(prefix: str) -> Path:
    """A private folder for one job or one container's files, readable by any container user."""
    base = settings().get("work_dir") or None
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o755)
    return path


def open_tree(root: Path, writable: bool = False) -> None:
    """Let the image's (unprivileged) user read, or also write, what the emulator (root) made."""
    dir_mode, file_mode = (0o777, 0o666) if writable else (0o755, 0o644)
    root.chmod(dir_mode)
    for path in root.rglob("*"):
        path.chmod(dir_mode if path.is_dir() else file_mode)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(container, lines: int = 20) -> str:
    with contextlib.suppress(Exception):
        return container.logs(tail=lines).decode(errors="replace").strip()
    return ""


# --- the emulator's S3, in-process -------------------------------------------------------

def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _s3(account_id: str):
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def s3_keys(account_id: str, uri: str) -> list[str]:
    """Keys under an S3 prefix URI (S3Prefix semantics), in key order."""
    bucket, prefix = split_s3_uri(uri)
    store = _s3(account_id).get_bucket(bucket)
    return sorted(k for k in list(store.keys.keys()) if k.startswith(prefix) and not k.endswith("/"))


def s3_get(account_id: str, uri: str) -> bytes:
    bucket, key = split_s3_uri(uri)
    found = _s3(account_id).get_object(bucket, key)
    if found is None:
        raise FileNotFoundError(f"{uri} does not exist")
    return found.value


def s3_put(account_id: str, uri: str, body: bytes) -> None:
    bucket, key = split_s3_uri(uri)
    _s3(account_id).put_object(bucket, key, body)


def unpack_model(data: bytes, target: Path) -> None:
    """A model.tar.gz, unpacked as SageMaker does into /opt/ml/model (no links, no escapes)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        archive.extractall(target, filter="data")


def pack_model(source: Path) -> bytes:
    """/opt/ml/model -> model.tar.gz (members relative to the folder, as SageMaker packs them)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for path in sorted(source.rglob("*")):
            archive.add(path, arcname=path.relative_to(source).as_posix(), recursive=False)
    return out.getvalue()


def remove_tree(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def apply() -> None:
    if getattr(MotoAPIBackend, _MARK, False):
        return
    original_set_config = MotoAPIBackend.set_config
    original_get_config = MotoAPIBackend.get_config

    def set_config(self, config: dict) -> None:
        original_set_config(self, config)
        if "sagemaker_containers" in config:
            configure(config["sagemaker_containers"])

    def get_config(self) -> dict:
        return {**original_get_config(self), "sagemaker_containers": settings() or None}

    MotoAPIBackend.set_config = set_config
    MotoAPIBackend.get_config = get_config
    # Containers outlive nothing: a reset forgets the jobs and endpoints, and the emulator's
    # exit ends it, so their containers go too.
    from moto.sagemaker.models import SageMakerModelBackend

    original_reset = SageMakerModelBackend.reset

    def reset(self) -> None:
        # Only a backend that ran something asks the engine (a reset visits every region).
        if getattr(self, "training_jobs", None) or getattr(self, "endpoints", None):
            remove_containers()
        original_reset(self)

    SageMakerModelBackend.reset = reset
    atexit.register(remove_containers)
    setattr(MotoAPIBackend, _MARK, True)
