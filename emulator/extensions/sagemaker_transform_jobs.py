"""CreateTransformJob runs the model's container and scores the input objects.

Gap: moto 5.2 records a transform job as `Completed` the moment it is created: no
container runs, nothing is read, no `.out` object is written, and a second job with the
same name silently replaces the first.

AWS (SageMaker API Reference: CreateTransformJob, DescribeTransformJob, TransformInput,
TransformOutput, DataProcessing; Developer Guide "Use Batch Transform", "Associate
Prediction Results with Input Records", "Use your own inference code with batch
transform"):
- the job is `InProgress` while the model's primary container runs `serve` (the model
  artefact unpacked at /opt/ml/model, the model's and the job's `Environment`, plus
  `SAGEMAKER_BATCH`, `SAGEMAKER_MAX_PAYLOAD_IN_MB`, `SAGEMAKER_BATCH_STRATEGY`,
  `SAGEMAKER_MAX_CONCURRENT_TRANSFORMS`) and answers `GET /ping`;
- every object under `TransformInput.DataSource.S3DataSource.S3Uri` (S3Prefix, or the
  objects a ManifestFile lists) is sent to `POST /invocations` with `ContentType` and
  `TransformOutput.Accept`: whole (`SplitType` None), or split into lines (`Line`), one
  record per request (`BatchStrategy` SingleRecord) or as many as fit in `MaxPayloadInMB`
  (MultiRecord, default 6 MB);
- the answers go to `<S3OutputPath>/<key relative to the input prefix>.out`, each record's
  answer on its own line with `AssembleWith` Line, concatenated with None;
- `DataProcessing`: `InputFilter` picks what of each record is sent, `JoinSource` Input
  joins each input record with its answer (CSV: the columns side by side; JSON: the answer
  under `SageMakerOutput`), `OutputFilter` picks what of the joined record is written;
- a record the container refuses (4xx/5xx) fails the job with `FailureReason`; a record
  larger than MaxPayloadInMB fails it too; names are unique (ResourceInUse).

Here the container is one instance in the local Docker engine configured for
`sagemaker_containers` (the endpoints extension's launch code: same image resolution,
artefact unpacking and /ping wait). JSONPath subset of the filters: `$`, `$.name`,
`$['name']`, `$[i]`, `$[i,j,...]`, `$[a:b]` (a or b may be omitted, negatives allowed),
chained (`$.features[1:]`); a CSV record is an array of its fields. Not modelled:
CompressionType Gzip, RecordIO/TFRecord splits, `GET /execution-parameters`, several
instances or concurrent requests (records go one request at a time), DataCaptureConfig of
the job, ModelClientConfig retries and timeouts (60 s per request).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import threading
import urllib.error
import urllib.request

from moto.core.utils import utcnow
from moto.sagemaker import models as sm
from moto.sagemaker.exceptions import ResourceInUseException, ValidationError

from emulator.extensions import sagemaker_containers as rt
from emulator.extensions import sagemaker_endpoints as endpoints

_MARK = "_project_sagemaker_transform_jobs"
KIND = "transform"
MB = 1024 * 1024


class JobFailure(Exception):
    """Why a job failed, as FailureReason says it."""


# --- the JSONPath subset of DataProcessing ------------------------------------------------

_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[([-\d\s,:]*)\]")


def json_path(path: str, value):
    """Apply one of the supported JSONPath expressions (see the module docstring) to `value`."""
    if not path or path.strip() == "$":
        return value
    path = path.strip()
    if not path.startswith("$"):
        raise JobFailure(f"ClientError: JSONPath {path!r} must start with $")
    position, current = 1, value
    while position < len(path):
        match = _TOKEN.match(path, position)
        if not match:
            raise JobFailure(f"ClientError: JSONPath {path!r} is not supported here (at {path[position:]!r})")
        name = match.group(1) or match.group(2) or match.group(3)
        try:
            if name is not None:
                current = current[name]
            elif ":" in match.group(4):
                start, _, stop = match.group(4).partition(":")
                current = current[int(start) if start.strip() else None:int(stop) if stop.strip() else None]
            else:
                indices = [int(i) for i in match.group(4).split(",")]
                current = current[indices[0]] if len(indices) == 1 else [current[i] for i in indices]
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise JobFailure(f"ClientError: JSONPath {path!r} does not apply to the record {value!r}: {err}") \
                from None
        position = match.end()
    return current


def _is_csv(media: str) -> bool:
    return media.split(";")[0].strip().lower() in ("text/csv", "application/csv")


def _parse(record: bytes, media: str):
    text = record.decode()
    if _is_csv(media):
        return next(csv.reader([text]), [])
    return json.loads(text)


def _render(value, media: str) -> bytes:
    if _is_csv(media):
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(value if isinstance(value, list) else [value])
        return out.getvalue().encode()
    return json.dumps(value, separators=(",", ":")).encode()


def _join(record, answer: bytes, in_media: str, out_media: str):
    """JoinSource Input: the record with its answer (CSV: side by side; JSON: SageMakerOutput)."""
    if _is_csv(in_media) and _is_csv(out_media):
        return list(record) + _parse(answer, out_media)
    if isinstance(record, dict):
        return {**record, "SageMakerOutput": json.loads(answer.decode())}
    raise JobFailure("ClientError: JoinSource Input needs CSV input and output, or JSON objects as input records")


# --- running ---------------------------------------------------------------------------------

def _launch(backend, job, engine):
    """One instance of the model's primary container, healthy; returns (instance, model folder)."""
    model_dir = container = None
    try:
        spec = endpoints._primary_container(backend, job.model_name)
        rt.ensure_image(engine, spec["Image"])
        model_dir = rt.work_dir(f"model-{job.transform_job_name}-")
        if spec.get("ModelDataUrl"):
            rt.unpack_model(rt.s3_get(backend.account_id, spec["ModelDataUrl"]), model_dir)
        rt.open_tree(model_dir)
        port = rt.free_port()
        environment = {**(spec.get("Environment") or {}), **(job.environment or {}),
                       "SAGEMAKER_BATCH": "true", "SAGEMAKER_MAX_PAYLOAD_IN_MB": str(job.max_payload_in_mb),
                       "SAGEMAKER_BATCH_STRATEGY": job.batch_strategy,
                       "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS": str(job.max_concurrent_transforms or 1),
                       "SAGEMAKER_BIND_TO_PORT": str(port)}
        container = engine.containers.run(
            spec["Image"], command=["serve"], detach=True, network_mode="host", environment=environment,
            volumes={str(model_dir): {"bind": "/opt/ml/model", "mode": "ro"}},
            labels=rt.labels(KIND, job=job.transform_job_name))
        job.instance = instance = endpoints.Instance(container, port)
        endpoints._wait_healthy("transform", instance, float(rt.settings().get("ping_timeout_seconds") or 60))
        return instance, model_dir
    except BaseException as err:
        if container is not None:
            with contextlib.suppress(Exception):
                container.remove(force=True)
        rt.remove_tree(model_dir)
        if isinstance(err, endpoints.LaunchFailure):
            raise JobFailure(f"ClientError: {err}") from None
        raise


