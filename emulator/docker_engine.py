"""Start, stop and inspect a private Docker engine, and make the local base image.

The engine is `dockerd` on a unix socket in a state folder (default `.state/docker-engine`),
with its data, exec root and PID file there too. It always runs with the default bridge
off, iptables untouched and IP forwarding untouched: containers and builds use the host
network, so nothing ever takes a private subnet. It is stopped by the PID it wrote, never
by name; mounts an engine leaves behind under its folders (an nsfs mount of a network
namespace, an overlay) are unmounted on stop, so the folder can be deleted.

No image registry is reachable here, so the base image (Debian bookworm with python3 and
venv) is made locally: `debootstrap` once (about 50 s), kept as a tar under
`.state/base-image/` (built under a lock and renamed into place, so parallel test
workers share it safely), then `docker import`ed into whichever engine needs it.

Every command prints one JSON object with `changed`, so Ansible reports honestly:
    python -m emulator.docker_engine {start,stop,status,base-image} [--state-dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from emulator.launcher import _reaped  # one way to tell a dead child from a zombie

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = PROJECT_DIR / ".state" / "docker-engine"
BASE_IMAGE_CACHE = PROJECT_DIR / ".state" / "base-image"
BASE_IMAGE_NAME = "local/python-base:bookworm"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"
SUITE = "bookworm"


@dataclass
class Engine:
    state_dir: Path = DEFAULT_STATE_DIR

    def __post_init__(self) -> None:
        self.state_dir = Path(self.state_dir).resolve()

    @property
    def socket(self) -> Path:
        return self.state_dir / "docker.sock"

    @property
    def host(self) -> str:
        """What DOCKER_HOST (and the SDK's base_url) takes."""
        return f"unix://{self.socket}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "dockerd.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "dockerd.log"

    @property
    def argv(self) -> list[str]:
        # These flags are not optional: without them dockerd makes a bridge on a private
        # subnet, rewrites iptables and turns on the host's IP forwarding.
        return ["dockerd", "--bridge=none", "--iptables=false", "--ip6tables=false",
                "--ip-forward=false", "--host", self.host,
                "--data-root", str(self.state_dir / "data"),
                "--exec-root", str(self.state_dir / "exec"),
                "--pidfile", str(self.pid_file)]

    def client(self):
        import docker

        return docker.DockerClient(base_url=self.host, timeout=300)


# --- processes started by PID file (shared with emulator.registry) -------------------------

def read_pid(pid_file: Path) -> int | None:
    """The PID in `pid_file` if that process is alive, else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return None if _reaped(pid) else pid


def terminate(pid: int, timeout: float) -> None:
    """SIGTERM the process group `pid` leads (it was started in its own session), wait,
    then SIGKILL what is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _reaped(pid):
            return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def spawn(argv: list[str], log_file: Path, env: dict | None = None) -> subprocess.Popen:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        return subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env)


def log_tail(log_file: Path) -> str:
    try:
        return log_file.read_text(errors="replace")[-2000:]
    except FileNotFoundError:
        return ""


# --- the engine ------------------------------------------------------------------------------

def healthy(engine: Engine) -> bool:
    if not engine.socket.exists():
        return False
    try:
        return engine.client().ping()
    except Exception:  # noqa: BLE001 (any failure to answer means not healthy)
        return False


def status(engine: Engine) -> dict:
    pid = read_pid(engine.pid_file)
    return {"docker_host": engine.host, "socket": str(engine.socket), "pid": pid,
            "running": pid is not None and healthy(engine), "log": str(engine.log_file)}


def start(engine: Engine, timeout: float = 60.0) -> dict:
    current = status(engine)
    if current["running"]:
        return {**current, "changed": False}
    if current["pid"] is not None:
        stop(engine)  # alive but not answering: replace it
    if shutil.which("dockerd") is None:
        raise RuntimeError("dockerd is not installed (Debian: apt-get install -y docker.io)")
    engine.state_dir.mkdir(parents=True, exist_ok=True)
    engine.socket.unlink(missing_ok=True)
    proc = spawn(engine.argv, engine.log_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dockerd exited with {proc.returncode} while starting; "
                               f"log {engine.log_file}:\n{log_tail(engine.log_file)}")
        if healthy(engine):
            # dockerd writes its own PID file; the PID is also Popen's (we did not fork twice).
            if not engine.pid_file.exists():
                engine.pid_file.write_text(f"{proc.pid}\n")
            return {**status(engine), "changed": True}
        time.sleep(0.2)
    terminate(proc.pid, 10)
    raise RuntimeError(f"dockerd did not answer on {engine.socket} within {timeout}s; see {engine.log_file}")


