"""SageMaker endpoints run their model's container; updates are blue/green; invocations reach it.

Gap: moto 5.2 makes an endpoint `InService` the moment it is created, with nothing
behind it; UpdateEndpoint is not implemented (HTTP 500); DeleteEndpoint only forgets the
record; InvokeEndpoint returns a canned body ("body") for any name, even an endpoint that
does not exist.

AWS (SageMaker API Reference: CreateEndpoint, UpdateEndpoint, DescribeEndpoint,
DeleteEndpoint, DeploymentConfig, BlueGreenUpdatePolicy, TrafficRoutingConfig,
AutoRollbackConfig; SageMaker Runtime: InvokeEndpoint; Developer Guide "Use your own
inference code with hosting services", "Deployment guardrails"):
- CreateEndpoint: `Creating`, then `InService` once every variant's containers answer
  `GET /ping` with 200, or `Failed` with `FailureReason` (the primary container for the
  variant "did not pass the ping health check").
- UpdateEndpoint: only an `InService` endpoint can be updated (ValidationException
  otherwise). `Updating` while a new (green) fleet is provisioned beside the old (blue)
  one, which keeps serving; traffic shifts to green as DeploymentConfig's
  TrafficRoutingConfiguration says (ALL_AT_ONCE, CANARY: CanarySize then the rest after
  WaitIntervalInSeconds, LINEAR: LinearStepSize steps every WaitIntervalInSeconds); the
  CloudWatch alarms in AutoRollbackConfiguration are watched while traffic shifts and
  through TerminationWaitInSeconds; then blue is terminated and the endpoint is
  `InService` on the new EndpointConfigName. If green fails its health check, or an
  alarm goes to ALARM, traffic goes back to blue: the endpoint is `InService` on the OLD
  EndpointConfigName with `FailureReason` saying why. `LastDeploymentConfig` is the
  DeploymentConfig of the last update.
- DeleteEndpoint: the instances (containers) are terminated.
- InvokeEndpoint: the body goes to the variant's container's `POST /invocations`
  (variants chosen by weight); its answer comes back with `InvokedProductionVariant`.
  An unknown endpoint is `ValidationError` "Endpoint X of account Y not found."; a
  container that answers with an error status is `ModelError` (HTTP 424) carrying
  `OriginalStatusCode` and `OriginalMessage` (the container's status and body). With the
  configuration's DataCaptureConfig, sampled requests and responses are written to its
  DestinationS3Uri as JSON lines (Developer Guide "Capture data from real-time endpoint").

Here each instance is a container of the model's image in the local Docker engine
configured for `sagemaker_containers`: `serve`, host network, a free loopback port in
`SAGEMAKER_BIND_TO_PORT`, the model's `Environment`, `ModelDataUrl` (from the emulator's
S3) unpacked read-only at `/opt/ml/model`, labelled with the endpoint and configuration.
Not modelled: serverless and async inference, multi-model/multi-container endpoints
(the first container serves), autoscaling of the instance count (the configured count
runs), instance types (every instance is a container on this machine),
MaximumExecutionTimeoutInSeconds (accepted, not enforced). Data capture
(DataCaptureConfig) writes SageMaker's JSON-lines records, one object per request where
AWS buffers several into one file.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker import models as sm
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from emulator.extensions import sagemaker_containers as rt

_MARK = "_project_sagemaker_endpoints"
KIND = "endpoint"
ALARM_POLL_SECONDS = 1.0


class LaunchFailure(Exception):
    pass


class RolledBack(Exception):
    pass


@dataclass
class Instance:
    container: object
    port: int


@dataclass
class Fleet:
    """The instances that serve one endpoint configuration."""

    config_name: str
    variants: dict[str, list[Instance]] = field(default_factory=dict)
    folders: list[Path] = field(default_factory=list)

    def remove(self) -> None:
        for instances in self.variants.values():
            for instance in instances:
                with contextlib.suppress(Exception):
                    instance.container.remove(force=True)
        for folder in self.folders:
            rt.remove_tree(folder)


@dataclass
class Runtime:
    """What serves an endpoint: the blue fleet and, during an update, the green one."""

    blue: Fleet | None = None
    green: Fleet | None = None
    green_share: float = 0.0
    deleted: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_runtimes: dict[tuple[str, str, str], Runtime] = {}
_runtimes_lock = threading.Lock()


def _key(backend, name: str) -> tuple[str, str, str]:
    return backend.account_id, backend.region_name, name


# --- launching a fleet -------------------------------------------------------------------

def _ping(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _primary_container(backend, model_name: str) -> dict:
    model = backend._models.get(model_name)
    if model is None:
        raise LaunchFailure(f"Could not find model \"{model_name}\".")
    spec = model.primary_container or (model.containers[0] if model.containers else None)
    if spec and spec.get("ModelPackageName") and not spec.get("Image"):
        # AWS: a container naming a model package runs the package's inference container
        # (its Image, ModelDataUrl and Environment; the model's Environment wins). This is
        # what the SageMaker Python SDK's ModelPackage.deploy() creates.
        try:
            package = backend.describe_model_package(spec["ModelPackageName"])
        except Exception:  # noqa: BLE001 (moto's ValidationError: an unknown package)
            raise LaunchFailure(f"Could not find model package \"{spec['ModelPackageName']}\".") from None
        inference = (package.inference_specification or {}).get("Containers") or [{}]
        spec = {**inference[0], "Environment": {**(inference[0].get("Environment") or {}),
                                                **(spec.get("Environment") or {})}}
    if not spec or not spec.get("Image"):
        raise LaunchFailure(f"Model {model_name} has no container image.")
    return spec


def _resolved_image(engine, image: str) -> str:
    with contextlib.suppress(Exception):
        digests = engine.images.get(image).attrs.get("RepoDigests") or []
        if "@" in image:
            return image
        repository = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
        for digest in digests:
            if digest.startswith(repository + "@"):
                return digest
    return image


def launch(backend, endpoint_name: str, config_name: str) -> tuple[Fleet, list[dict]]:
    """Start every instance of `config_name` and wait for each to pass /ping.
    Returns the fleet and DescribeEndpoint's DeployedImages; removes what it started on failure."""
    config = backend.endpoint_configs.get(config_name)
    if config is None:
        raise LaunchFailure(f"Could not find endpoint configuration \"{config_name}\".")
    fleet = Fleet(config_name)
    deployed = []
    try:
        engine = rt.client()
        timeout = float(rt.settings().get("ping_timeout_seconds") or 60)
        for variant in config.production_variants:
            name = variant["VariantName"]
            spec = _primary_container(backend, variant["ModelName"])
            image = spec["Image"]
            rt.ensure_image(engine, image)
            deployed.append({"SpecifiedImage": image, "ResolvedImage": _resolved_image(engine, image),
                             "ResolutionTime": utcnow()})
            model_dir = rt.work_dir(f"model-{endpoint_name}-")
            fleet.folders.append(model_dir)
            if spec.get("ModelDataUrl"):
                try:
                    rt.unpack_model(rt.s3_get(backend.account_id, spec["ModelDataUrl"]), model_dir)
                except Exception as err:  # noqa: BLE001 (a missing or unreadable artefact is the caller's to fix)
                    raise LaunchFailure(f"Failed to extract model data archive from URL \"{spec['ModelDataUrl']}\": "
                                        f"{err}") from None
            rt.open_tree(model_dir)
            instances = fleet.variants.setdefault(name, [])
            for _ in range(int(variant.get("InitialInstanceCount") or 1)):
                port = rt.free_port()
                container = engine.containers.run(
                    image, command=["serve"], detach=True, network_mode="host",
                    environment={**(spec.get("Environment") or {}), "SAGEMAKER_BIND_TO_PORT": str(port)},
                    volumes={str(model_dir): {"bind": "/opt/ml/model", "mode": "ro"}},
                    labels=rt.labels(KIND, endpoint=endpoint_name, config=config_name, variant=name))
                instances.append(Instance(container, port))
        for name, instances in fleet.variants.items():
            for instance in instances:
                _wait_healthy(name, instance, timeout)
    except rt.RuntimeUnavailable as err:
        fleet.remove()
        raise LaunchFailure(str(err)) from None
    except BaseException:
        fleet.remove()
        raise
    return fleet, deployed