def _invoke(instance, body: bytes, content_type: str, accept: str, where: str) -> bytes:
    headers = {k: v for k, v in (("Content-Type", content_type), ("Accept", accept)) if v}
    request = urllib.request.Request(f"http://127.0.0.1:{instance.port}/invocations", data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback container)
            return response.read()
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")[:400]
        raise JobFailure(f"ClientError: the model container answered {err.code} for {where}: {text}") from None
    except (urllib.error.URLError, OSError) as err:
        raise JobFailure(f"InternalServerError: the model container did not answer for {where}: {err}") from None


def _batches(records: list[bytes], strategy: str, limit: int, where: str) -> list[list[bytes]]:
    """Requests' records: one each (SingleRecord) or as many as fit in MaxPayloadInMB (MultiRecord)."""
    batches: list[list[bytes]] = []
    size = 0
    for number, record in enumerate(records, 1):
        if len(record) > limit:
            raise JobFailure(f"ClientError: record {number} of {where} is larger than MaxPayloadInMB "
                             f"({limit // MB} MB)")
        if strategy == "SingleRecord" or not batches or size + len(record) + 1 > limit:
            batches.append([])
            size = 0
        batches[-1].append(record)
        size += len(record) + 1
    return batches


def _lines(data: bytes) -> list[bytes]:
    return [line for line in data.replace(b"\r\n", b"\n").split(b"\n") if line.strip()]


def transform_object(job, instance, data: bytes, where: str) -> bytes:
    """The `.out` object of one input object."""
    source = job.transform_input
    in_media, accept = source.get("ContentType", ""), job.transform_output.get("Accept", "")
    processing = job.data_processing or {}
    split = source.get("SplitType", "None")
    line = job.transform_output.get("AssembleWith", "None") == "Line"
    if split not in ("None", "Line"):
        raise JobFailure(f"ClientError: SplitType {split} is not supported here (use None or Line)")
    records = [data] if split == "None" else _lines(data)
    filtering = any(processing.get(k) not in (None, "$") for k in ("InputFilter", "OutputFilter")) or \
        processing.get("JoinSource", "None") == "Input"
    parsed = [_parse(r, in_media) for r in records] if filtering else None
    sent = [_render(json_path(processing.get("InputFilter", "$"), p), in_media) for p in parsed] if filtering \
        else records
    answers: list[bytes] = []
    for batch in _batches(sent, job.batch_strategy, int(job.max_payload_in_mb) * MB, where):
        body = b"\n".join(batch) if split == "Line" else batch[0]
        answer = _invoke(instance, body, in_media, accept, where)
        if split == "Line" and (filtering or line):
            pieces = _lines(answer)
            if len(pieces) != len(batch):
                if filtering:
                    raise JobFailure(f"ClientError: {where}: {len(batch)} records sent, {len(pieces)} answers "
                                     "received: cannot join or filter them record by record")
                pieces = [answer.rstrip(b"\n")]
            answers.extend(pieces)
        else:
            answers.append(answer.rstrip(b"\n") if line else answer)
    if filtering:
        out_media = accept or in_media
        outputs = []
        for record, answer in zip(parsed, answers, strict=True):
            joined = _join(record, answer, in_media, out_media) if processing.get("JoinSource") == "Input" \
                else _parse(answer, out_media)
            outputs.append(_render(json_path(processing.get("OutputFilter", "$"), joined),
                                   in_media if processing.get("JoinSource") == "Input" else out_media))
        answers = outputs
    return b"".join(a + b"\n" for a in answers) if line else b"".join(answers)


