"""CreateTrainingJob runs the image's `train` and reports what happened.

Gap: moto 5.2 records a training job as `Completed` the moment it is created; nothing
runs, no `model.tar.gz` is written, `FinalMetricDataList` is a made-up `train:progress`,
and the request's `MetricDefinitions` are replaced by an unrelated `test:dcg` regex. A
second job with the same name silently replaces the first.

AWS (SageMaker API Reference: CreateTrainingJob, DescribeTrainingJob; Developer Guide
"How Amazon SageMaker runs your training image", "Define metrics"): the job is
`InProgress` (secondary status Starting, Downloading, Training, Uploading) while the
image runs as `docker run IMAGE train` with every channel's S3 objects under
`/opt/ml/input/data/<channel>`, `hyperparameters.json`, `inputdataconfig.json` and
`resourceconfig.json` under `/opt/ml/input/config`; on exit 0 `/opt/ml/model` is
packed into `<S3OutputPath>/<job>/output/model.tar.gz` and the job is `Completed`, with
`FinalMetricDataList` holding the last value each `MetricDefinitions` regex matched in
the algorithm's logs; on a non-zero exit it is `Failed` with `FailureReason`
"AlgorithmError: <the contents of /opt/ml/output/failure>"; past
`StoppingCondition.MaxRuntimeInSeconds` it is stopped (`Stopped`, secondary status
`MaxRuntimeExceeded`). Names are unique per account and region (ResourceInUse).

Here the container runs in the local Docker engine configured for
`sagemaker_containers` (see that module), host network, `/opt/ml` bind-mounted from a
private folder. Without a configured engine the job fails with that reason.
Not modelled: Pipe/FastFile input modes and manifest files (the job fails saying so),
distributed training (one host, `algo-1`), spot training, checkpoints, output.tar.gz.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from pathlib import Path

from moto.core.utils import utcnow
from moto.sagemaker import models as sm
from moto.sagemaker.exceptions import ResourceInUseException

from emulator.extensions import sagemaker_containers as rt

_MARK = "_project_sagemaker_training_jobs"
KIND = "training"
_request = threading.local()


class JobFailure(Exception):
    """Why a job failed, as FailureReason says it."""


def _transition(job, status: str, message: str) -> None:
    now = utcnow()
    if job.secondary_status_transitions:
        job.secondary_status_transitions[-1]["EndTime"] = now
    job.secondary_status_transitions.append({"Status": status, "StartTime": now, "StatusMessage": message})
    job.secondary_status = status
    job.last_modified_time = now


def _finish(job, status: str, secondary: str, message: str, failure: str | None = None) -> None:
    _transition(job, secondary, message)
    job.secondary_status_transitions[-1]["EndTime"] = job.last_modified_time
    job.training_end_time = job.last_modified_time
    seconds = int((job.training_end_time - job.training_start_time).total_seconds())
    job.training_time_in_seconds = job.billable_time_in_seconds = max(seconds, 1)
    if failure:
        job.failure_reason = failure[:1024]  # the API's limit
    job.training_job_status = status


def _download_channels(job, account_id: str, root: Path) -> None:
    config = {}
    for channel in job.input_data_config or []:
        name = channel["ChannelName"]
        source = (channel.get("DataSource") or {}).get("S3DataSource")
        if not source:
            raise JobFailure(f"ClientError: channel {name}: only S3DataSource is supported here")
        if source.get("S3DataType", "S3Prefix") != "S3Prefix":
            raise JobFailure(f"ClientError: channel {name}: S3DataType {source['S3DataType']} is not supported here "
                             "(use S3Prefix)")
        mode = channel.get("InputMode") or job.algorithm_specification.get("TrainingInputMode", "File")
        if mode != "File":
            raise JobFailure(f"ClientError: channel {name}: input mode {mode} is not supported here (use File)")
        target = root / "input" / "data" / name
        target.mkdir(parents=True, exist_ok=True)
        uri = source["S3Uri"]
        bucket, prefix = rt.split_s3_uri(uri)
        try:
            keys = rt.s3_keys(account_id, uri)
        except Exception as err:  # noqa: BLE001 (a missing bucket is the user's to fix)
            raise JobFailure(f"ClientError: channel {name}: cannot list {uri}: {err}") from None
        if not keys:
            raise JobFailure(f"ClientError: channel {name}: no objects under {uri}")
        for key in keys:
            relative = key[len(prefix):].lstrip("/") or Path(key).name
            dest = (target / relative).resolve()
            if target.resolve() not in dest.parents:
                raise JobFailure(f"ClientError: channel {name}: key {key} escapes the channel folder")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(rt.s3_get(account_id, f"s3://{bucket}/{key}"))
        config[name] = {"ContentType": channel.get("ContentType", ""), "TrainingInputMode": mode,
                        "S3DistributionType": source.get("S3DataDistributionType", "FullyReplicated"),
                        "RecordWrapperType": channel.get("RecordWrapperType", "None")}
    conf = root / "input" / "config"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "inputdataconfig.json").write_text(json.dumps(config))
    (conf / "hyperparameters.json").write_text(json.dumps(job.hyper_parameters or {}))
    (conf / "resourceconfig.json").write_text(json.dumps(
        {"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "lo"}))


def final_metrics(definitions: list[dict], logs: str) -> list[dict]:
    """The last value each metric regex captured in the logs (SageMaker's FinalMetricDataList)."""
    out = []
    for definition in definitions or []:
        matches = re.findall(definition["Regex"], logs)
        if not matches:
            continue
        last = matches[-1][0] if isinstance(matches[-1], tuple) else matches[-1]
        with contextlib.suppress(ValueError):
            out.append({"MetricName": definition["Name"], "Value": float(last), "Timestamp": utcnow()})
    return out


def run(job, account_id: str) -> None:
    """Run the job to its end; every outcome is written to the job record."""
    root = container = None
    try:
        engine = rt.client()
        image = job.algorithm_specification["TrainingImage"]
        root = rt.work_dir(f"training-{job.training_job_name}-")
        _transition(job, "Downloading", "Downloading input data")
        _download_channels(job, account_id, root)
        for folder in ("model", "output", "output/data"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        rt.open_tree(root, writable=True)
        rt.ensure_image(engine, image)
        _transition(job, "Training", "Training image download completed. Training in progress.")
        spec = job.algorithm_specification
        container = engine.containers.run(
            image, command=spec.get("ContainerArguments") or ["train"], entrypoint=spec.get("ContainerEntrypoint"),
            detach=True, network_mode="host", labels=rt.labels(KIND, job=job.training_job_name),
            environment={"TRAINING_JOB_NAME": job.training_job_name, "TRAINING_JOB_ARN": job.arn,
                         **(job.environment or {})},
            volumes={str(root): {"bind": "/opt/ml", "mode": "rw"}})
        limit = (job.stopping_condition or {}).get("MaxRuntimeInSeconds", 86400)
        try:
            code = container.wait(timeout=limit)["StatusCode"]
        except Exception:  # noqa: BLE001 (requests' ReadTimeout: the run outlived its limit)
            container.kill()
            _finish(job, "Stopped", "MaxRuntimeExceeded",
                    f"Training job stopped: it ran longer than MaxRuntimeInSeconds={limit}")
            return
        logs = container.logs().decode(errors="replace")
        job.final_metric_data_list = final_metrics(spec.get("MetricDefinitions"), logs)
        if code != 0:
            failure = root / "output" / "failure"
            reason = failure.read_text(errors="replace").strip() if failure.exists() else ""
            tail = "\n".join(logs.strip().splitlines()[-5:])
            raise JobFailure(f"AlgorithmError: {reason or tail or 'no failure file'}, exit code: {code}")
        _transition(job, "Uploading", "Uploading generated training model")
        rt.s3_put(account_id, job.model_artifacts["S3ModelArtifacts"], rt.pack_model(root / "model"))
        _finish(job, "Completed", "Completed", "Training job completed")
    except JobFailure as err:
        _finish(job, "Failed", "Failed", "Training job failed", str(err))
    except Exception as err:  # noqa: BLE001 (whatever went wrong must reach DescribeTrainingJob)
        _finish(job, "Failed", "Failed", "Training job failed", f"InternalServerError: {type(err).__name__}: {err}")
    finally:
        if container is not None:
            with contextlib.suppress(Exception):
                container.remove(force=True)
        rt.remove_tree(root)


def apply() -> None:
    if getattr(sm.SageMakerModelBackend, _MARK, False):
        return
    original_create = sm.SageMakerModelBackend.create_training_job

    def create_training_job(self, training_job_name, hyper_parameters, algorithm_specification, *args, **kwargs):
        if training_job_name in self.training_jobs:
            raise ResourceInUseException(
                "Training job names must be unique within an AWS account and region, and a training job with "
                f"this name already exists ({self.training_jobs[training_job_name].arn})")
        definitions = list(algorithm_specification.get("MetricDefinitions") or [])
        job = original_create(self, training_job_name, hyper_parameters, algorithm_specification, *args, **kwargs)
        # moto overwrites the request's metric definitions with its own; put the caller's back.
        job.algorithm_specification["MetricDefinitions"] = definitions
        if not definitions:
            del job.algorithm_specification["MetricDefinitions"]
        job.training_job_status = "InProgress"
        job.secondary_status = "Starting"
        job.secondary_status_transitions = [{"Status": "Starting", "StartTime": job.creation_time,
                                             "StatusMessage": "Preparing the instances for training"}]
        job.final_metric_data_list = []
        job.training_end_time = None
        job.environment = dict(getattr(_request, "environment", None) or {})
        threading.Thread(target=run, args=(job, self.account_id), daemon=True,
                         name=f"training-{training_job_name}").start()
        return job

    sm.SageMakerModelBackend.create_training_job = create_training_job

    # CreateTrainingJob's Environment (moto's backend drops it) reaches the container: the
    # response hands it to the backend call, in the same thread.
    from moto.sagemaker.responses import SageMakerResponse

    original_response = SageMakerResponse.create_training_job

    def create_training_job_response(self):
        _request.environment = self._get_param("Environment") or {}
        try:
            return original_response(self)
        finally:
            _request.environment = {}

    SageMakerResponse.create_training_job = create_training_job_response
    setattr(sm.SageMakerModelBackend, _MARK, True)

