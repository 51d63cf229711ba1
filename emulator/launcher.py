"""Start, stop and inspect the embedded AWS as a background process.

The process serves HTTP on `port` (moto's admin API: health, reset, config) and HTTPS on
`tls_port` (default port + 1), one shared state. Clients use HTTPS, as on AWS, so bucket
policies that require TLS (aws:SecureTransport) hold; they trust the certificate the
launcher makes in the state folder (`ca_bundle`). The process writes its PID, log and
certificate under that state folder (git-ignored, default `.state/emulator-<port>`), and is
stopped by that PID, never by name. Every command prints one JSON object, so Ansible can
compute `changed` honestly from it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566


@dataclass
class Instance:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    state_dir: Path | None = None
    tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    stock: bool = False  # plain moto, no extensions: only tests use it

    def __post_init__(self) -> None:
        if self.state_dir is None:
            self.state_dir = PROJECT_DIR / ".state" / f"emulator-{self.port}"
        self.state_dir = Path(self.state_dir)
        if self.tls_port is None:
            self.tls_port = self.port + 1
        if not (self.tls_cert and self.tls_key):
            self.tls_cert = str(self.state_dir / "tls" / "emulator-cert.pem")
            self.tls_key = str(self.state_dir / "tls" / "emulator-key.pem")

    @property
    def https_endpoint(self) -> str:
        return f"https://{self.host}:{self.tls_port}"

    @property
    def ca_bundle(self) -> str:
        """The certificate clients trust: it is self-signed, so it is its own CA."""
        return str(self.tls_cert)

    def ensure_certificate(self) -> None:
        if not (Path(self.tls_cert).exists() and Path(self.tls_key).exists()):
            from emulator.tls import self_signed

            files = self_signed(Path(self.tls_cert).parent)
            self.tls_cert, self.tls_key = files.cert, files.key

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "emulator.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "emulator.log"


def healthy(endpoint: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=timeout) as response:  # noqa: S310 (loopback URL we build)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _read_pid(inst: Instance) -> int | None:
    try:
        pid = int(inst.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def status(inst: Instance) -> dict:
    pid = _read_pid(inst)
    up = healthy(inst.endpoint)
    return {"endpoint": inst.endpoint, "https_endpoint": inst.https_endpoint, "ca_bundle": inst.ca_bundle,
            "running": up, "pid": pid, "managed": pid is not None, "log": str(inst.log_file)}


def start(inst: Instance, timeout: float = 30.0) -> dict:
    current = status(inst)
    if current["running"]:
        return {**current, "changed": False}
    if current["pid"] is not None:
        # Our process is alive but not answering: a hung emulator is replaced, not reused.
        stop(inst)
    inst.state_dir.mkdir(parents=True, exist_ok=True)
    inst.ensure_certificate()
    cmd = [sys.executable, "-m", "emulator", "serve", "--host", inst.host, "--port", str(inst.port),
           "--tls-port", str(inst.tls_port), "--tls-cert", str(inst.tls_cert), "--tls-key", str(inst.tls_key)]
    if inst.stock:
        cmd.append("--stock")
    with open(inst.log_file, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            cmd, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    inst.pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            inst.pid_file.unlink(missing_ok=True)
            tail = inst.log_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"emulator exited with {proc.returncode} while starting "
                               f"(is port {inst.port} taken?); log {inst.log_file}:\n{tail}")
        if healthy(inst.endpoint, timeout=0.5):
            return {**status(inst), "changed": True}
        time.sleep(0.1)
    stop(inst)
    raise RuntimeError(f"emulator did not answer on {inst.endpoint} within {timeout}s; "
                       f"see {inst.log_file}")


def stop(inst: Instance, timeout: float = 10.0) -> dict:
    pid = _read_pid(inst)
    if pid is None:
        inst.pid_file.unlink(missing_ok=True)
        return {"endpoint": inst.endpoint, "changed": False, "running": healthy(inst.endpoint)}
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _reaped(pid):
            break
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    inst.pid_file.unlink(missing_ok=True)
    return {"endpoint": inst.endpoint, "changed": True, "running": False}


def _reaped(pid: int) -> bool:
    """True once `pid` has exited, reaping it if it is our child (else a zombie looks alive)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return False


def _post(endpoint: str, path: str, body: bytes = b"", content_type: str = "application/json") -> None:
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP endpoint: {endpoint}")
    request = urllib.request.Request(f"{endpoint}{path}", method="POST", data=body,  # noqa: S310 (checked above)
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (checked above)
        pass


def reset(endpoint: str) -> None:
    """Forget every resource (moto's reset API)."""
    _post(endpoint, "/moto-api/reset")


def configure(endpoint: str, config: dict) -> None:
    """Set moto's runtime configuration (e.g. {"lambda": {"use_docker": False}})."""
    _post(endpoint, "/moto-api/config", json.dumps(config).encode())


def enforce_iam(endpoint: str) -> None:
    """From now on, authorise every request against IAM (moto's reset-auth with 0 free calls)."""
    _post(endpoint, "/moto-api/reset-auth", b"0", "text/plain")


def as_json(result: dict) -> str:
    return json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in result.items()},
                      sort_keys=True)


__all__ = ["Instance", "asdict", "configure", "enforce_iam", "healthy", "reset", "start", "status", "stop"]
