"""The launcher: start is idempotent, stop is by PID, failures say what to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from emulator import extensions, launcher
from tests.conftest import PROJECT_DIR, free_port


def test_start_is_idempotent_and_stop_is_by_pid(tmp_path):
    # Both ports free now: the default TLS port (port+1) may belong to another worker's emulator.
    inst = launcher.Instance(port=free_port(), tls_port=free_port(), state_dir=tmp_path)
    first = launcher.start(inst)
    try:
        assert first["changed"] is True and first["running"] is True
        pid = first["pid"]
        assert inst.pid_file.read_text().strip() == str(pid)
        second = launcher.start(inst)
        assert second["changed"] is False and second["pid"] == pid
    finally:
        stopped = launcher.stop(inst)
    assert stopped["changed"] is True
    assert not launcher.healthy(inst.endpoint)
    assert not inst.pid_file.exists()
    assert launcher.stop(inst)["changed"] is False


def test_port_taken_by_another_program_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        inst = launcher.Instance(port=sock.getsockname()[1], state_dir=tmp_path)
        with pytest.raises(RuntimeError, match=r"is port .* taken"):
            launcher.start(inst, timeout=15)
    assert not inst.pid_file.exists()


def test_cli_refuses_non_loopback_host():
    proc = subprocess.run([sys.executable, "-m", "emulator", "--host", "0.0.0.0", "status"],  # noqa: S104
                          cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "loopback only" in proc.stderr


def test_every_extension_is_documented_and_applies_twice():
    names = extensions.names()
    for name in names:
        module = __import__(f"emulator.extensions.{name}", fromlist=["apply"])
        assert module.__doc__ and len(module.__doc__.strip()) > 80, f"{name} needs a docstring"
        module.apply()
        module.apply()
