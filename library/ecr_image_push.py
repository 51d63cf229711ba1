#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: push a local Docker image to an ECR repository, idempotently."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecr_image_push
short_description: Push a local Docker image (or one built from a context) to an ECR repository
version_added: 1.0.0
author: MLOps estate project
description:
  - Tags a local image as C(<repository URI>:<tag>) and pushes it through the Docker engine
    API, logging in with the repository registry's C(GetAuthorizationToken) password. The
    token is never logged, returned or written to a Docker config file.
  - Idempotent. Before pushing it asks ECR (C(BatchGetImage)) what the tag holds. When the
    tag's manifest names the local image's config (the image ID), the tag already holds this
    image and nothing is pushed (C(changed=false)). When the tag holds another image and the
    repository's tags are C(IMMUTABLE), the module fails, changing nothing; on a C(MUTABLE)
    repository it pushes and moves the tag.
  - The repository must exist (create it with C(community.aws.ecs_ecr)).
  - Check mode reports what would be pushed and pushes (and builds) nothing. The diff
    (tag, digest and image ID before and after) is returned only in diff mode.
  - Against the project's embedded AWS, ECR's registry is a local registry and it cannot
    refuse a push to an immutable tag as ECR's registry does; this module's pre-check is
    what refuses it there (on AWS both do).
options:
  repository:
    description: Name of the ECR repository (not its URI).
    type: str
    required: true
  tag:
    description: Tag to push the image as.
    type: str
    required: true
  image:
    description:
      - Local image to push, by name (C(model:1.0)) or ID, in the engine at I(docker_host).
      - Exactly one of I(image) and I(build) is required.
    type: str
  build:
    description:
      - Build the image from a context first (the engine's build API, host network, no
        CLI), then push it. Exactly one of I(image) and I(build) is required.
      - In check mode nothing is built, so the module reports C(changed=true) (it cannot know
        the image ID without building); build with C(community.docker.docker_image) and pass
        I(image) for an exact check mode.
    type: dict
    suboptions:
      path:
        description: Build context folder.
        type: path
        required: true
      dockerfile:
        description: Dockerfile, relative to I(path).
        type: str
        default: Dockerfile
      args:
        description: Build arguments.
        type: dict
        default: {}
  docker_host:
    description:
      - Docker engine socket or URL, as C(DOCKER_HOST) takes it.
      - Defaults to the C(DOCKER_HOST) environment variable, then the engine's default socket.
    type: str
    default: unix:///var/run/docker.sock
  registry_id:
    description: Account ID of the registry, when the repository is in another account.
    type: str
  timeout:
    description: Seconds the Docker engine API may take per call (a push of a large layer).
    type: int
    default: 600
requirements:
  - docker (the Python SDK for the Docker engine API)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Push the model image as its version tag
  ecr_image_push:
    repository: fraud-model
    image: fraud-model:1.4.0
    tag: "1.4.0"
  register: pushed

- name: Build from a context, then push (engine on a private socket)
  ecr_image_push:
    repository: fraud-model
    tag: "1.4.0"
    docker_host: unix:///srv/docker/docker.sock
    build:
      path: /tmp/model-context
      args:
        BASE_IMAGE: local/python-base:bookworm

- name: Use the pushed digest (immutable reference) downstream
  ansible.builtin.debug:
    msg: "{{ pushed.repository_uri }}@{{ pushed.digest }}"
"""

RETURN = r"""
repository_uri:
  description: URI of the repository (registry host and repository name).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-model
image_uri:
  description: The pushed reference, C(<repository_uri>:<tag>).
  returned: always
  type: str
tag:
  description: The tag.
  returned: always
  type: str
digest:
  description:
    - Manifest digest ECR reports for the tag after the run (null in check mode when the
      image would be pushed).
  returned: always
  type: str
  sample: sha256:0f3e...
image_id:
  description: ID of the local image (its config digest); null in check mode with I(build).
  returned: always
  type: str
