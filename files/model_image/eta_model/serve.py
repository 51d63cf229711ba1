"""`serve`: SageMaker's inference contract on uvicorn (uvloop + httptools), N worker processes.

Environment (as SageMaker sets it):
  SAGEMAKER_BIND_TO_PORT          port (default 8080)
  SAGEMAKER_MODEL_SERVER_WORKERS  worker processes (default: the CPUs this container may use)
  SAGEMAKER_MAX_PAYLOAD_IN_MB     request body limit (default 6, SageMaker's real-time limit) -> 413
  ETA_MAX_RECORDS                 records per request (default 10000) -> 413
The model at /opt/ml/model is loaded once per worker, at start; the parent loads it first,
so a missing or incompatible model stops the container with the reason, before any port opens.
SIGTERM: stop accepting, finish in-flight requests (at most 5 s), exit 0.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MODEL_DIR = Path(os.environ.get("ETA_OPT_ML", "/opt/ml")) / "model"


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"serve: {name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise SystemExit(f"serve: {name}={value} must be {low}-{high}")
    return value


def settings() -> dict:
    cpus = len(os.sched_getaffinity(0))
    return {"port": _int_env("SAGEMAKER_BIND_TO_PORT", 8080, 1, 65535),
            "workers": _int_env("SAGEMAKER_MODEL_SERVER_WORKERS", cpus, 1, 64),
            "max_payload_bytes": _int_env("SAGEMAKER_MAX_PAYLOAD_IN_MB", 6, 1, 100) * 1024 * 1024,
            "max_records": _int_env("ETA_MAX_RECORDS", 10_000, 1, 1_000_000)}


def create_app():
    """The worker's app (uvicorn's factory): loads the model once, in this process."""
    from eta_model.app import Service, configure_logging, create_app

    configure_logging()
    s = settings()
    return create_app(Service(MODEL_DIR, s["max_payload_bytes"], s["max_records"]))


def main() -> int:
    import uvicorn

    from eta_model.app import Service

    s = settings()
    try:
        Service(MODEL_DIR, s["max_payload_bytes"], s["max_records"])
    except (OSError, ValueError, KeyError) as err:
        print(f"serve: cannot load the model: {err}", file=sys.stderr)
        return 1
    uvicorn.run("eta_model.serve:create_app", factory=True, host="0.0.0.0", port=s["port"],  # noqa: S104 - a container's port
                workers=s["workers"], loop="uvloop", http="httptools", lifespan="on", access_log=False,
                timeout_graceful_shutdown=5, log_level="warning", backlog=2048)
    return 0