def _wait_healthy(variant: str, instance: Instance, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _ping(instance.port):
            return
        instance.container.reload()
        if instance.container.status in ("exited", "dead"):
            break
        time.sleep(0.25)
    tail = rt.log_tail(instance.container, 5)
    raise LaunchFailure(f"The primary container for production variant {variant} did not pass the ping health "
                        f"check. Container log: {tail or '(empty)'}")


# --- lifecycle ---------------------------------------------------------------------------

def _variants(config) -> list[dict]:
    out = []
    for variant in config.production_variants:
        count = variant.get("InitialInstanceCount") or 1
        weight = variant.get("InitialVariantWeight", 1.0)
        out.append({"VariantName": variant["VariantName"], "CurrentWeight": weight, "DesiredWeight": weight,
                    "CurrentInstanceCount": count, "DesiredInstanceCount": count})
    return out


def _create(backend, endpoint, runtime: Runtime) -> None:
    try:
        fleet, deployed = launch(backend, endpoint.endpoint_name, endpoint.endpoint_config_name)
    except Exception as err:  # noqa: BLE001 (every failure is the endpoint's FailureReason)
        endpoint.failure_reason = str(err)[:1024]
        endpoint.endpoint_status = "Failed"
        endpoint.last_modified_time = utcnow()
        return
    with runtime.lock:
        if runtime.deleted:
            fleet.remove()
            return
        runtime.blue = fleet
    for variant in endpoint.production_variants:
        variant["DeployedImages"] = deployed
    endpoint.endpoint_status = "InService"
    endpoint.last_modified_time = utcnow()


def _alarms_in_alarm(backend, names: list[str]) -> list[str]:
    from moto.cloudwatch.models import cloudwatch_backends

    alarms = cloudwatch_backends[backend.account_id][backend.region_name].alarms
    return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]