pushed:
  description: Whether the image was pushed in this run.
  returned: always
  type: bool
"""

import base64
import contextlib
import json

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

HAS_DOCKER = True
try:
    import docker
except ImportError:
    HAS_DOCKER = False

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

UP_TO_DATE = "up to date"
PUSH = "push"
CONFLICT = "conflict"
MANIFEST_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
]


class PushError(Exception):
    pass


def plan(remote: dict | None, image_id: str | None, mutability: str) -> str:
    """What to do, from what the tag holds in ECR and the local image ID.

    The comparison is by image ID, not by manifest digest: a manifest digest exists only
    once a registry has stored the manifest (the engine computes it while pushing, from the
    compressed layers), and the engine's RepoDigests is a local cache that is missing on a
    fresh machine or stale after someone else moved the tag. The image ID, however, is the
    digest of the image config, which every schema-2 / OCI manifest names as `config.digest`.
    So "the tag's manifest names our config" is exactly "the tag holds this image", read
    from ECR as it stands.
    """
    if remote is None or image_id is None:  # None: check mode with a build, nothing known yet
        return PUSH
    if remote.get("config_digest") == image_id:
        return UP_TO_DATE
    if mutability.startswith("IMMUTABLE"):
        return CONFLICT
    return PUSH


def remote_image(client, repository: str, tag: str, registry_id: str | None) -> dict | None:
    """{digest, config_digest} of what `tag` holds in ECR, or None."""
    params = {"repositoryName": repository, "imageIds": [{"imageTag": tag}], "acceptedMediaTypes": MANIFEST_TYPES}
    if registry_id:
        params["registryId"] = registry_id
    images = client.batch_get_image(aws_retry=True, **params).get("images") or []
    if not images:
        return None
    manifest = json.loads(images[0].get("imageManifest") or "{}")
    return {"digest": images[0]["imageId"].get("imageDigest"),
            "config_digest": (manifest.get("config") or {}).get("digest")}


def registry_credentials(client, registry_id: str | None) -> tuple[str, str, str]:
    """(registry host, user, password) from GetAuthorizationToken."""
    params = {"registryIds": [registry_id]} if registry_id else {}
    data = client.get_authorization_token(aws_retry=True, **params)["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    host = data["proxyEndpoint"].split("://", 1)[-1].rstrip("/")
    return host, user, password


def build_image(engine, build: dict, reference: str) -> str:
    """Build through the engine API (host network: no bridge exists); return the image ID."""
    try:
        image, _logs = engine.images.build(path=build["path"], dockerfile=build["dockerfile"],
                                           buildargs={k: str(v) for k, v in build["args"].items()},
                                           tag=reference, network_mode="host", rm=True)
    except docker.errors.BuildError as err:
        tail = "".join(line.get("stream", "") for line in err.build_log if isinstance(line, dict))[-2000:]
        raise PushError(f"building {build['path']} failed: {err.msg}\n{tail}") from err
    return image.id


def push_image(engine, repository_uri: str, tag: str, user: str, password: str) -> str | None:
    """Push through the engine API; return the digest the registry reported, or fail."""
    digest = None
    for line in engine.api.push(repository_uri, tag=tag, stream=True, decode=True,
                                auth_config={"username": user, "password": password}):
        if "error" in line or "errorDetail" in line:
            message = line.get("error") or line["errorDetail"].get("message", "")
            if "unauthorized" in message or "authentication required" in message:
                raise PushError(f"the registry refused the ECR authorization token for {repository_uri}: {message}")
            raise PushError(f"pushing {repository_uri}:{tag} failed: {message}")
        digest = (line.get("aux") or {}).get("Digest", digest)
    return digest


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "repository": {"type": "str", "required": True},
            "tag": {"type": "str", "required": True},
            "image": {"type": "str"},
            "build": {"type": "dict", "options": {
                "path": {"type": "path", "required": True},
                "dockerfile": {"type": "str", "default": "Dockerfile"},
                "args": {"type": "dict", "default": {}},
            }},
            "docker_host": {"type": "str", "default": "unix:///var/run/docker.sock",
                            "fallback": (env_fallback, ["DOCKER_HOST"])},
            "registry_id": {"type": "str"},
            "timeout": {"type": "int", "default": 600},
        },
        required_one_of=[["image", "build"]],
        mutually_exclusive=[["image", "build"]],
        supports_check_mode=True,
    )
    if not HAS_DOCKER:
        module.fail_json(msg=missing_required_lib("docker"))
    params = module.params
    repository, tag, registry_id = params["repository"], params["tag"], params["registry_id"]
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())

    try:
        described = client.describe_repositories(
            aws_retry=True, repositoryNames=[repository], **({"registryId": registry_id} if registry_id else {}))
        repo = described["repositories"][0]
        remote = remote_image(client, repository, tag, registry_id)
    except is_boto3_error_code("RepositoryNotFoundException"):
        module.fail_json(msg=f"ECR repository {repository!r} does not exist: create it first "
                             "(community.aws.ecs_ecr), or fix the `repository` option")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"reading ECR repository {repository}")
    repository_uri = repo["repositoryUri"]
    reference = f"{repository_uri}:{tag}"

    try:
        engine = docker.DockerClient(base_url=params["docker_host"], timeout=params["timeout"])
        engine.ping()
    except docker.errors.DockerException as err:
        module.fail_json(msg=f"cannot reach the Docker engine at {params['docker_host']} "
                             f"(set `docker_host` or DOCKER_HOST): {err}")

    image_id = None
    try:
        if params["image"]:
            image_id = engine.images.get(params["image"]).id
        elif not module.check_mode:
            image_id = build_image(engine, params["build"], reference)
    except docker.errors.ImageNotFound:
        module.fail_json(msg=f"no image {params['image']!r} in the Docker engine at {params['docker_host']} "
                             "(fix the `image` option, or build it first)")
    except PushError as err:
        module.fail_json(msg=str(err))

    decision = plan(remote, image_id, repo.get("imageTagMutability", "MUTABLE"))
    before = {"tag": tag, "digest": remote["digest"], "image_id": remote["config_digest"]} if remote else {}
    result = {"repository_uri": repository_uri, "image_uri": reference, "tag": tag, "image_id": image_id,
              "digest": remote["digest"] if remote else None, "pushed": False}

    if decision == CONFLICT:
        module.fail_json(msg=f"tag {tag!r} of ECR repository {repository!r} is immutable and already holds "
                             f"{remote['digest']} (image {remote['config_digest']}), not the local image "
                             f"{image_id}: push under a new tag; nothing was changed", **result)
    if decision == PUSH and not module.check_mode:
        try:
            host, user, password = registry_credentials(client, registry_id)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg="getting the ECR authorization token")
        module.no_log_values.add(password)
        if not repository_uri.startswith(f"{host}/"):
            module.fail_json(msg=f"ECR's registry endpoint {host} does not serve repository URI {repository_uri}")
        try:
            engine.api.tag(image_id, repository_uri, tag=tag)
            pushed_digest = push_image(engine, repository_uri, tag, user, password)
            after = remote_image(client, repository, tag, registry_id)
        except PushError as err:
            module.fail_json(msg=str(err), **result)
        except docker.errors.APIError as err:
            module.fail_json(msg=f"the Docker engine refused to tag or push {reference}: {err}", **result)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"reading {reference} back from ECR after the push")
        if after is None or (pushed_digest and after["digest"] != pushed_digest):
            module.fail_json(msg=f"pushed {reference} as {pushed_digest}, but ECR reports "
                                 f"{after and after['digest']} for the tag", **result)
        result.update(digest=after["digest"], pushed=True)
    elif decision == PUSH:
        result["digest"] = None  # unknown until a registry stores the manifest

    changed = decision == PUSH
    if module._diff:
        result["diff"] = {"before": before,
                          "after": {"tag": tag, "digest": result["digest"], "image_id": image_id}}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
