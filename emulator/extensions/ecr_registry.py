"""ECR tells the truth about a real local registry: URIs, login token, images.

Gap: moto 5.2's ECR is a control plane with no registry behind it. Repository URIs name
`<account>.dkr.ecr.<region>.amazonaws.com/<repo>` (unreachable), GetAuthorizationToken
returns `AWS:<account>-auth-token` (accepted by nothing) with proxyEndpoint on that host,
and DescribeImages / BatchGetImage / ListImages only know images put with the PutImage
API, so after a `docker push` ECR says the repository is empty.

AWS (Amazon ECR API Reference: CreateRepository `repositoryUri`, GetAuthorizationToken
`authorizationData` = base64 "AWS:<password>" + `proxyEndpoint` + `expiresAt` (12 hours),
DescribeImages `imageDetails` (imageDigest, imageTags, imageSizeInBytes = the sum of the
layers' compressed sizes, imagePushedAt, imageManifestMediaType), BatchGetImage (the
manifest as stored), DeleteRepository (RepositoryNotEmptyException unless force)): the
registry behind the repository URI accepts the token, and the image APIs describe what
was pushed to it.

Here a local registry (emulator/registry.py: the CNCF distribution on 127.0.0.1) stands
in for ECR's registry. It is connected through moto's admin API:
`POST /moto-api/config {"ecr_registry": {"endpoint": "127.0.0.1:PORT", "username": "AWS",
"password": "...", "storage": "<registry storage folder>"}}` (`{"ecr_registry": null}`
disconnects). An optional `"token_password"` makes GetAuthorizationToken hand out another
password than the one the emulator reads the registry with: it rehearses a revoked or
rotated token (tests/integration/test_ecr_image_push.py does). GET /moto-api/config shows
the settings with a SHA-256 fingerprint in place of each password. While connected:
- repository URIs are `127.0.0.1:PORT/<repo>`; GetAuthorizationToken returns the
  registry's own password and `proxyEndpoint` `http://127.0.0.1:PORT` (plain HTTP on
  loopback, which Docker allows without configuration);
- DescribeImages, BatchGetImage and ListImages (and the emptiness check of
  DeleteRepository) first read the repository from the registry's /v2 API: every tag, its
  manifest and `Docker-Content-Digest`; imagePushedAt is the time the registry stored the
  manifest (its revision link in the storage folder);
- DeleteRepository with force also deletes the repository's manifests in the registry.

Limits (AWS-only behaviour, not modelled): the registry cannot refuse a push to an
IMMUTABLE tag (on AWS the registry itself refuses it); clients must ask ECR first, as
library/ecr_image_push.py does. Untagged manifests are invisible (the /v2 API lists
tags only); BatchDeleteImage and PutImage do not reach the registry; scan-on-push records
the setting but scans nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.ecr import models as ecr_models
from moto.ecr.responses import ECRResponse
from moto.moto_api._internal.models import MotoAPIBackend

_MARK = "_project_ecr_registry"
_settings: dict = {}
_lock = threading.Lock()

MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])


def fingerprint(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def settings() -> dict:
    """The connected registry's settings, or {} when none is connected."""
    with _lock:
        return dict(_settings)


def public_settings() -> dict | None:
    current = settings()
    if not current:
        return None
    shown = {k: v for k, v in current.items() if k not in ("password", "token_password")}
    shown["password_sha256"] = fingerprint(current["password"])
    if current.get("token_password"):
        shown["token_password_sha256"] = fingerprint(current["token_password"])
    return shown


def configure(value: dict | None) -> None:
    with _lock:
        _settings.clear()
        if value:
            missing = {"endpoint", "password"} - set(value)
            if missing:
                raise ValueError(f"ecr_registry needs {sorted(missing)}")
            _settings.update({"username": "AWS", **value})


class RegistryImage(ecr_models.Image):
    """An image as the registry holds it: its own digest, all its tags, real size and time."""

    def __init__(self, account_id: str, repository: str, tags: list[str], manifest: str,
                 media_type: str | None, digest: str, pushed_at: int, registry_id: str):
        super().__init__(account_id, tags[0] if tags else None, manifest, repository,
                         image_manifest_mediatype=media_type, digest=digest, registry_id=registry_id)
        self.image_tags = list(tags)
        self.image_pushed_at = pushed_at

    def get_image_size_in_bytes(self) -> int | None:
        parsed = json.loads(self.image_manifest)
        if "layers" in parsed:
            return sum(int(layer.get("size", 0)) for layer in parsed["layers"])
        return None


def _request(path: str, method: str = "GET", accept: str | None = None):
    current = settings()
    request = urllib.request.Request(f"http://{current['endpoint']}{path}", method=method)
    credentials = f"{current['username']}:{current['password']}".encode()
    request.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode())
    if accept:
        request.add_header("Accept", accept)
    return urllib.request.urlopen(request, timeout=30)  # noqa: S310 (loopback URL from the settings)