def _bake(backend, alarms: list[str], seconds: float, runtime: Runtime) -> None:
    """Wait `seconds` watching the rollback alarms; raise RolledBack when one fires."""
    deadline = time.monotonic() + seconds
    while True:
        firing = _alarms_in_alarm(backend, alarms)
        if firing:
            raise RolledBack(f"Deployment rolled back: the auto-rollback alarm(s) {', '.join(firing)} went into "
                             "ALARM state; traffic was shifted back to the previous endpoint configuration.")
        if runtime.deleted or time.monotonic() >= deadline:
            return
        time.sleep(min(ALARM_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def shift_plan(policy: dict, instances: int) -> list[tuple[float, float]]:
    """(green share, seconds to wait at that share) steps for a TrafficRoutingConfiguration."""
    routing = policy.get("TrafficRoutingConfiguration") or {"Type": "ALL_AT_ONCE"}
    wait = float(routing.get("WaitIntervalInSeconds", 0))

    def share(size: dict) -> float:
        if size.get("Type") == "INSTANCE_COUNT":
            return min(1.0, float(size["Value"]) / max(instances, 1))
        return min(1.0, float(size["Value"]) / 100)

    kind = routing.get("Type", "ALL_AT_ONCE")
    if kind == "CANARY":
        return [(share(routing["CanarySize"]), wait), (1.0, 0.0)]
    if kind == "LINEAR":
        step = share(routing["LinearStepSize"])
        steps, current = [], 0.0
        while current < 1.0:
            current = min(1.0, current + step)
            steps.append((current, wait if current < 1.0 else 0.0))
        return steps
    return [(1.0, 0.0)]


def check_deployment_config(deployment: dict | None) -> None:
    """The request validation UpdateEndpoint does on a DeploymentConfig's traffic routing."""
    routing = ((deployment or {}).get("BlueGreenUpdatePolicy") or {}).get("TrafficRoutingConfiguration") or {}
    kind = routing.get("Type")
    if not routing:
        return
    if kind not in ("ALL_AT_ONCE", "CANARY", "LINEAR"):
        raise ValidationError(message=f"Invalid TrafficRoutingConfiguration Type {kind}: must be one of "
                              "ALL_AT_ONCE, CANARY, LINEAR.")
    needed = {"CANARY": "CanarySize", "LINEAR": "LinearStepSize"}.get(kind)
    if needed and not routing.get(needed):
        raise ValidationError(message=f"{needed} must be specified for a {kind} TrafficRoutingConfiguration.")
    if needed and not 0 <= int(routing.get("WaitIntervalInSeconds", -1)) <= 3600:
        raise ValidationError(message="WaitIntervalInSeconds must be between 0 and 3600 for a "
                              f"{kind} TrafficRoutingConfiguration.")


def _update(backend, endpoint, runtime: Runtime, config_name: str, deployment: dict) -> None:
    policy = (deployment or {}).get("BlueGreenUpdatePolicy") or {}
    alarms = [a["AlarmName"] for a in ((deployment or {}).get("AutoRollbackConfiguration") or {}).get("Alarms", [])]
    config = backend.endpoint_configs[config_name]
    green = None
    try:
        green, deployed = launch(backend, endpoint.endpoint_name, config_name)
        instances = sum(len(v) for v in green.variants.values())
        with runtime.lock:
            runtime.green, runtime.green_share = green, 0.0
        for share, wait in shift_plan(policy, instances):
            with runtime.lock:
                runtime.green_share = share
            _bake(backend, alarms, wait, runtime)
        _bake(backend, alarms, float(policy.get("TerminationWaitInSeconds", 0)), runtime)
    except (LaunchFailure, RolledBack, rt.RuntimeUnavailable) as err:
        with runtime.lock:
            runtime.green, runtime.green_share = None, 0.0
        if green is not None:
            green.remove()
        endpoint.failure_reason = str(err)[:1024]
        endpoint.endpoint_status = "InService"   # the old configuration keeps serving
        endpoint.last_modified_time = utcnow()
        return
    with runtime.lock:
        old, runtime.blue, runtime.green, runtime.green_share = runtime.blue, green, None, 0.0
        if runtime.deleted:
            green.remove()
    if old is not None:
        old.remove()
    endpoint.endpoint_config_name = config_name
    endpoint.production_variants = _variants(config)
    for variant in endpoint.production_variants:
        variant["DeployedImages"] = deployed
    endpoint.data_capture_config = config.data_capture_config
    endpoint.failure_reason = None
    endpoint.endpoint_status = "InService"
    endpoint.last_modified_time = utcnow()


def _remove_runtime(key: tuple[str, str, str]) -> None:
    with _runtimes_lock:
        runtime = _runtimes.pop(key, None)
    if runtime is None:
        return
    with runtime.lock:
        runtime.deleted = True
        fleets = [f for f in (runtime.blue, runtime.green) if f is not None]
        runtime.blue = runtime.green = None
    for fleet in fleets:
        fleet.remove()
    rt.remove_containers(endpoint=key[2])


# --- invocation --------------------------------------------------------------------------

def _choose(endpoint, runtime: Runtime) -> tuple[str, Instance] | None:
    with runtime.lock:
        fleet = runtime.green if runtime.green and random.random() < runtime.green_share else runtime.blue  # noqa: S311
    if fleet is None:
        return None
    weights = {v["VariantName"]: float(v.get("CurrentWeight", 1.0)) for v in endpoint.production_variants}
    names = [n for n in fleet.variants if fleet.variants[n]]
    if not names:
        return None
    chosen = random.choices(names, weights=[weights.get(n, 1.0) or 0.0 for n in names])[0] \
        if any(weights.get(n, 1.0) for n in names) else names[0]  # noqa: S311
    return chosen, random.choice(fleet.variants[chosen])  # noqa: S311


def _error(status: int, code: str, message: str, **fields) -> tuple[int, dict, str]:
    # moto takes the status from the "status" header, not from the tuple.
    return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code, "status": str(status)}, \
        json.dumps({"message": message, "Message": message, **fields})


def invoke_endpoint(self):
    name = self._get_params().get("EndpointName") or self.path.split("/")[2]
    backend = sm.sagemaker_backends[self.current_account][self.region]
    endpoint = backend.endpoints.get(name)
    runtime = _runtimes.get(_key(backend, name))
    target = _choose(endpoint, runtime) if endpoint is not None and runtime is not None else None
    if target is None:
        return _error(400, "ValidationError", f"Endpoint {name} of account {self.current_account} not found.")
    variant, instance = target
    headers = {k: v for k, v in (("Content-Type", self.headers.get("Content-Type")),
                                 ("Accept", self.headers.get("Accept")),
                                 ("X-Amzn-SageMaker-Custom-Attributes",
                                  self.headers.get("X-Amzn-SageMaker-Custom-Attributes"))) if v}
    request = urllib.request.Request(f"http://127.0.0.1:{instance.port}/invocations", data=self.raw_body or b"",
                                     headers=headers, method="POST")
    log_stream = (f"arn:aws:logs:{self.region}:{self.current_account}:log-group:/aws/sagemaker/Endpoints/{name}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback container)
            body, status, media = response.read(), response.status, response.headers.get("Content-Type")
    except urllib.error.HTTPError as err:
        body, status, media = err.read(), err.code, err.headers.get("Content-Type")
    except (urllib.error.URLError, OSError) as err:
        return _error(424, "ModelError", f"Received server error (0) from {variant} with message \"{err}\". See "
                      f"{log_stream} for more information.", OriginalStatusCode=0, OriginalMessage=str(err),
                      LogStreamArn=log_stream)
    if not 200 <= status < 300:
        text = body.decode(errors="replace")
        kind = "client" if status < 500 else "server"
        return _error(424, "ModelError", f"Received {kind} error ({status}) from {variant} with message \"{text}\". "
                      f"See {log_stream} for more information.", OriginalStatusCode=status,
                      OriginalMessage=text, LogStreamArn=log_stream)
    capture(self.current_account, endpoint, variant, self.headers.get("Content-Type") or "", self.raw_body or b"",
            media or "", body)
    out = {"Content-Type": media or "application/octet-stream", "x-Amzn-Invoked-Production-Variant": variant}
    return 200, out, body


def _captured(kind: str, media: str, data: bytes, config: dict) -> dict:
    headers = config.get("CaptureContentTypeHeader") or {}
    base = media.split(";")[0].strip().lower()
    if base in [t.lower() for t in headers.get("CsvContentTypes", ["text/csv"])]:
        encoding, text = "CSV", data.decode(errors="replace")
    elif base in [t.lower() for t in headers.get("JsonContentTypes", ["application/json"])]:
        encoding, text = "JSON", data.decode(errors="replace")
    else:
        encoding, text = "BASE64", base64.b64encode(data).decode()
    return {"observedContentType": media, "mode": kind, "data": text, "encoding": encoding}


def capture(account_id: str, endpoint, variant: str, in_type: str, request: bytes, out_type: str,
            response: bytes) -> None:
    """Data capture as SageMaker writes it: JSON lines under
    <DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/ (here one object per request)."""
    config = endpoint.data_capture_config or {}
    if not config.get("EnableCapture") or random.random() * 100 >= float(  # noqa: S311 (sampling, not security)
            config.get("InitialSamplingPercentage", 100)):
        return
    modes = {o.get("CaptureMode") for o in config.get("CaptureOptions") or [{"CaptureMode": "Input"},
                                                                            {"CaptureMode": "Output"}]}
    data = {}
    if "Input" in modes:
        data["endpointInput"] = _captured("INPUT", in_type, request, config)
    if "Output" in modes:
        data["endpointOutput"] = _captured("OUTPUT", out_type, response, config)
    now = utcnow()
    event = {"captureData": data, "eventMetadata": {"eventId": str(uuid.uuid4()),
                                                    "inferenceTime": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"},
             "eventVersion": "0"}
    key = (f"{config['DestinationS3Uri'].rstrip('/')}/{endpoint.endpoint_name}/{variant}/{now:%Y/%m/%d/%H}/"
           f"{now:%M-%S-%f}-{uuid.uuid4()}.jsonl")
    with contextlib.suppress(Exception):  # as on AWS, a capture that cannot be written never fails the request
        rt.s3_put(account_id, key, (json.dumps(event) + "\n").encode())


# --- wiring ------------------------------------------------------------------------------

def apply() -> None:
    if getattr(sm.SageMakerModelBackend, _MARK, False):
        return
    backend_cls = sm.SageMakerModelBackend
    original_create = backend_cls.create_endpoint
    original_delete = backend_cls.delete_endpoint

    def create_endpoint(self, endpoint_name, endpoint_config_name, tags):
        if endpoint_name in self.endpoints:
            raise ValidationError(message=f"Cannot create already existing endpoint "
                                  f"\"{self.endpoints[endpoint_name].arn}\".")
        if endpoint_config_name not in self.endpoint_configs:
            arn = sm.FakeEndpointConfig.arn_formatter(endpoint_config_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint configuration \"{arn}\".")
        endpoint = original_create(self, endpoint_name, endpoint_config_name, tags)
        endpoint.endpoint_status = "Creating"
        runtime = Runtime()
        with _runtimes_lock:
            _runtimes[_key(self, endpoint_name)] = runtime
        threading.Thread(target=_create, args=(self, endpoint, runtime), daemon=True,
                         name=f"endpoint-{endpoint_name}").start()
        return endpoint

    def delete_endpoint(self, endpoint_name):
        original_delete(self, endpoint_name)
        _remove_runtime(_key(self, endpoint_name))

    def update_endpoint(self, endpoint_name, endpoint_config_name, deployment_config):
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = sm.FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint \"{arn}\".")
        if endpoint.endpoint_status != "InService":
            raise ValidationError(message=f"Cannot update in-progress endpoint \"{endpoint.arn}\"."
                                  if endpoint.endpoint_status in ("Creating", "Updating", "SystemUpdating")
                                  else f"Cannot update endpoint \"{endpoint.arn}\" in status "
                                  f"{endpoint.endpoint_status}: delete it and create it again.")
        if endpoint_config_name not in self.endpoint_configs:
            arn = sm.FakeEndpointConfig.arn_formatter(endpoint_config_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint configuration \"{arn}\".")
        check_deployment_config(deployment_config)
        runtime = _runtimes.get(_key(self, endpoint_name))
        if runtime is None:  # made before the runtime was configured: nothing serves it yet
            runtime = _runtimes.setdefault(_key(self, endpoint_name), Runtime())
        endpoint.endpoint_status = "Updating"
        endpoint.failure_reason = None
        endpoint.last_modified_time = utcnow()
        if deployment_config:
            endpoint.last_deployment_config = deployment_config
        threading.Thread(target=_update, args=(self, endpoint, runtime, endpoint_config_name, deployment_config),
                         daemon=True, name=f"endpoint-update-{endpoint_name}").start()
        return endpoint.arn

    backend_cls.create_endpoint = create_endpoint
    backend_cls.delete_endpoint = delete_endpoint
    backend_cls.update_endpoint = update_endpoint

    def update_endpoint_response(self) -> ActionResult:
        arn = self.sagemaker_backend.update_endpoint(
            endpoint_name=self._get_param("EndpointName"),
            endpoint_config_name=self._get_param("EndpointConfigName"),
            deployment_config=self._get_param("DeploymentConfig"))
        return ActionResult({"EndpointArn": arn})

    SageMakerResponse.update_endpoint = update_endpoint_response
    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint

    original_reset = backend_cls.reset

    def reset(self):
        for key in [k for k in _runtimes if k[:2] == (self.account_id, self.region_name)]:
            _remove_runtime(key)
        original_reset(self)

    backend_cls.reset = reset
    # On the emulator's exit, every fleet goes: its containers and its unpacked models.
    atexit.register(lambda: [_remove_runtime(key) for key in list(_runtimes)])
    setattr(backend_cls, _MARK, True)
