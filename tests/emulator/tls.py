"""A throwaway TLS identity for the emulator's HTTPS listener, and an emulator that serves both.

`self_signed(dir)` (from emulator.tls) writes a self-signed certificate for 127.0.0.1 (and `localhost`) plus
its key, and returns their paths. The certificate is its own CA, so its path is also the
bundle to pass as boto3's `verify=`: clients really verify the server, no `verify=False`.

`SecuredEmulator` starts an emulator (ours, or stock moto) with an HTTP and an HTTPS
listener on one state, whose IAM enforcement a test can switch on; the small helpers
below it build keys, policies and read error codes for access-control tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator import launcher
from emulator.tls import TlsFiles, self_signed
from tests.conftest import FAKE_CREDENTIALS, REGION, free_port, start_emulator

# --- an emulator with both listeners, for access-control tests ------------------------


class SecuredEmulator:
    """An emulator serving HTTP and HTTPS on one state, whose IAM enforcement a test can
    switch on. Tests that enforce IAM start their own (enforcement is process-wide)."""

    def __init__(self, tmp_dir: Path, stock: bool) -> None:
        self.tls = self_signed(tmp_dir / "tls")
        self.tls_port = free_port()
        self.emulator = start_emulator(tmp_dir / "emulator", tls_port=self.tls_port, tls_cert=self.tls.cert,
                                       tls_key=self.tls.key, stock=stock)
        self.http_endpoint = self.emulator.admin_endpoint
        self.https_endpoint = f"https://127.0.0.1:{self.tls_port}"
        self._clients: list = []

    def client(self, service: str, *, https: bool = False, credentials: dict | None = None,
               anonymous: bool = False, account: str | None = None):
        """A boto3 client. `credentials`: access key dict (default: moto's "testing"
        keys, which act as the account's root user while IAM is not enforced);
        `anonymous`: unsigned requests; `account`: act in another account while IAM is
        not enforced (moto's x-moto-account-id header), to set up cross-account cases."""
        config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}) if anonymous \
            else Config(retries={"total_max_attempts": 1})
        client = boto3.client(service, region_name=REGION, config=config, verify=self.tls.ca_bundle,
                              endpoint_url=self.https_endpoint if https else self.http_endpoint,
                              **(credentials or FAKE_CREDENTIALS))
        if account:
            client.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__(
                "x-moto-account-id", account))
        self._clients.append(client)
        return client

    def enforce_iam(self, on: bool = True) -> None:
        """moto's switch: IAM checks for every request from now on (or none)."""
        request = urllib.request.Request(f"{self.http_endpoint}/moto-api/reset-auth", method="POST",  # noqa: S310
                                         data=b"0" if on else b"inf", headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (loopback URL)
            pass

    def reset(self) -> None:
        self.enforce_iam(False)
        self.emulator.reset()

    def stop(self) -> None:
        # Close the pooled connections of the clients this helper made.
        for client in self._clients:
            client.close()
        # The emulator is this process's child: reap it as it exits, or launcher.stop
        # sees a zombie as alive and waits its full timeout (10 s) before SIGKILL.
        pid = int(self.emulator.instance.pid_file.read_text())
        threading.Thread(target=_reap, args=(pid,), daemon=True).start()
        launcher.stop(self.emulator.instance)


def secured_fixture(gap: str):
    """A module-scoped `secured` fixture: one SecuredEmulator per flavour, stock moto
    (a strict xfail whose reason is `gap`) and ours."""

    @pytest.fixture(scope="module", params=[
        pytest.param("stock", marks=pytest.mark.xfail(strict=True, reason=gap)), "ours"])
    def secured(request, tmp_path_factory):
        emu = SecuredEmulator(tmp_path_factory.mktemp(request.param), stock=request.param == "stock")
        yield emu
        emu.stop()

    return secured


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def access_keys(iam, user: str) -> dict:
    """Create an access key for `user`; return it as boto3 client keyword arguments."""
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def session_keys(credentials: dict) -> dict:
    """sts.assume_role()["Credentials"] as boto3 client keyword arguments."""
    return {"aws_access_key_id": credentials["AccessKeyId"], "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"]}


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def error_code(call) -> str | None:
    """Run `call`; return None if it succeeded, else the AWS error code (e.g. AccessDenied)."""
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"] or str(err.response["ResponseMetadata"]["HTTPStatusCode"])
    return None

__all__ = ["SecuredEmulator", "TlsFiles", "access_keys", "error_code", "policy", "secured_fixture",
           "self_signed", "session_keys"]
