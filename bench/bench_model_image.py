#!/usr/bin/env python3
"""Benchmark: the model image's server against AWS's reference serving stack.

Same model (one `train` run of our image; the baseline unpickles the estimator that run
wrote), same machine, the load generator (`wrk`) on loopback, containers on the host
network. The baseline is built like AWS's scikit_bring_your_own container: nginx ->
gunicorn sync workers -> Flask, pandas parsing each request, the estimator's predict
(files/model_image/baseline/). Both answer text/csv (the only type the reference takes).
The machine is shared, so both servers stay up and every load run alternates between
them (3 rounds by default); each figure is the median of its rounds, errors the sum.

Measured, for 1-record and 100-record CSV requests at 64 connections: requests/s,
p50/p99 latency, errors (socket errors + non-2xx); and the time from `docker run` to a
healthy /ping (median of 3), and image sizes. Goals: >= 3x the baseline's requests/s on
single records, p99 <= 1/3 of the baseline's, zero errors, start < 2 s.

    python bench/bench_model_image.py                  # quick: 3 alternating 10-s runs each
    python bench/bench_model_image.py --duration 60    # the documented figures (60-s runs)
    python bench/bench_model_image.py --docker-host unix:///path/docker.sock  # reuse an engine

Without --docker-host it starts a private engine (no bridge, host network) and stops it.
The baseline's base image (Debian bookworm + python3 + nginx) is made with debootstrap
once and cached under .state/model_image/bench/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "files" / "model_image"))
import build_context  # noqa: E402
import sample_data  # noqa: E402

from emulator import docker_engine as engines  # noqa: E402

CACHE = ROOT / ".state" / "model_image" / "bench"
BASELINE_DIR = ROOT / "files" / "model_image" / "baseline"
BASELINE_SOURCES = ("Dockerfile", "requirements.txt", "predictor.py", "wsgi.py", "nginx.conf", "serve")
NGINX_BASE = "local/python-nginx-base:bookworm"
OURS, BASELINE = "local/eta-model:bench", "local/eta-model-baseline:bench"
LUA = """
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/csv"
wrk.headers["Accept"] = "text/csv"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_base(client) -> str:
    """Debian bookworm minbase + python3 + nginx, debootstrapped once (cached as a tar)."""
    with contextlib.suppress(Exception):
        client.images.get(NGINX_BASE)
        return NGINX_BASE
    CACHE.mkdir(parents=True, exist_ok=True)
    tar = CACHE / "python-nginx-bookworm.tar"
    if not tar.exists():
        work = Path(tempfile.mkdtemp(prefix="rootfs-", dir=CACHE))
        try:
            subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates,"
                            "nginx-light", "bookworm", str(work / "rootfs"), engines.debian_mirror()],
                           check=True, capture_output=True)
            subprocess.run(["tar", "--numeric-owner", "-C", str(work / "rootfs"), "-cf", str(work / "r.tar"), "."],
                           check=True, capture_output=True)
            (work / "r.tar").rename(tar)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    repository, _, tag = NGINX_BASE.rpartition(":")
    client.api.import_image_from_file(str(tar), repository=repository, tag=tag)
    return NGINX_BASE


def build(client, context: dict, tag: str, base: str) -> None:
    client.images.build(path=context["context"], tag=tag, network_mode="host", rm=True, forcerm=True,
                        buildargs={"BASE_IMAGE": base, "VCS_REF": "bench", "SOURCE_URL": "bench"})


def train(client, work: Path) -> dict:
    root = work / "opt_ml"
    sample_data.write_channel(root / "input" / "data" / "train", rows=30_000, seed=21, parts=2)
    for sub in ("model", "output", "input/config"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    container = client.containers.run(OURS, ["train"], network_mode="host", detach=True,
                                      volumes={str(root): {"bind": "/opt/ml", "mode": "rw"}})
    status = container.wait(timeout=600)["StatusCode"]
    logs = container.logs().decode(errors="replace")
    container.remove(force=True)
    if status:
        raise SystemExit(f"train failed: {logs[-2000:]}")
    return json.loads((root / "model" / "evaluation.json").read_text())


def start(client, image: str, model_dir: Path) -> tuple[object, str, float]:
    port = free_port()
    began = time.monotonic()
    container = client.containers.run(image, ["serve"], network_mode="host", detach=True,
                                      environment={"SAGEMAKER_BIND_TO_PORT": str(port)},
                                      volumes={str(model_dir): {"bind": "/opt/ml/model", "mode": "ro"}})
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() - began < 60:
        # the reference loads its model on the first /ping: wait for that answer, it is its start
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{url}/ping", timeout=60).status_code == 200:
                return container, url, time.monotonic() - began
        time.sleep(0.02)
    logs = container.logs().decode(errors="replace")
    container.remove(force=True)
    raise SystemExit(f"{image} never answered /ping: {logs[-2000:]}")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, body: Path, seconds: int, connections: int, work: Path) -> dict:
    script = work / "post.lua"
    script.write_text(LUA)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-s", str(script), f"{url}/invocations"], capture_output=True, text=True, check=True,
                         env={"BENCH_BODY": str(body), "PATH": "/usr/bin:/bin"}).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"unexpected wrk output:\n{out}")
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": _ms(latency["50"]), "p99_ms": _ms(latency["99"]),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "errors": (sum(map(int, sock.groups())) if sock else 0) + (int(non2xx.group(1)) if non2xx else 0)}


