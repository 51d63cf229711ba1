"""Start, stop and inspect the local image registry that stands in for ECR's registry.

Debian's `docker-registry` (the CNCF distribution) runs with a config file written here:
it listens on 127.0.0.1:PORT only (the packaged config listens on :5000 on every
interface, so it is never used), keeps its storage in the state folder (default
`.state/registry-PORT`) and requires basic auth for user `AWS` from an htpasswd file with
a bcrypt entry, as ECR's registry accepts `AWS` + the authorization token's password.

The password is made once (random) and kept in `<state>/password` (mode 0600). The
embedded AWS learns it, with the registry's address and storage folder, through its admin
API (`connect`: POST /moto-api/config {"ecr_registry": ...}, see
emulator/extensions/ecr_registry.py), so ECR's GetAuthorizationToken hands out exactly
the password this registry accepts and ECR's image APIs report what it holds.

Every command prints one JSON object with `changed`, so Ansible reports honestly:
    python -m emulator.registry {start,stop,status} --port PORT [--state-dir DIR]
    python -m emulator.registry connect --port PORT --emulator http://127.0.0.1:4566
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from emulator.docker_engine import PROJECT_DIR, log_tail, read_pid, spawn, terminate

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
USERNAME = "AWS"  # the user name ECR's authorization token carries
BINARY = "/usr/bin/docker-registry"


@dataclass
class Registry:
    port: int = DEFAULT_PORT
    state_dir: Path | None = None
    host: str = DEFAULT_HOST
    username: str = USERNAME

    def __post_init__(self) -> None:
        if self.state_dir is None:
            self.state_dir = PROJECT_DIR / ".state" / f"registry-{self.port}"
        self.state_dir = Path(self.state_dir).resolve()

    @property
    def endpoint(self) -> str:
        """host:port, the registry part of an image reference."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    @property
    def storage(self) -> Path:
        return self.state_dir / "storage"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "registry.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "registry.log"

    @property
    def config_file(self) -> Path:
        return self.state_dir / "config.yml"

    @property
    def htpasswd_file(self) -> Path:
        return self.state_dir / "htpasswd"

    @property
    def password_file(self) -> Path:
        return self.state_dir / "password"

    @property
    def password(self) -> str:
        """The registry's password for `AWS`, made on first use and kept (0600)."""
        if not self.password_file.exists():
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
        return self.password_file.read_text().strip()


def _write_config(reg: Registry) -> None:
    reg.storage.mkdir(parents=True, exist_ok=True)
    # bcrypt entry (distribution accepts nothing else); password on stdin, never in argv.
    entry = subprocess.run(["htpasswd", "-niB", reg.username], input=reg.password, text=True,  # noqa: S603,S607
                           capture_output=True, check=True).stdout.strip()
    fd = os.open(reg.htpasswd_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(entry + "\n")
    config = {
        "version": 0.1,
        "log": {"level": "info", "fields": {"service": "registry"}},
        "storage": {"filesystem": {"rootdirectory": str(reg.storage)}, "delete": {"enabled": True}},
        "http": {"addr": reg.endpoint, "secret": secrets.token_hex(16)},
        "auth": {"htpasswd": {"realm": "ecr", "path": str(reg.htpasswd_file)}},
    }
    # JSON is YAML: no YAML writer needed.
    reg.config_file.write_text(json.dumps(config, indent=2) + "\n")


def healthy(reg: Registry, timeout: float = 1.0) -> bool:
    """The /v2/ base answers (401 without credentials: auth is on, as it must be)."""
    try:
        with urllib.request.urlopen(f"{reg.url}/v2/", timeout=timeout) as response:  # noqa: S310 (loopback URL we build)
            return response.status == 200
    except urllib.error.HTTPError as err:
        return err.code == 401
    except (urllib.error.URLError, OSError):
        return False


def status(reg: Registry) -> dict:
    pid = read_pid(reg.pid_file)
    return {"endpoint": reg.endpoint, "url": reg.url, "pid": pid, "username": reg.username,
            "running": pid is not None and healthy(reg), "storage": str(reg.storage),
            "password_file": str(reg.password_file), "log": str(reg.log_file)}


def start(reg: Registry, timeout: float = 30.0) -> dict:
    if not Path(BINARY).exists():
        raise RuntimeError(f"{BINARY} is missing (Debian: apt-get install -y docker-registry apache2-utils)")
    current = status(reg)
    if current["running"]:
        return {**current, "changed": False}
    if current["pid"] is not None:
        stop(reg)
    _write_config(reg)
    # Only what it needs from the environment: REGISTRY_* variables would override the config.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    proc = spawn([BINARY, "serve", str(reg.config_file)], reg.log_file, env=env)
    reg.pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            reg.pid_file.unlink(missing_ok=True)
            raise RuntimeError(f"registry exited with {proc.returncode} while starting (is port "
                               f"{reg.port} taken?); log {reg.log_file}:\n{log_tail(reg.log_file)}")
        if healthy(reg, timeout=0.5):
            return {**status(reg), "changed": True}
        time.sleep(0.1)
    stop(reg)
    raise RuntimeError(f"registry did not answer on {reg.url} within {timeout}s; see {reg.log_file}")


def stop(reg: Registry, timeout: float = 10.0) -> dict:
    pid = read_pid(reg.pid_file)
    if pid is not None:
        terminate(pid, timeout)
    reg.pid_file.unlink(missing_ok=True)
    return {"endpoint": reg.endpoint, "changed": pid is not None, "running": False}


def emulator_settings(reg: Registry) -> dict:
    """What the embedded AWS's ECR needs to tell the truth about this registry."""
    return {"endpoint": reg.endpoint, "username": reg.username, "password": reg.password,
            "storage": str(reg.storage)}


def connect(reg: Registry, emulator_admin: str) -> dict:
    """Point the embedded AWS's ECR at this registry (idempotent: compares first)."""
    if not emulator_admin.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"the emulator's admin API is on loopback HTTP, not {emulator_admin}")
    url = f"{emulator_admin}/moto-api/config"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (checked above)
        current = json.load(response).get("ecr_registry") or {}
    wanted = emulator_settings(reg)
    # The emulator reports a fingerprint of its password, never the password itself.
    from emulator.extensions.ecr_registry import fingerprint

    public = {k: v for k, v in wanted.items() if k != "password"}
    public["password_sha256"] = fingerprint(wanted["password"])
    if current == public:
        return {"endpoint": reg.endpoint, "emulator": emulator_admin, "changed": False}
    request = urllib.request.Request(url, method="POST", data=json.dumps({"ecr_registry": wanted}).encode(),  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (checked above)
        pass
    return {"endpoint": reg.endpoint, "emulator": emulator_admin, "changed": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.registry", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "connect"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("REGISTRY_PORT", DEFAULT_PORT)))
    parser.add_argument("--state-dir", default=os.environ.get("REGISTRY_STATE_DIR") or None)
    parser.add_argument("--emulator", help="the embedded AWS's admin endpoint (connect)")
    args = parser.parse_args(argv)
    reg = Registry(port=args.port, state_dir=args.state_dir)
    try:
        if args.command == "connect":
            if not args.emulator:
                parser.error("connect needs --emulator http://127.0.0.1:PORT")
            result = connect(reg, args.emulator)
        else:
            result = globals()[args.command](reg)
    except (RuntimeError, urllib.error.URLError, subprocess.CalledProcessError) as err:
        print(f"registry {args.command} failed: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
