"""CreateProcessingJob runs the processing image and reports what happened.

Gap: moto 5.2 records a processing job as `Completed` the moment it is created: nothing
runs, no input is downloaded, no output is written; `Environment` and
`ProcessingResources` are dropped from the record; a second job with the same name
silently replaces the first.

AWS (SageMaker API Reference: CreateProcessingJob, DescribeProcessingJob, ProcessingInput,
ProcessingS3Input, ProcessingOutput, ProcessingStoppingCondition; Developer Guide "How to
Build Your Own Processing Container", "How Amazon SageMaker Processing Configures Input
and Output"; Model Monitor "CloudWatch Metrics for Bring Your Own Containers"):
- the job is `InProgress` while `AppSpecification.ImageUri` runs with its
  `ContainerEntrypoint` / `ContainerArguments` and `Environment`; every
  `ProcessingInputs[].S3Input` is downloaded before it starts (File mode) to its
  `LocalPath` (S3Prefix: every object under the prefix, keeping the key's path after
  the prefix; ManifestFile: the objects the manifest lists); the job's request is in
  `/opt/ml/processing/processingjobconfig.json`;
- on exit 0 every `ProcessingOutputConfig.Outputs[].S3Output.LocalPath` is uploaded to its
  `S3Uri` and the job is `Completed`; on a non-zero exit it is `Failed` with a
  `FailureReason`; the container's `/opt/ml/output/message` is the `ExitMessage`; past
  `StoppingCondition.MaxRuntimeInSeconds` the job is stopped (`Stopped`); StopProcessingJob
  stops a running job (`Stopping`, then `Stopped`); names are unique (ResourceInUse).
- a Model Monitor execution (a job started by a monitoring schedule) with
  `publish_cloudwatch_metrics` not `Disabled` publishes the JSON metric files it writes to
  `/opt/ml/output/metrics/cloudwatch/` (PutMetricData's MetricDatum shape: MetricName,
  Timestamp, Dimensions, Value or StatisticValues, Unit) to the namespace
  `/aws/sagemaker/Endpoint/data-metrics` (endpoint input) or
  `/aws/sagemaker/ModelMonitoring/data-metrics` (batch transform input).

Here the container runs in the local Docker engine configured for
`sagemaker_containers`, host network, `/opt/ml` bind-mounted from a private folder (a
LocalPath outside `/opt/ml` gets its own bind mount). Metrics go through the emulator's
CloudWatch PutMetricData, so alarms on them are evaluated (cloudwatch_alarm_evaluation).
Not modelled: Pipe / FastFile input, DatasetDefinition (Athena, Redshift) inputs,
S3CompressionType Gzip, ShardedByS3Key (one instance), Continuous upload (uploaded at the
end like EndOfJob), NetworkConfig, distributed processing. A metric file may hold one
object, a list, or JSON lines.
"""

from __future__ import annotations

import contextlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from moto.core.utils import utcnow
from moto.sagemaker import models as sm
from moto.sagemaker.exceptions import ResourceInUseException, ValidationError

from emulator.extensions import sagemaker_containers as rt

_MARK = "_project_sagemaker_processing_jobs"
KIND = "processing"
OPT_ML = PurePosixPath("/opt/ml")
METRICS_DIR = "output/metrics/cloudwatch"
ENDPOINT_NAMESPACE = "/aws/sagemaker/Endpoint/data-metrics"
BATCH_NAMESPACE = "/aws/sagemaker/ModelMonitoring/data-metrics"
_request = threading.local()
_stopping: set[str] = set()


class JobFailure(Exception):
    """Why a job failed, as FailureReason says it."""


def _finish(job, status: str, failure: str | None = None) -> None:
    job.processing_end_time = job.last_modified_time = utcnow()
    if failure:
        job.failure_reason = failure[:1024]  # the API's limit
    job.processing_job_status = status


def _mounts(job, root: Path) -> tuple[dict[str, dict], dict[str, Path]]:
    """Docker volumes and the host folder of every container path the job names."""
    volumes = {str(root): {"bind": str(OPT_ML), "mode": "rw"}}
    folders: dict[str, Path] = {}
    paths = [i["S3Input"]["LocalPath"] for i in job.processing_inputs or [] if i.get("S3Input")]
    paths += [o["S3Output"]["LocalPath"] for o in (job.processing_output_config or {}).get("Outputs", [])
              if o.get("S3Output")]
    for index, local in enumerate(paths):
        path = PurePosixPath(local)
        if not path.is_absolute() or ".." in path.parts:
            raise JobFailure(f"ClientError: LocalPath {local} must be an absolute path without '..'")
        if path.is_relative_to(OPT_ML):
            folders[local] = root / path.relative_to(OPT_ML)
        else:  # its own bind mount
            folders[local] = root.parent / f"{root.name}-mount-{index}"
            volumes[str(folders[local])] = {"bind": local, "mode": "rw"}
        folders[local].mkdir(parents=True, exist_ok=True)
    return volumes, folders