def _mounts_under(root: Path) -> list[str]:
    """Mount points at or below `root`, deepest first (from /proc/self/mountinfo)."""
    found = []
    with contextlib.suppress(FileNotFoundError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4].encode().decode("unicode_escape")
            if point == str(root) or point.startswith(f"{root}/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def unmount_leftovers(root: Path) -> list[str]:
    """Unmount what a stopped engine left under `root` (nsfs, overlay, shm)."""
    points = _mounts_under(root)
    for point in points:
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)  # noqa: S603,S607
    return points


def stop(engine: Engine, timeout: float = 30.0) -> dict:
    pid = read_pid(engine.pid_file)
    if pid is not None:
        terminate(pid, timeout)
    leftovers = unmount_leftovers(engine.state_dir)
    engine.pid_file.unlink(missing_ok=True)
    return {"docker_host": engine.host, "changed": pid is not None, "running": False,
            "unmounted": leftovers}


# --- the base image --------------------------------------------------------------------------

def debian_mirror() -> str:
    """The Debian mirror apt already uses (deb822 or one-line sources), for debootstrap."""
    deb822 = Path("/etc/apt/sources.list.d/debian.sources")
    if deb822.exists():
        for stanza in deb822.read_text().split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.+)$", stanza, re.M))
            if SUITE in fields.get("Suites", "").split() and "URIs" in fields:
                return fields["URIs"].split()[0]
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        match = re.search(rf"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+{SUITE}\s", legacy.read_text(), re.M)
        if match:
            return match.group(1)
    return "http://deb.debian.org/debian"


def base_rootfs_tar(cache_dir: Path = BASE_IMAGE_CACHE) -> tuple[Path, bool]:
    """The base rootfs as a tar, made once with debootstrap; returns (path, made_now).

    Under an exclusive lock, and written to a temporary name then renamed, so concurrent
    callers (pytest-xdist workers) wait for one build instead of racing or reading half a tar.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    tar = cache_dir / f"python-base-{SUITE}.tar"
    if tar.exists():
        return tar, False
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is not installed (Debian: apt-get install -y debootstrap)")
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if tar.exists():  # another process made it while we waited
            return tar, False
        work = Path(tempfile.mkdtemp(prefix="rootfs-", dir=cache_dir))
        try:
            rootfs = work / "rootfs"
            subprocess.run(  # noqa: S603 (fixed argv)
                ["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", SUITE,  # noqa: S607
                 str(rootfs), debian_mirror()],
                check=True, capture_output=True)
            partial = work / "rootfs.tar"
            subprocess.run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."],  # noqa: S603,S607
                           check=True, capture_output=True)
            os.replace(partial, tar)
        except subprocess.CalledProcessError as err:
            raise RuntimeError(f"{err.cmd[0]} failed ({err.returncode}): "
                               f"{(err.stderr or b'').decode(errors='replace')[-2000:]}") from err
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return tar, True


def ensure_base_image(engine: Engine, name: str = BASE_IMAGE_NAME,
                      cache_dir: Path = BASE_IMAGE_CACHE) -> dict:
    """Import the cached rootfs tar into `engine` as `name`, unless it is there already."""
    import docker

    client = engine.client()
    try:
        image = client.images.get(name)
        return {"image": name, "id": image.id, "changed": False}
    except docker.errors.ImageNotFound:
        pass
    tar, made = base_rootfs_tar(cache_dir)
    repository, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "latest")
    client.api.import_image_from_file(str(tar), repository=repository, tag=tag)
    return {"image": name, "id": client.images.get(name).id, "changed": True, "rootfs_built": made,
            "rootfs_tar": str(tar)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.docker_engine", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "base-image"])
    parser.add_argument("--state-dir", default=os.environ.get("DOCKER_ENGINE_STATE_DIR") or DEFAULT_STATE_DIR)
    parser.add_argument("--image", default=BASE_IMAGE_NAME, help="base image name (base-image)")
    args = parser.parse_args(argv)
    engine = Engine(Path(args.state_dir))
    try:
        if args.command == "base-image":
            result = ensure_base_image(engine, args.image)
        else:
            result = globals()[args.command](engine)
    except RuntimeError as err:
        print(f"docker engine {args.command} failed: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
