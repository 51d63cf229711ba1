"""files/cli/aws-ops.sh without AWS: help, argument checks, IP detection failures.

Every case here must stop before the first AWS call. The AWS endpoint points at a closed
loopback port, so a case that wrongly reached AWS would fail with exit 1, not the exit
code asserted.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading

import pytest

from tests.conftest import PROJECT_DIR, free_port

SCRIPT = PROJECT_DIR / "files" / "cli" / "aws-ops.sh"
COMMANDS = ["list-logs", "rename-user", "allow-ip", "revoke-ip", "attach-policy"]


def run(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    base = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run([str(SCRIPT), *args], env={**base, **(env or {})}, input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def test_shellcheck_is_clean():
    proc = subprocess.run(["shellcheck", "--severity=style", str(SCRIPT)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout


def test_the_script_is_strict_bash():
    assert "set -euo pipefail" in SCRIPT.read_text()


def test_help_documents_every_command_option_and_exit_code():
    proc = run("--help")
    assert proc.returncode == 0
    for word in [*COMMANDS, "--dry-run", "--region", "--profile", "--endpoint-url", "AWS_ENDPOINT_URL",
                 "changed=true", *(f"  {code}  " for code in range(7))]:
        assert word in proc.stdout, word


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command):
    for args in ([command, "--help"], ["help", command], ["--dry-run", command, "-h"]):
        proc = run(*args)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"Usage: aws-ops.sh {command}"), args


@pytest.mark.parametrize(("args", "message"), [
    ([], "no command given"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["list-logs", "--colour"], "unknown option '--colour'"),
    (["list-logs", "--page-size", "0"], "--page-size must be 1-1000"),
    (["list-logs", "--page-size", "1001"], "--page-size must be 1-1000"),
    (["list-logs", "--max-items", "-3"], "--max-items"),
    (["list-logs", "--bucket", "Important Data"], "not a valid bucket name"),
    (["list-logs", "a/b", "c/d"], "takes one LOCATION"),
    (["list-logs", "--bucket"], "--bucket needs a value"),
    (["--region"], "--region needs a value"),
    (["--region=", "list-logs"], "--region needs a non-empty value"),
    (["rename-user", "jsmith"], "needs OLD_NAME and NEW_NAME"),
    (["rename-user", "jsmith", "john smith"], "'john smith' is not a valid IAM user name"),
    (["rename-user", "jsmith", "jsmith"], "are the same"),
    (["rename-user", "a", "b", "c"], "needs OLD_NAME and NEW_NAME"),
    (["allow-ip", "--ip", "203.0.113.10", "--protocol", "icmp"], "--protocol must be tcp or udp"),
    (["allow-ip", "--ip", "203.0.113.10", "--group-id", "sg-0abc12345", "--group-name", "x"], "not both"),
    (["allow-ip", "--ip", "203.0.113.10", "--group-id", "web"], "not a security group ID"),
    (["allow-ip", "--ip", "203.0.113.10", "--vpc-id", "default"], "not a VPC ID"),
    (["allow-ip", "--ip", "203.0.113.10", "--timeout", "0"], "--timeout must be 1-60"),
    (["allow-ip", "--ip", "203.0.113.10", "--description", "quote ' and backtick `"], "--description may hold"),
    (["attach-policy", "--policy-file", "/nonexistent/policy.json"], "cannot read policy document"),
    (["attach-policy", "--role", "dev role"], "not a valid role name"),
    (["attach-policy", "--path", "team"], "--path 'team' must look like"),
])
def test_bad_arguments_exit_2_naming_the_problem(args, message):
    proc = run(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert message in proc.stderr
    assert proc.stderr.startswith("aws-ops.sh: error:")
    assert proc.stdout == ""


@pytest.mark.parametrize(("ip", "message"), [
    ("300.1.1.1", "is not an IPv4 address"),
    ("203.0.113", "is not an IPv4 address"),
    ("203.0.113.010", "is not an IPv4 address"),      # leading zero: octal or decimal?
    ("203.0.113.10/33", "is not an IPv4 address"),
    ("2001:db8::1", "is not an IPv4 address"),
    ("my-laptop", "is not an IPv4 address"),
    ("", "--ip needs"),
    ("0.0.0.0/0", "refusing 0.0.0.0/0"),
    ("10.0.0.0/8", "16777216 addresses"),
    ("203.0.113.10/24", "the network is 203.0.113.0/24"),
])
def test_an_invalid_or_too_wide_ip_is_refused(ip, message):
    proc = run("allow-ip", "--ip", ip) if ip else run("allow-ip", "--ip")
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr


@pytest.mark.parametrize("ports", ["0", "65536", "23-22", "ssh", "22,,443", "1-2-3"])
def test_invalid_ports_are_refused(ports):
    proc = run("allow-ip", "--ip", "203.0.113.10", "--port", ports)
    assert proc.returncode == 2, proc.stderr
    assert "--port" in proc.stderr


def test_invalid_policy_json_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    proc = run("attach-policy", "--policy-file", str(bad))
    assert proc.returncode == 2 and f"policy document '{bad}' is not valid JSON" in proc.stderr, proc.stderr
    proc = run("attach-policy", "--policy-file", "-", stdin="[1, 2]")
    assert proc.returncode == 2 and "is not a JSON object" in proc.stderr, proc.stderr


def test_ip_detection_that_fails_is_a_clear_error_never_a_wide_rule():
    closed = f"http://127.0.0.1:{free_port()}/"
    for proc in (run("allow-ip", "--checkip-url", closed, "--timeout", "2"),
                 run("allow-ip", env={"AWS_OPS_CHECKIP_URL": closed})):
        assert proc.returncode == 5, proc.stderr
        assert f"could not detect the caller's IP from {closed}" in proc.stderr
        assert "--ip ADDRESS" in proc.stderr and "no fallback to 0.0.0.0/0" in proc.stderr
        assert proc.stdout == ""


class _Answer(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def checkip_server():
    """A loopback stand-in for checkip.amazonaws.com; set .body to its answer."""
    handler = type("Answer", (_Answer,), {})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_ip_detection_that_answers_nonsense_is_a_clear_error(checkip_server):
    handler, url = checkip_server
    handler.body = b"<html>captive portal</html>\n"
    proc = run("allow-ip", "--checkip-url", url)
    assert proc.returncode == 5, proc.stderr
    assert "not an IPv4 address: pass --ip ADDRESS" in proc.stderr


def test_a_missing_program_is_named(tmp_path):
    """Without jq on PATH: exit 6, naming jq (before any AWS call)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("aws", "dirname", "mktemp", "rm", "tr", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    proc = subprocess.run(["/bin/bash", str(SCRIPT), "rename-user", "a", "b"], env={"PATH": str(bin_dir)},
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 6, proc.stderr
    assert "'jq' is not installed" in proc.stderr


def test_the_default_policy_document_is_valid_json():
    document = json.loads((SCRIPT.parent / "policies" / "developer_level2.json").read_text())
    assert document["Version"] == "2012-10-17"
    assert all(s["Effect"] == "Allow" and "*" not in s["Action"] for s in document["Statement"])