def _pushed_at(repository: str, digest: str) -> int:
    """When the registry stored this manifest: the mtime of its revision link."""
    storage = settings().get("storage")
    algorithm, _, hexdigest = digest.partition(":")
    if storage:
        link = (Path(storage) / "docker/registry/v2/repositories" / repository / "_manifests"
                / "revisions" / algorithm / hexdigest / "link")
        if link.exists():
            return int(link.stat().st_mtime)
    return int(datetime.now(UTC).timestamp())


def registry_images(repo: ecr_models.Repository) -> list[RegistryImage]:
    """Every tagged image of `repo` in the registry, one per digest."""
    try:
        with _request(f"/v2/{repo.name}/tags/list?n=10000") as response:
            tags = json.load(response).get("tags") or []
    except urllib.error.HTTPError as err:
        if err.code == 404:  # NAME_UNKNOWN: nothing was ever pushed
            return []
        raise
    by_digest: dict[str, dict] = {}
    for tag in sorted(tags):
        with _request(f"/v2/{repo.name}/manifests/{tag}", accept=MANIFEST_TYPES) as response:
            body = response.read()
            digest = response.headers.get("Docker-Content-Digest") or f"sha256:{hashlib.sha256(body).hexdigest()}"
            media_type = response.headers.get("Content-Type")
        entry = by_digest.setdefault(digest, {"tags": [], "manifest": body.decode(), "media_type": media_type})
        entry["tags"].append(tag)
    return [RegistryImage(repo.account_id, repo.name, entry["tags"], entry["manifest"], entry["media_type"],
                          digest, _pushed_at(repo.name, digest), repo.registry_id)
            for digest, entry in by_digest.items()]


def _sync(backend, repository_name: str) -> None:
    repo = backend.repositories.get(repository_name)
    if repo is not None and settings():
        try:
            repo.images = registry_images(repo)
        except (urllib.error.URLError, OSError) as err:
            # Said plainly instead of a bare HTTP 500: the fix is on the registry's side.
            raise JsonRESTError("ServerException", f"ECR's registry at {settings()['endpoint']} did not answer "
                                f"the emulator ({err}): is it running and connected (python -m emulator.registry "
                                "connect)?") from err


def _delete_from_registry(repo: ecr_models.Repository) -> None:
    for image in repo.images:
        try:
            _request(f"/v2/{repo.name}/manifests/{image.image_digest}", method="DELETE").close()
        except urllib.error.HTTPError as err:
            if err.code != 404:
                raise


def apply() -> None:
    if getattr(ECRResponse, _MARK, False):
        return

    # Configuration through moto's admin API.
    original_set_config = MotoAPIBackend.set_config
    original_get_config = MotoAPIBackend.get_config

    def set_config(self, config: dict) -> None:
        original_set_config(self, config)
        if "ecr_registry" in config:
            configure(config["ecr_registry"])

    def get_config(self) -> dict:
        return {**original_get_config(self), "ecr_registry": public_settings()}

    MotoAPIBackend.set_config = set_config
    MotoAPIBackend.get_config = get_config

    # Repository URIs name the registry while one is connected.
    def get_uri(self) -> str:
        current = settings()
        if current:
            return f"{current['endpoint']}/{self.name}"
        return self._moto_uri

    def set_uri(self, value: str) -> None:
        self._moto_uri = value

    ecr_models.Repository.uri = property(get_uri, set_uri)

    # The login token is the registry's own password.
    original_token = ECRResponse.get_authorization_token

    def get_authorization_token(self) -> ActionResult:
        current = settings()
        if not current:
            return original_token(self)
        registry_ids = self._get_param("registryIds") or [self.current_account]
        password = current.get("token_password") or current["password"]
        token = base64.b64encode(f"{current['username']}:{password}".encode()).decode()
        expires = datetime.now(UTC) + timedelta(hours=12)
        return ActionResult({"authorizationData": [
            {"authorizationToken": token, "expiresAt": expires, "proxyEndpoint": f"http://{current['endpoint']}"}
            for _ in registry_ids]})

    ECRResponse.get_authorization_token = get_authorization_token

    # The image APIs read the registry first.
    backend = ecr_models.ECRBackend
    for name in ("describe_images", "batch_get_image", "list_images"):
        original = getattr(backend, name)

        def reads_registry(self, repository_name, *args, _original=original, **kwargs):
            _sync(self, repository_name)
            return _original(self, repository_name, *args, **kwargs)

        setattr(backend, name, reads_registry)

    original_delete = backend.delete_repository

    def delete_repository(self, repository_name, registry_id=None, force=False):
        _sync(self, repository_name)
        repo = self.repositories.get(repository_name)
        deleted = original_delete(self, repository_name, registry_id, force)
        if settings() and repo is not None:
            _delete_from_registry(repo)
        return deleted

    backend.delete_repository = delete_repository
    setattr(ECRResponse, _MARK, True)