def _inputs(account_id: str, source: dict) -> list[tuple[str, str]]:
    """(S3 URI, output name relative to the input prefix) of every input object."""
    s3 = (source.get("DataSource") or {}).get("S3DataSource") or {}
    uri = s3["S3Uri"]
    if s3.get("S3DataType", "S3Prefix") == "ManifestFile":
        manifest = json.loads(rt.s3_get(account_id, uri))
        return [(manifest[0]["prefix"] + relative, relative) for relative in manifest[1:]]
    bucket, prefix = rt.split_s3_uri(uri)
    base = prefix if prefix.endswith("/") or not prefix else prefix.rsplit("/", 1)[0] + "/"
    return [(f"s3://{bucket}/{key}", key[len(base):] if base else key) for key in rt.s3_keys(account_id, uri)]


def run(backend, job) -> None:
    """Run the job to its end; every outcome is written to the job record."""
    instance = model_dir = None
    try:
        if (job.transform_input.get("CompressionType") or "None") != "None":
            raise JobFailure(f"ClientError: CompressionType {job.transform_input['CompressionType']} is not "
                             "supported here")
        try:
            objects = _inputs(backend.account_id, job.transform_input)
        except Exception as err:  # noqa: BLE001 (a missing bucket or bad manifest is the caller's to fix)
            raise JobFailure(f"ClientError: cannot list the input {job.transform_input}: {err}") from None
        if not objects:
            raise JobFailure(f"ClientError: no objects under {job.transform_input['DataSource']}")
        engine = rt.client()
        instance, model_dir = _launch(backend, job, engine)
        output = job.transform_output["S3OutputPath"].rstrip("/")
        for uri, relative in objects:
            result = transform_object(job, instance, rt.s3_get(backend.account_id, uri), uri)
            rt.s3_put(backend.account_id, f"{output}/{relative}.out", result)
        _finish(job, "Completed")
    except JobFailure as err:
        _finish(job, "Failed", str(err))
    except Exception as err:  # noqa: BLE001 (whatever went wrong must reach DescribeTransformJob)
        _finish(job, "Failed", f"InternalServerError: {type(err).__name__}: {err}")
    finally:
        job.instance = None
        if instance is not None:
            with contextlib.suppress(Exception):
                instance.container.remove(force=True)
        rt.remove_tree(model_dir)


def _finish(job, status: str, failure: str | None = None) -> None:
    job.transform_end_time = job.last_modified_time = utcnow()
    if failure:
        job.failure_reason = failure[:1024]  # the API's limit
    job.transform_job_status = status


def apply() -> None:
    if getattr(sm.SageMakerModelBackend, _MARK, False):
        return
    original_create = sm.SageMakerModelBackend.create_transform_job
    original_response = sm.FakeTransformJob.response_object.fget

    def create_transform_job(self, transform_job_name, model_name, *args, **kwargs):
        if transform_job_name in self.transform_jobs:
            raise ResourceInUseException(
                "Transform job names must be unique within an AWS account and region, and a transform job with "
                f"this name already exists ({self.transform_jobs[transform_job_name].arn})")
        if model_name not in self._models:
            arn = sm.arn_formatter("model", model_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find model \"{arn}\".")
        job = original_create(self, transform_job_name, model_name, *args, **kwargs)
        job.batch_strategy = job.batch_strategy or "MultiRecord"
        job.max_payload_in_mb = job.max_payload_in_mb if job.max_payload_in_mb is not None else 6
        job.transform_job_status = "InProgress"
        job.transform_end_time = job.failure_reason = job.instance = None
        threading.Thread(target=run, args=(self, job), daemon=True, name=f"transform-{transform_job_name}").start()
        return job

    def response_object(self):
        out = original_response(self)
        out.pop("Instance", None)  # the runtime's, not the API's
        return {k: v for k, v in out.items() if v not in (None, "", {}, [])}

    original_reset = sm.SageMakerModelBackend.reset

    def reset(self):
        # A reset forgets the jobs: their containers go too.
        for job in list(getattr(self, "transform_jobs", {}).values()):
            if getattr(job, "instance", None) is not None:
                with contextlib.suppress(Exception):
                    job.instance.container.remove(force=True)
        original_reset(self)

    sm.SageMakerModelBackend.create_transform_job = create_transform_job
    sm.FakeTransformJob.response_object = property(response_object)
    sm.SageMakerModelBackend.reset = reset
    setattr(sm.SageMakerModelBackend, _MARK, True)
