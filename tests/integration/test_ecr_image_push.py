"""library/ecr_image_push.py against the real parts: a private Docker engine, the local
registry and the emulator's ECR connected to it (emulator/extensions/ecr_registry.py).

Images are tiny (a one-file rootfs imported into the engine), so each push takes well
under a second; the model image itself is exercised by molecule/model_image.
"""

from __future__ import annotations

import io
import json
import secrets
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from emulator import registry as registries
from tests.conftest import PROJECT_DIR, run_module


@pytest.fixture
def ecr(emulator, registry):
    registries.connect(registry.registry, emulator.admin_endpoint)
    return emulator.client("ecr")


@pytest.fixture
def repository(ecr):
    """A fresh IMMUTABLE repository (as the section creates it), deleted afterwards."""
    name = f"push-{secrets.token_hex(4)}"
    ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    yield name
    ecr.delete_repository(repositoryName=name, force=True)


def tiny_image(docker_engine, content: str) -> str:
    """Import a one-file rootfs; a different `content` is a different image ID."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        payload = content.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    name = f"tiny-{secrets.token_hex(4)}"
    docker_engine.client.api.import_image_from_data(data.getvalue(), repository=name, tag="latest")
    return f"{name}:latest"


def push(emulator, docker_engine, *flags: str, **args) -> tuple[dict, str]:
    """Run the module ad hoc through Ansible; return (its result, the whole output)."""
    return run_module(emulator, "ecr_image_push", {"docker_host": docker_engine.host, **args}, *flags, timeout=300)


def ecr_digest(ecr, repository: str, tag: str) -> str | None:
    try:
        details = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])["imageDetails"]
    except ClientError as err:
        assert err.response["Error"]["Code"] == "ImageNotFoundException"
        return None
    return details[0]["imageDigest"]


def test_first_push_changes_the_second_does_not_and_the_digest_pulls_back(
        emulator, docker_engine, registry, ecr, repository):
    image = tiny_image(docker_engine, "one")
    first, output = push(emulator, docker_engine, image=image, repository=repository, tag="1.0")
    assert first.get("failed") is not True, first
    assert first["changed"] is True and first["pushed"] is True
    assert first["repository_uri"] == f"{registry.endpoint}/{repository}"
    assert first["digest"].startswith("sha256:")
    assert ecr_digest(ecr, repository, "1.0") == first["digest"]
    assert registry.password not in output  # the token's secret never reaches the output

    second, _ = push(emulator, docker_engine, image=image, repository=repository, tag="1.0")
    assert second["changed"] is False and second["pushed"] is False
    assert second["digest"] == first["digest"]

    # Pull by digest into the engine after forgetting the pushed tag: the same image comes back.
    client = docker_engine.client
    local_id = client.images.get(image).id
    client.images.remove(first["image_uri"])
    pulled = client.images.pull(f"{first['repository_uri']}@{first['digest']}",
                                auth_config={"username": registry.username, "password": registry.password})
    assert pulled.id == local_id


def test_an_immutable_tag_holding_another_image_fails_and_changes_nothing(
        emulator, docker_engine, ecr, repository):
    first, _ = push(emulator, docker_engine, image=tiny_image(docker_engine, "one"), repository=repository, tag="1.0")
    other = tiny_image(docker_engine, "two")
    refused, _ = push(emulator, docker_engine, image=other, repository=repository, tag="1.0")
    assert refused["failed"] is True
    assert "immutable" in refused["msg"] and "nothing was changed" in refused["msg"]
    assert ecr_digest(ecr, repository, "1.0") == first["digest"]
    # The engine was not even asked to tag it.
    assert not any(t.endswith(f"/{repository}:1.0") for t in docker_engine.client.images.get(other).tags)


def test_a_mutable_tag_moves_to_the_new_image(emulator, docker_engine, ecr):
    name = f"mutable-{secrets.token_hex(4)}"
    ecr.create_repository(repositoryName=name, imageTagMutability="MUTABLE")
    try:
        first, _ = push(emulator, docker_engine, image=tiny_image(docker_engine, "one"), repository=name, tag="latest")
        second, _ = push(emulator, docker_engine, image=tiny_image(docker_engine, "two"), repository=name, tag="latest")
        assert second["changed"] is True and second["digest"] != first["digest"]
        assert ecr_digest(ecr, name, "latest") == second["digest"]
    finally:
        ecr.delete_repository(repositoryName=name, force=True)


def test_check_mode_pushes_nothing_and_diff_comes_only_in_diff_mode(emulator, docker_engine, ecr, repository):
    image = tiny_image(docker_engine, "check")
    checked, _ = push(emulator, docker_engine, "--check", image=image, repository=repository, tag="1.0")
    assert checked["changed"] is True and checked["pushed"] is False and checked["digest"] is None
    assert "diff" not in checked
    assert ecr_digest(ecr, repository, "1.0") is None

    with_diff, _ = push(emulator, docker_engine, "--check", "--diff", image=image, repository=repository, tag="1.0")
    assert with_diff["diff"]["before"] == {}
    assert with_diff["diff"]["after"]["image_id"] == docker_engine.client.images.get(image).id
    assert ecr_digest(ecr, repository, "1.0") is None


def test_a_token_the_registry_refuses_fails_clearly(emulator, docker_engine, registry, ecr, repository):
    # ECR still reads the registry, but hands out a token the registry does not accept (revoked).
    settings = {**registries.emulator_settings(registry.registry), "token_password": "revoked"}
    request = urllib.request.Request(f"{emulator.admin_endpoint}/moto-api/config", method="POST",  # noqa: S310 (loopback)
                                     data=json.dumps({"ecr_registry": settings}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 (loopback)
    try:
        refused, _ = push(emulator, docker_engine, image=tiny_image(docker_engine, "x"), repository=repository,
                          tag="1.0")
    finally:
        registries.connect(registry.registry, emulator.admin_endpoint)
    assert refused["failed"] is True
    assert "refused the ECR authorization token" in refused["msg"]
    assert ecr_digest(ecr, repository, "1.0") is None


def test_an_unknown_repository_or_image_names_the_option_to_fix(emulator, docker_engine, ecr, repository):
    missing_repo, _ = push(emulator, docker_engine, image="whatever", repository="no-such-repo", tag="1")
    assert missing_repo["failed"] is True and "`repository`" in missing_repo["msg"]
    missing_image, _ = push(emulator, docker_engine, image="no-such-image:1", repository=repository, tag="1")
    assert missing_image["failed"] is True and "`image`" in missing_image["msg"]


def test_the_documentation_renders():
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "-M", str(PROJECT_DIR / "library"),
                           "--json", "ecr_image_push"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "WARNING" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)["ecr_image_push"]
    assert {"repository", "tag", "image", "build", "docker_host"} <= set(doc["doc"]["options"])
    assert {"repository_uri", "digest", "image_id", "pushed"} <= set(doc["return"])
    assert doc["examples"].strip()


def test_a_build_context_is_built_then_pushed_and_check_mode_builds_nothing(
        emulator, docker_engine, base_image, ecr, repository, tmp_path):
    (tmp_path / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\nCOPY hello.txt /hello.txt\n")
    (tmp_path / "hello.txt").write_text(secrets.token_hex(8))
    build = {"path": str(tmp_path), "args": {"BASE": base_image}}
    images_before = len(docker_engine.client.images.list())
    checked, _ = push(emulator, docker_engine, "--check", build=build, repository=repository, tag="built")
    assert checked["changed"] is True and checked["image_id"] is None
    assert len(docker_engine.client.images.list()) == images_before

    built, _ = push(emulator, docker_engine, build=build, repository=repository, tag="built")
    assert built["changed"] is True and built["pushed"] is True
    assert docker_engine.client.images.get(built["image_uri"]).id == built["image_id"]
    assert ecr_digest(ecr, repository, "built") == built["digest"]
    # The same context builds the same image from the engine's cache: nothing to push.
    again, _ = push(emulator, docker_engine, build=build, repository=repository, tag="built")
    assert again["changed"] is False and again["image_id"] == built["image_id"]


def test_the_engine_and_registry_are_private_and_start_idempotently(docker_engine, registry):
    from emulator import docker_engine as engines

    assert engines.start(docker_engine.engine)["changed"] is False
    pid = engines.status(docker_engine.engine)["pid"]
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    for flag in (b"--bridge=none", b"--iptables=false", b"--ip6tables=false", b"--ip-forward=false"):
        assert flag in argv
    assert "bridge" not in {n.name for n in docker_engine.client.networks.list()}

    reg = registry.registry
    assert registries.start(reg)["changed"] is False
    assert json.loads(reg.config_file.read_text())["http"]["addr"] == f"127.0.0.1:{reg.port}"
    assert reg.htpasswd_file.read_text().startswith("AWS:$2y$")  # bcrypt, as distribution requires
    assert reg.password_file.stat().st_mode & 0o077 == 0
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(f"http://{reg.endpoint}/v2/_catalog", timeout=10)
    assert anonymous.value.code == 401
