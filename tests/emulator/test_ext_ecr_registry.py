"""emulator/extensions/ecr_registry.py: ECR's URIs, login token and image APIs tell the
truth about the local registry (fails on stock moto, whose ECR has no registry behind it).

Images are pushed with the registry's own /v2 upload API (blob uploads, then the manifest),
as `docker push` does, so these tests need no Docker engine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from emulator import registry as registries

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def _call(reg, method: str, path: str, body: bytes = b"", content_type: str | None = None,
          password: str | None = None):
    url = path if path.startswith("http") else f"http://{reg.endpoint}{path}"
    request = urllib.request.Request(url, method=method, data=body or None)  # noqa: S310 (loopback)
    credentials = f"{reg.username}:{password or reg.password}".encode()
    request.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode())
    if content_type:
        request.add_header("Content-Type", content_type)
    return urllib.request.urlopen(request, timeout=30)  # noqa: S310 (loopback)


def _upload_blob(reg, repo: str, data: bytes) -> dict:
    digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
    with _call(reg, "POST", f"/v2/{repo}/blobs/uploads/") as response:
        location = response.headers["Location"]
    if not location.startswith("http"):
        location = f"http://{reg.endpoint}{location}"
    separator = "&" if "?" in location else "?"
    _call(reg, "PUT", f"{location}{separator}digest={digest}", data, "application/octet-stream").close()
    return {"digest": digest, "size": len(data)}


def push(reg, repo: str, tag: str, payload: bytes) -> tuple[str, int]:
    """Push a one-layer image; return (manifest digest, summed layer size)."""
    config = _upload_blob(reg, repo, json.dumps({"architecture": "amd64", "os": "linux",
                                                 "rootfs": {"type": "layers", "diff_ids": []}}).encode())
    layer = _upload_blob(reg, repo, payload)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", **layer}],
    }).encode()
    with _call(reg, "PUT", f"/v2/{repo}/manifests/{tag}", manifest, MANIFEST_TYPE) as response:
        digest = response.headers["Docker-Content-Digest"]
    assert digest == f"sha256:{hashlib.sha256(manifest).hexdigest()}"
    return digest, layer["size"]


@pytest.fixture
def ecr(flavour, registry):
    """The emulator's ECR, connected to the session's registry (stock moto ignores this)."""
    registries.connect(registry.registry, flavour.admin_endpoint)
    client = flavour.client("ecr")
    yield client
    for repo in client.describe_repositories()["repositories"]:
        client.delete_repository(repositoryName=repo["repositoryName"], force=True)


@pytest.fixture
def name() -> str:
    """A repository name no other test (nor the stock run) has pushed to."""
    return f"model-{secrets.token_hex(4)}"


def test_uri_and_login_token_name_the_registry_and_its_password(ecr, registry, name):
    uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
    assert uri == f"{registry.endpoint}/{name}"
    data = ecr.get_authorization_token()["authorizationData"][0]
    assert data["proxyEndpoint"] == f"http://{registry.endpoint}"
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS"
    with _call(registry, "GET", "/v2/", password=password) as response:  # the registry accepts it
        assert response.status == 200
    assert data["expiresAt"].timestamp() > time.time() + 11 * 3600


def test_describe_images_reports_what_the_registry_holds(ecr, registry, name):
    ecr.create_repository(repositoryName=name)
    before = int(time.time())
    digest, size = push(registry, name, "v1", b"layer one")
    push(registry, name, "v2", b"layer one")  # same manifest content: same digest, two tags
    other, _ = push(registry, name, "v3", b"another layer")

    details = {d["imageDigest"]: d for d in ecr.describe_images(repositoryName=name)["imageDetails"]}
    assert set(details) == {digest, other}
    assert sorted(details[digest]["imageTags"]) == ["v1", "v2"]
    assert details[digest]["imageSizeInBytes"] == size
    assert details[digest]["imageManifestMediaType"] == MANIFEST_TYPE
    assert details[digest]["imagePushedAt"].timestamp() >= before - 1

    one = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "v3"}])["imageDetails"]
    assert [d["imageDigest"] for d in one] == [other]
    with pytest.raises(ClientError) as err:
        ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "never-pushed"}])
    assert err.value.response["Error"]["Code"] == "ImageNotFoundException"


def test_batch_get_image_returns_the_stored_manifest(ecr, registry, name):
    ecr.create_repository(repositoryName=name)
    digest, _ = push(registry, name, "v1", b"payload")
    images = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v1"}])["images"]
    assert len(images) == 1
    manifest = images[0]["imageManifest"]
    assert f"sha256:{hashlib.sha256(manifest.encode()).hexdigest()}" == digest
    assert images[0]["imageId"]["imageDigest"] == digest


def test_a_repository_with_pushed_images_needs_force_and_force_empties_the_registry(ecr, registry, name):
    ecr.create_repository(repositoryName=name)
    push(registry, name, "v1", b"payload")
    with pytest.raises(ClientError) as err:
        ecr.delete_repository(repositoryName=name)
    assert err.value.response["Error"]["Code"] == "RepositoryNotEmptyException"
    ecr.delete_repository(repositoryName=name, force=True)
    with pytest.raises(urllib.error.HTTPError) as gone:
        _call(registry, "GET", f"/v2/{name}/manifests/v1").close()
    assert gone.value.code == 404