def measure(client, images: dict[str, str], model_dir: Path, bodies: dict, seconds: int, rounds: int,
            work: Path) -> dict:
    """Both servers up at once (an idle one costs nothing); every load run alternates
    between them, `rounds` times, so a change in the machine's other load hits both alike.
    Each figure is the median over the rounds; errors are summed."""
    results, servers = {}, {}
    try:
        for name, image in images.items():
            starts = []
            for _ in range(3):
                container, _url, took = start(client, image, model_dir)
                starts.append(took)
                container.remove(force=True)
            servers[name] = start(client, image, model_dir)[:2]
            sample = requests.post(f"{servers[name][1]}/invocations", data=bodies[100].read_bytes(), timeout=30,
                                   headers={"Content-Type": "text/csv", "Accept": "text/csv"})
            results[name] = {"start_s": statistics.median(starts),
                             "size_mb": client.images.get(image).attrs["Size"] / 1e6,
                             "sample": [float(v) for v in sample.text.split()]}
        for n, body in bodies.items():
            runs: dict[str, list[dict]] = {name: [] for name in images}
            for _ in range(rounds):
                for name in images:
                    runs[name].append(wrk(servers[name][1], body, seconds, 64, work))
            for name, got in runs.items():
                results[name][n] = {key: statistics.median(r[key] for r in got) for key in ("rps", "p50_ms", "p99_ms")}
                results[name][n]["errors"] = sum(r["errors"] for r in got)
                results[name][n]["requests"] = sum(r["requests"] for r in got)
    finally:
        for container, _url in servers.values():
            container.remove(force=True)
    return results


def table(ours: dict, base: dict, seconds: int, rounds: int) -> str:
    rows = [("metric", "ours", "baseline", "ours/baseline")]
    for n in (1, 100):
        for key, label in (("rps", "requests/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("errors", "errors")):
            a, b = ours[n][key], base[n][key]
            ratio = f"{a / b:.2f}x" if b else "-"
            rows.append((f"{n:>3} record(s): {label}", f"{a:,.1f}", f"{b:,.1f}", ratio))
    rows.append(("start to healthy /ping s", f"{ours['start_s']:.2f}", f"{base['start_s']:.2f}",
                 f"{ours['start_s'] / base['start_s']:.2f}x"))
    rows.append(("image size MB", f"{ours['size_mb']:.0f}", f"{base['size_mb']:.0f}",
                 f"{ours['size_mb'] / base['size_mb']:.2f}x"))
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, width, strict=True)))
             for r in rows]
    goals = [
        ("1-record requests/s >= 3x baseline", ours[1]["rps"] >= 3 * base[1]["rps"]),
        ("1-record p99 <= 1/3 of baseline", ours[1]["p99_ms"] * 3 <= base[1]["p99_ms"]),
        ("zero errors (ours, every run)", ours[1]["errors"] == ours[100]["errors"] == 0),
        ("start to healthy /ping < 2 s", ours["start_s"] < 2),
    ]
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    head = (f"model image serving: medians of {rounds} alternating {seconds}-s runs, 64 connections, wrk on "
            "loopback; baseline = "
            f"nginx -> gunicorn sync -> Flask + pandas; {os.cpu_count()} CPUs, load average {load}")
    return "\n".join([head, *lines, *(f"goal {'met    ' if ok else 'NOT MET'}  {name}" for name, ok in goals)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (60 for the docs)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per server and request size")
    parser.add_argument("--docker-host", help="an engine to use (default: start a private one)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench-model-image-"))
    engine = None
    try:
        if args.docker_host:
            import docker

            client = docker.DockerClient(base_url=args.docker_host)
        else:
            engine = engines.Engine(work / "engine")
            engines.start(engine)
            client = engine.client()
        base = engines.ensure_base_image(engine)["image"] if engine else engines.BASE_IMAGE_NAME
        build(client, build_context.assemble(work / "ours"), OURS, base)
        build(client, build_context.assemble(work / "baseline", source=BASELINE_DIR, sources=BASELINE_SOURCES),
              BASELINE, nginx_base(client))
        evaluation = train(client, work)
        model_dir = work / "opt_ml" / "model"
        data = sample_data.processed_csv(200, seed=5).decode().splitlines()[1:]
        rows = [",".join(r.split(",")[2:12]) for r in data]   # the model's 10 features, no header
        bodies = {}
        for n in (1, 100):
            bodies[n] = work / f"body-{n}.csv"
            bodies[n].write_text("\n".join(rows[:n]) + "\n")
        measured = measure(client, {"ours": OURS, "baseline": BASELINE}, model_dir, bodies, args.duration,
                           args.rounds, work)
        ours, theirs = measured["ours"], measured["baseline"]
        same = max(abs(a - b) for a, b in zip(ours.pop("sample"), theirs.pop("sample"), strict=True))
        print(table(ours, theirs, args.duration, args.rounds))
        print(f"same model: largest difference between the two servers' 100 predictions = {same:.2f} s; "
              f"held-out MAE {evaluation['regression_metrics']['mae']['value']:.0f} s vs the zone-pair baseline's "
              f"{evaluation['baseline']['regression_metrics']['mae']['value']:.0f} s")
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "results.json").write_text(json.dumps({"duration_s": args.duration, "ours": ours,
                                                        "baseline": theirs}, indent=2))
    finally:
        if engine is not None:
            engines.stop(engine)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