def _manifest_keys(account_id: str, uri: str) -> list[tuple[str, str]]:
    """(S3 URI, path under LocalPath) of every object a manifest file lists."""
    try:
        manifest = json.loads(rt.s3_get(account_id, uri))
        prefix = manifest[0]["prefix"]
        return [(prefix + relative, relative) for relative in manifest[1:]]
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise JobFailure(f"ClientError: manifest {uri} is not [{{\"prefix\": ...}}, key, ...]: {err}") from None


def download_inputs(job, account_id: str, folders: dict[str, Path]) -> None:
    for item in job.processing_inputs or []:
        name = item.get("InputName", "")
        source = item.get("S3Input")
        if not source:
            raise JobFailure(f"ClientError: input {name}: only S3Input is supported here")
        if source.get("S3InputMode", "File") != "File":
            raise JobFailure(f"ClientError: input {name}: S3InputMode {source['S3InputMode']} is not supported "
                             "here (use File)")
        if source.get("S3CompressionType", "None") != "None":
            raise JobFailure(f"ClientError: input {name}: S3CompressionType {source['S3CompressionType']} is not "
                             "supported here")
        target, uri = folders[source["LocalPath"]], source["S3Uri"]
        try:
            if source.get("S3DataType", "S3Prefix") == "ManifestFile":
                objects = _manifest_keys(account_id, uri)
            else:
                bucket, prefix = rt.split_s3_uri(uri)
                wanted = (getattr(job, "input_key_filters", None) or {}).get(source["LocalPath"], lambda _: True)
                objects = [(f"s3://{bucket}/{key}", key[len(prefix):].lstrip("/") or PurePosixPath(key).name)
                           for key in rt.s3_keys(account_id, uri) if wanted(key)]
        except JobFailure:
            raise
        except Exception as err:  # noqa: BLE001 (a missing bucket is the caller's to fix)
            raise JobFailure(f"ClientError: input {name}: cannot list {uri}: {err}") from None
        if not objects:
            raise JobFailure(f"ClientError: input {name}: no objects under {uri}")
        for object_uri, relative in objects:
            dest = (target / relative).resolve()
            if target.resolve() not in dest.parents:
                raise JobFailure(f"ClientError: input {name}: {object_uri} escapes {source['LocalPath']}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                dest.write_bytes(rt.s3_get(account_id, object_uri))
            except Exception as err:  # noqa: BLE001
                raise JobFailure(f"ClientError: input {name}: cannot read {object_uri}: {err}") from None


def upload_outputs(job, account_id: str, folders: dict[str, Path]) -> None:
    for output in (job.processing_output_config or {}).get("Outputs", []):
        target = output.get("S3Output")
        if not target:
            continue
        base = target["S3Uri"].rstrip("/")
        source = folders[target["LocalPath"]]
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            rt.s3_put(account_id, f"{base}/{path.relative_to(source).as_posix()}", path.read_bytes())


def _timestamp(value) -> datetime | None:
    """A metric file's Timestamp (ISO 8601 or epoch seconds) as moto keeps times: naive UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=UTC).replace(tzinfo=None)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def read_metric_files(folder: Path) -> list[dict]:
    """The MetricDatum objects of every file in /opt/ml/output/metrics/cloudwatch."""
    data = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
        text = path.read_text(errors="replace").strip()
        try:
            parsed = json.loads(text)
            items = parsed if isinstance(parsed, list) else [parsed]
        except ValueError:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        for item in items:
            datum = {k: item[k] for k in ("MetricName", "Dimensions", "Unit", "StatisticValues", "Value", "Values",
                                          "Counts") if k in item}
            datum["Timestamp"] = _timestamp(item.get("Timestamp"))
            if "Value" in datum:
                datum["Value"] = float(datum["Value"])
            data.append(datum)
    return data


def publish_metrics(job, account_id: str, region: str, root: Path) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    try:
        data = read_metric_files(root / METRICS_DIR)
    except (ValueError, TypeError) as err:
        raise JobFailure(f"ClientError: a metric file in /opt/ml/{METRICS_DIR} is not valid JSON: {err}") from None
    if not data:
        return
    endpoint_input = any(i.get("EndpointInput") for i in getattr(job, "monitoring_inputs", None) or [])
    namespace = ENDPOINT_NAMESPACE if endpoint_input or not getattr(job, "monitoring_inputs", None) \
        else BATCH_NAMESPACE
    backend = cloudwatch_backends[account_id][region]
    for start in range(0, len(data), 1000):  # PutMetricData's limit per call
        backend.put_metric_data(namespace, data[start:start + 1000])


def _config(job) -> dict:
    """/opt/ml/processing/processingjobconfig.json: the job's request, as SageMaker writes it."""
    return {"ProcessingJobArn": job.arn, "ProcessingJobName": job.processing_job_name,
            "AppSpecification": job.app_specification, "Environment": job.environment,
            "ProcessingInputs": job.processing_inputs or [], "ProcessingOutputConfig": job.processing_output_config,
            "ProcessingResources": job.processing_resources, "RoleArn": job.role_arn,
            "StoppingCondition": job.stopping_condition}


def run(job, account_id: str, region: str) -> None:
    """Run the job to its end; every outcome is written to the job record."""
    root = container = None
    try:
        engine = rt.client()
        spec = job.app_specification
        root = rt.work_dir(f"processing-{job.processing_job_name}-")
        volumes, folders = _mounts(job, root)
        download_inputs(job, account_id, folders)
        for folder in ("processing", "output", METRICS_DIR, "config"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "processing" / "processingjobconfig.json").write_text(json.dumps(_config(job), default=str))
        (root / "config" / "resourceconfig.json").write_text(json.dumps({"current_host": "algo-1",
                                                                         "hosts": ["algo-1"]}))
        for path in (root, *(v for v in folders.values() if root not in v.parents)):
            rt.open_tree(path, writable=True)
        rt.ensure_image(engine, spec["ImageUri"])
        if job.processing_job_name in _stopping:
            _finish(job, "Stopped")
            return
        container = engine.containers.run(
            spec["ImageUri"], command=spec.get("ContainerArguments"), entrypoint=spec.get("ContainerEntrypoint"),
            detach=True, network_mode="host", environment=job.environment or {}, volumes=volumes,
            labels=rt.labels(KIND, job=job.processing_job_name))
        job.container = container
        limit = (job.stopping_condition or {}).get("MaxRuntimeInSeconds", 86400)
        try:
            code = container.wait(timeout=limit)["StatusCode"]
        except Exception:  # noqa: BLE001 (requests' ReadTimeout: the run outlived its limit)
            container.kill()
            _finish(job, "Stopped", f"MaxRuntimeExceeded: the job ran longer than MaxRuntimeInSeconds={limit} "
                    "and was stopped")
            return
        message = root / "output" / "message"
        if message.exists():
            job.exit_message = message.read_text(errors="replace").strip()[:1024]
        if job.processing_job_name in _stopping:
            _finish(job, "Stopped")
            return
        if code != 0:
            failure = root / "output" / "failure"
            reason = failure.read_text(errors="replace").strip() if failure.exists() else ""
            tail = "\n".join(rt.log_tail(container, 5).splitlines())
            raise JobFailure(f"AlgorithmError: {reason or job.exit_message or tail or 'no failure file'}, "
                             f"exit code: {code}")
        upload_outputs(job, account_id, folders)
        if getattr(job, "monitoring_schedule_arn", None) and \
                (job.environment or {}).get("publish_cloudwatch_metrics", "Enabled") != "Disabled":
            publish_metrics(job, account_id, region, root)
        _finish(job, "Completed")
    except JobFailure as err:
        _finish(job, "Failed", str(err))
    except Exception as err:  # noqa: BLE001 (whatever went wrong must reach DescribeProcessingJob)
        _finish(job, "Failed", f"InternalServerError: {type(err).__name__}: {err}")
    finally:
        _stopping.discard(job.processing_job_name)
        job.container = None
        if container is not None:
            with contextlib.suppress(Exception):
                container.remove(force=True)
        if root is not None:
            for extra in root.parent.glob(f"{root.name}-mount-*"):
                rt.remove_tree(extra)
        rt.remove_tree(root)


def start(backend, request: dict, monitoring_schedule_arn: str | None = None,
          monitoring_inputs: list | None = None, key_filters: dict | None = None):
    """Create a processing job from a CreateProcessingJob request (as a monitoring schedule
    does for each execution) and run it; returns the job record. `key_filters` maps an
    input's LocalPath to a predicate on its S3 keys (the monitoring window's objects)."""
    _request.environment = request.get("Environment") or {}
    _request.resources = request.get("ProcessingResources")
    _request.schedule = (monitoring_schedule_arn, monitoring_inputs, key_filters)
    try:
        return backend.create_processing_job(
            app_specification=request["AppSpecification"], experiment_config=request.get("ExperimentConfig"),
            network_config=request.get("NetworkConfig"), processing_inputs=request.get("ProcessingInputs") or [],
            processing_job_name=request["ProcessingJobName"],
            processing_output_config=request.get("ProcessingOutputConfig"), role_arn=request["RoleArn"],
            tags=request.get("Tags"), stopping_condition=request.get("StoppingCondition"))
    finally:
        _request.environment = _request.resources = _request.schedule = None


def apply() -> None:
    if getattr(sm.SageMakerModelBackend, _MARK, False):
        return
    original_create = sm.SageMakerModelBackend.create_processing_job
    original_stop = sm.SageMakerModelBackend.stop_processing_job
    original_response = sm.FakeProcessingJob.response_object.fget

    def create_processing_job(self, *args, **kwargs):
        name = kwargs.get("processing_job_name")
        if name in self.processing_jobs:
            raise ResourceInUseException(
                "Processing job names must be unique within an AWS account and region, and a processing job with "
                f"this name already exists ({self.processing_jobs[name].arn})")
        job = original_create(self, *args, **kwargs)
        job.processing_job_status = "InProgress"
        job.processing_start_time = job.creation_time
        job.processing_end_time = None
        job.environment = dict(getattr(_request, "environment", None) or {})
        job.processing_resources = getattr(_request, "resources", None)
        schedule, inputs, filters = getattr(_request, "schedule", None) or (None, None, None)
        job.monitoring_schedule_arn, job.monitoring_inputs, job.input_key_filters = schedule, inputs, filters
        job.failure_reason = job.exit_message = job.container = None
        threading.Thread(target=run, args=(job, self.account_id, self.region_name), daemon=True,
                         name=f"processing-{name}").start()
        return job

    def stop_processing_job(self, processing_job_name):
        job = self.processing_jobs.get(processing_job_name)
        if job is None or getattr(job, "environment", None) is None:  # unknown, or made before apply()
            return original_stop(self, processing_job_name)
        if job.processing_job_status != "InProgress":
            raise ValidationError(message=f"The processing job {processing_job_name} is not in progress "
                                  f"(status {job.processing_job_status}): only an InProgress job can be stopped.")
        _stopping.add(processing_job_name)
        job.processing_job_status = "Stopping"
        job.last_modified_time = utcnow()
        with contextlib.suppress(Exception):
            if job.container is not None:
                job.container.kill()
        return None

    def response_object(self):
        out = original_response(self)
        for private in ("Container", "MonitoringInputs", "InputKeyFilters"):  # the runtime's, not the API's
            out.pop(private, None)
        return {k: v for k, v in out.items() if v not in (None, {}, [])} | \
            {"ProcessingInputs": self.processing_inputs or []}

    # CreateProcessingJob's Environment and ProcessingResources (moto's backend drops them)
    # reach the job: the response hands them to the backend call, in the same thread.
    from moto.sagemaker.responses import SageMakerResponse

    original_create_response = SageMakerResponse.create_processing_job

    def create_processing_job_response(self):
        _request.environment = self._get_param("Environment") or {}
        _request.resources = self._get_param("ProcessingResources")
        try:
            return original_create_response(self)
        finally:
            _request.environment = _request.resources = None

    original_reset = sm.SageMakerModelBackend.reset

    def reset(self):
        # A reset forgets the jobs: their containers go too.
        for job in list(getattr(self, "processing_jobs", {}).values()):
            if getattr(job, "container", None) is not None:
                _stopping.add(job.processing_job_name)
                with contextlib.suppress(Exception):
                    job.container.remove(force=True)
        original_reset(self)

    sm.SageMakerModelBackend.reset = reset
    sm.SageMakerModelBackend.create_processing_job = create_processing_job
    sm.SageMakerModelBackend.stop_processing_job = stop_processing_job
    sm.FakeProcessingJob.response_object = property(response_object)
    SageMakerResponse.create_processing_job = create_processing_job_response
    setattr(sm.SageMakerModelBackend, _MARK, True)
