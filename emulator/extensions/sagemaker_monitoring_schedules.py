"""Monitoring schedules: the API's records, and a one-time (`NOW`) schedule runs its job.

Gap: moto 5.2 has no CreateMonitoringSchedule, DescribeMonitoringSchedule,
ListMonitoringSchedules, UpdateMonitoringSchedule, DeleteMonitoringSchedule,
StopMonitoringSchedule, StartMonitoringSchedule or ListMonitoringExecutions (each answers
"not yet implemented").

AWS (SageMaker API Reference: CreateMonitoringSchedule, DescribeMonitoringSchedule,
ListMonitoringSchedules, UpdateMonitoringSchedule, DeleteMonitoringSchedule,
StopMonitoringSchedule, StartMonitoringSchedule, ListMonitoringExecutions,
MonitoringScheduleConfig, ScheduleConfig, MonitoringJobDefinition, EndpointInput,
MonitoringExecutionSummary; Developer Guide "Support for Your Own Containers With Model
Monitor", "Container Contract Inputs", "Schedule monitoring jobs"):
- a schedule is `Pending`, then `Scheduled` (here `Scheduled` at once); Stop makes it
  `Stopped`, Start `Scheduled` again; names are unique (ResourceInUse); unknown names are ResourceNotFound;
- `ScheduleConfig.ScheduleExpression` is `cron(...)` or `NOW`: NOW runs the job once,
  immediately, and needs `DataAnalysisStartTime` and `DataAnalysisEndTime` (ISO 8601
  offsets such as `-PT24H`, `-PT0H`, relative to the run time);
- each execution is a processing job (DescribeProcessingJob's `MonitoringScheduleArn`
  names the schedule) running `MonitoringAppSpecification.ImageUri` with its entrypoint
  and arguments; the endpoint's data capture for the window is downloaded to
  `EndpointInput.LocalPath` as `<endpoint>/<variant>/yyyy/mm/dd/hh/...` (the hours that
  overlap the window: the container filters exactly); `BaselineConfig`'s constraints and
  statistics files are downloaded too; the container's environment holds
  `dataset_format`, `dataset_source`, `output_path`, `start_time`, `end_time`,
  `publish_cloudwatch_metrics`, `sagemaker_endpoint_name`,
  `sagemaker_monitoring_schedule_name`, `baseline_constraints`, `baseline_statistics`
  and the definition's `Environment`; `MonitoringOutputs` are uploaded at the end;
- ListMonitoringExecutions and DescribeMonitoringSchedule's
  `LastMonitoringExecutionSummary` follow the job: Pending, InProgress, Completed,
  CompletedWithViolations, Failed (with FailureReason), Stopped.

Here a NOW schedule's execution is a processing job of the emulator
(sagemaker_processing_jobs: so it really runs in the local Docker engine, and the metrics
it writes to /opt/ml/output/metrics/cloudwatch reach CloudWatch unless
`publish_cloudwatch_metrics` is `Disabled`). An execution is CompletedWithViolations
when its ExitMessage starts with "CompletedWithViolations". Recurring (`cron(...)`)
schedules are kept as records and never run here (the monitoring role runs their job
itself on the embedded AWS). Not modelled: schedules naming a MonitoringJobDefinitionName
instead of an inline MonitoringJobDefinition (kept; a NOW execution fails saying so),
BatchTransformInput (same), the record preprocessor and post-analytics processor
scripts, the built-in analyzer images, execution reports in the output folder. An
UpdateMonitoringSchedule to a NOW configuration runs it again (an emulator convenience;
on AWS, delete and create the schedule).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker import models as sm
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse

from emulator.extensions import sagemaker_processing_jobs as processing

_MARK = "_project_sagemaker_monitoring_schedules"
_DURATION = re.compile(r"^([-+]?)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
CRON = re.compile(r"^cron\(.+\)$")
CAPTURE_FORMAT = json.dumps({"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}})
EXECUTION_STATUS = {"InProgress": "InProgress", "Completed": "Completed", "Failed": "Failed",
                    "Stopping": "Stopping", "Stopped": "Stopped"}


def offset(value: str, field: str) -> timedelta:
    """An ISO 8601 duration offset (`-PT1H`, `-P1DT2H`, `PT0H`) as a timedelta."""
    match = _DURATION.match(value or "")
    if not match or not any(match.groups()[1:]):
        raise ValidationError(message=f"{field} {value!r} is not an ISO 8601 duration offset such as -PT1H.")
    sign = -1 if match.group(1) == "-" else 1
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups()[1:])
    return sign * timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _schedules(backend) -> dict[str, dict]:
    if not hasattr(backend, "monitoring_schedules"):
        backend.monitoring_schedules = {}  # a reset makes a new backend, and forgets them
    return backend.monitoring_schedules


def _get(backend, name: str) -> dict:
    schedule = _schedules(backend).get(name)
    if schedule is None:
        arn = sm.arn_formatter("monitoring-schedule", name, backend.account_id, backend.region_name)
        raise ResourceNotFound(f"Monitoring schedule {arn} does not exist.")
    return schedule


def _check(config: dict) -> dict:
    """The request validation of a MonitoringScheduleConfig; returns its ScheduleConfig."""
    schedule = config.get("ScheduleConfig") or {}
    expression = schedule.get("ScheduleExpression", "")
    if expression != "NOW" and not CRON.match(expression):
        raise ValidationError(message=f"ScheduleExpression {expression!r} must be a cron(...) expression or NOW.")
    if expression == "NOW":
        for field in ("DataAnalysisStartTime", "DataAnalysisEndTime"):
            if not schedule.get(field):
                raise ValidationError(message=f"{field} is required when ScheduleExpression is NOW.")
        start = offset(schedule["DataAnalysisStartTime"], "DataAnalysisStartTime")
        end = offset(schedule["DataAnalysisEndTime"], "DataAnalysisEndTime")
        if end < start or end - start > timedelta(hours=24):
            raise ValidationError(message="DataAnalysisEndTime must follow DataAnalysisStartTime by at most 24 "
                                  "hours.")
    inputs = (config.get("MonitoringJobDefinition") or {}).get("MonitoringInputs")
    if inputs is not None and len(inputs) != 1:
        raise ValidationError(message="MonitoringJobDefinition.MonitoringInputs must hold exactly 1 item.")
    if not config.get("MonitoringJobDefinition") and not config.get("MonitoringJobDefinitionName"):
        raise ValidationError(message="MonitoringScheduleConfig needs a MonitoringJobDefinition or a "
                              "MonitoringJobDefinitionName.")
    return schedule


def _endpoint_name(config: dict) -> str | None:
    for item in (config.get("MonitoringJobDefinition") or {}).get("MonitoringInputs") or []:
        if item.get("EndpointInput"):
            return item["EndpointInput"]["EndpointName"]
    return None


# --- an execution ------------------------------------------------------------------------------

def _hours(start, end) -> set[str]:
    """The yyyy/mm/dd/hh folders of data capture that overlap [start, end]."""
    hour, out = start.replace(minute=0, second=0, microsecond=0), set()
    while hour <= end:
        out.add(f"{hour:%Y/%m/%d/%H}")
        hour += timedelta(hours=1)
    return out


def _processing_request(backend, schedule: dict, name: str, now) -> tuple[dict, dict]:
    """The CreateProcessingJob request of one execution, and its input key filters."""
    config = schedule["MonitoringScheduleConfig"]
    definition = config.get("MonitoringJobDefinition")
    if not definition:
        raise processing.JobFailure("ClientError: schedules naming a MonitoringJobDefinitionName are not run here "
                                    "(give the MonitoringJobDefinition inline)")
    timing = config["ScheduleConfig"]
    start = now + offset(timing["DataAnalysisStartTime"], "DataAnalysisStartTime")
    end = now + offset(timing["DataAnalysisEndTime"], "DataAnalysisEndTime")
    [item] = definition["MonitoringInputs"]
    source = item.get("EndpointInput")
    if not source:
        raise processing.JobFailure("ClientError: only EndpointInput monitoring inputs are run here")
    endpoint = backend.endpoints.get(source["EndpointName"])
    capture = (getattr(endpoint, "data_capture_config", None) or {}) if endpoint is not None else {}
    if endpoint is None or not capture.get("EnableCapture"):
        raise processing.JobFailure(f"ClientError: endpoint {source['EndpointName']} does not exist or does not "
                                    "capture data")
    destination = capture["DestinationS3Uri"].rstrip("/") + "/"
    hours = _hours(start, end)
    inputs = [{"InputName": "endpoint_input_1", "S3Input": {
        "S3Uri": destination, "LocalPath": source["LocalPath"], "S3DataType": "S3Prefix",
        "S3InputMode": source.get("S3InputMode", "File"),
        "S3DataDistributionType": source.get("S3DataDistributionType", "FullyReplicated")}}]
    environment = {"dataset_format": CAPTURE_FORMAT, "dataset_source": source["LocalPath"],
                   "start_time": f"{start:%Y-%m-%dT%H:%M:%SZ}", "end_time": f"{end:%Y-%m-%dT%H:%M:%SZ}",
                   "publish_cloudwatch_metrics": "Enabled", "sagemaker_endpoint_name": source["EndpointName"],
                   "sagemaker_monitoring_schedule_name": schedule["MonitoringScheduleName"]}
    baseline = definition.get("BaselineConfig") or {}
    for kind, key in (("constraints", "ConstraintsResource"), ("statistics", "StatisticsResource")):
        uri = (baseline.get(key) or {}).get("S3Uri")
        if uri:
            local = f"/opt/ml/processing/baseline/{kind}"
            inputs.append({"InputName": kind, "S3Input": {"S3Uri": uri, "LocalPath": local,
                                                          "S3DataType": "S3Prefix", "S3InputMode": "File"}})
            environment[f"baseline_{kind}"] = f"{local}/{uri.rstrip('/').rsplit('/', 1)[-1]}"
    outputs = (definition.get("MonitoringOutputConfig") or {}).get("MonitoringOutputs") or []
    if outputs:
        environment["output_path"] = outputs[0]["S3Output"]["LocalPath"]
    environment.update(definition.get("Environment") or {})
    prefix = f"{destination.split('/', 3)[3]}{source['EndpointName']}/"

    def in_window(key: str) -> bool:  # <endpoint>/<variant>/yyyy/mm/dd/hh/<file>
        parts = key[len(prefix):].split("/") if key.startswith(prefix) else []
        return len(parts) >= 6 and "/".join(parts[1:5]) in hours

    request = {
        "ProcessingJobName": name, "RoleArn": definition["RoleArn"],
        "AppSpecification": {k: v for k, v in definition["MonitoringAppSpecification"].items()
                             if k in ("ImageUri", "ContainerEntrypoint", "ContainerArguments")},
        "Environment": environment, "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": f"output_{i + 1}", "S3Output": o["S3Output"]}
                                               for i, o in enumerate(outputs)]},
        "ProcessingResources": definition.get("MonitoringResources"),
        "StoppingCondition": definition.get("StoppingCondition") or {"MaxRuntimeInSeconds": 3600},
        "NetworkConfig": definition.get("NetworkConfig"),
    }
    return request, {source["LocalPath"]: in_window}


def _execute(backend, schedule: dict) -> None:
    now = utcnow()
    name = f"model-monitoring-{now:%Y%m%d%H%M}-{secrets.token_hex(4)}"
    execution = {"MonitoringScheduleName": schedule["MonitoringScheduleName"], "ScheduledTime": now,
                 "CreationTime": now, "LastModifiedTime": now, "MonitoringExecutionStatus": "Pending",
                 "MonitoringType": schedule["MonitoringType"]}
    if schedule.get("EndpointName"):
        execution["EndpointName"] = schedule["EndpointName"]
    schedule["executions"].append(execution)
    try:
        request, filters = _processing_request(backend, schedule, name, now)
        job = processing.start(backend, request, schedule["MonitoringScheduleArn"],
                               schedule["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["MonitoringInputs"],
                               filters)
    except processing.JobFailure as err:
        execution.update({"MonitoringExecutionStatus": "Failed", "FailureReason": str(err)[:1024]})
        return
    execution["job"] = job
    execution["ProcessingJobArn"] = job.arn


def _summary(execution: dict) -> dict:
    out = {k: v for k, v in execution.items() if k != "job"}
    job = execution.get("job")
    if job is not None:
        status = EXECUTION_STATUS.get(job.processing_job_status, "Pending")
        if status == "Completed" and (getattr(job, "exit_message", None) or "").startswith("CompletedWithViolations"):
            status = "CompletedWithViolations"
        out["MonitoringExecutionStatus"] = status
        out["LastModifiedTime"] = job.last_modified_time
        if getattr(job, "failure_reason", None):
            out["FailureReason"] = job.failure_reason
    return out


# --- the API -------------------------------------------------------------------------------------

def _described(schedule: dict) -> dict:
    out = {k: v for k, v in schedule.items() if k not in ("executions", "Tags")}
    if schedule["executions"]:
        out["LastMonitoringExecutionSummary"] = _summary(schedule["executions"][-1])
    return out


def _filtered(items: list[dict], params: dict, time_fields: dict[str, str]) -> list[dict]:
    for param, field in time_fields.items():
        for suffix, keep in (("After", lambda a, b: a > b), ("Before", lambda a, b: a < b)):
            bound = params.get(param + suffix)
            if bound is not None:
                items = [i for i in items if keep(i[field], _moment(bound))]
    return items


def _moment(value) -> datetime:
    """A request's timestamp (epoch seconds in the JSON protocol, or ISO 8601) as naive UTC."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=UTC).replace(tzinfo=None)
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _page(items: list[dict], params: dict, key: str) -> ActionResult:
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 10)
    out = {key: items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return ActionResult(out)


def create_monitoring_schedule(self) -> ActionResult:
    backend, name = self.sagemaker_backend, self._get_param("MonitoringScheduleName")
    config = self._get_param("MonitoringScheduleConfig") or {}
    timing = _check(config)
    schedules = _schedules(backend)
    if name in schedules:
        raise ResourceInUseException(f"Monitoring schedule {schedules[name]['MonitoringScheduleArn']} already "
                                     "exists.")
    now = utcnow()
    schedule = {"MonitoringScheduleArn": sm.arn_formatter("monitoring-schedule", name, backend.account_id,
                                                          backend.region_name),
                "MonitoringScheduleName": name, "MonitoringScheduleStatus": "Scheduled",
                "MonitoringType": config.get("MonitoringType", "DataQuality"), "CreationTime": now,
                "LastModifiedTime": now, "MonitoringScheduleConfig": config, "Tags": self._get_param("Tags") or [],
                "executions": []}
    if _endpoint_name(config):
        schedule["EndpointName"] = _endpoint_name(config)
    schedules[name] = schedule
    if timing["ScheduleExpression"] == "NOW":
        _execute(backend, schedule)
    return ActionResult({"MonitoringScheduleArn": schedule["MonitoringScheduleArn"]})


def describe_monitoring_schedule(self) -> ActionResult:
    return ActionResult(_described(_get(self.sagemaker_backend, self._get_param("MonitoringScheduleName"))))


def list_monitoring_schedules(self) -> ActionResult:
    params = self._get_params()
    items = [_described(s) for s in _schedules(self.sagemaker_backend).values()]
    for param, field in (("EndpointName", "EndpointName"), ("StatusEquals", "MonitoringScheduleStatus"),
                         ("MonitoringTypeEquals", "MonitoringType")):
        if params.get(param):
            items = [i for i in items if i.get(field) == params[param]]
    if params.get("NameContains"):
        items = [i for i in items if params["NameContains"] in i["MonitoringScheduleName"]]
    items = _filtered(items, params, {"CreationTime": "CreationTime", "LastModifiedTime": "LastModifiedTime"})
    sort = {"Name": "MonitoringScheduleName", "Status": "MonitoringScheduleStatus"}.get(params.get("SortBy"),
                                                                                        "CreationTime")
    items.sort(key=lambda i: i[sort], reverse=params.get("SortOrder", "Descending") == "Descending")
    keys = ("MonitoringScheduleName", "MonitoringScheduleArn", "CreationTime", "LastModifiedTime",
            "MonitoringScheduleStatus", "EndpointName", "MonitoringType")
    return _page([{k: i[k] for k in keys if k in i} for i in items], params, "MonitoringScheduleSummaries")


def update_monitoring_schedule(self) -> ActionResult:
    backend = self.sagemaker_backend
    schedule = _get(backend, self._get_param("MonitoringScheduleName"))
    config = self._get_param("MonitoringScheduleConfig") or {}
    timing = _check(config)
    schedule.update({"MonitoringScheduleConfig": config, "LastModifiedTime": utcnow(),
                     "MonitoringType": config.get("MonitoringType", schedule["MonitoringType"])})
    if _endpoint_name(config):
        schedule["EndpointName"] = _endpoint_name(config)
    if timing["ScheduleExpression"] == "NOW" and schedule["MonitoringScheduleStatus"] == "Scheduled":
        _execute(backend, schedule)
    return ActionResult({"MonitoringScheduleArn": schedule["MonitoringScheduleArn"]})


def delete_monitoring_schedule(self) -> EmptyResult:
    backend = self.sagemaker_backend
    _get(backend, self._get_param("MonitoringScheduleName"))
    del _schedules(backend)[self._get_param("MonitoringScheduleName")]
    return EmptyResult()


def _set_status(self, status: str) -> EmptyResult:
    schedule = _get(self.sagemaker_backend, self._get_param("MonitoringScheduleName"))
    schedule.update({"MonitoringScheduleStatus": status, "LastModifiedTime": utcnow()})
    return EmptyResult()


def stop_monitoring_schedule(self) -> EmptyResult:
    return _set_status(self, "Stopped")


def start_monitoring_schedule(self) -> EmptyResult:
    return _set_status(self, "Scheduled")


def list_monitoring_executions(self) -> ActionResult:
    params = self._get_params()
    schedules = _schedules(self.sagemaker_backend).values()
    items = [_summary(e) for s in schedules for e in s["executions"]
             if params.get("MonitoringScheduleName") in (None, s["MonitoringScheduleName"])]
    for param, field in (("EndpointName", "EndpointName"), ("StatusEquals", "MonitoringExecutionStatus"),
                         ("MonitoringTypeEquals", "MonitoringType")):
        if params.get(param):
            items = [i for i in items if i.get(field) == params[param]]
    items = _filtered(items, params, {"ScheduledTime": "ScheduledTime", "CreationTime": "CreationTime",
                                      "LastModifiedTime": "LastModifiedTime"})
    sort = {"Status": "MonitoringExecutionStatus", "CreationTime": "CreationTime"}.get(params.get("SortBy"),
                                                                                       "ScheduledTime")
    items.sort(key=lambda i: i[sort], reverse=params.get("SortOrder", "Descending") == "Descending")
    return _page(items, params, "MonitoringExecutionSummaries")


def apply() -> None:
    if getattr(SageMakerResponse, _MARK, False):
        return
    for handler in (create_monitoring_schedule, describe_monitoring_schedule, list_monitoring_schedules,
                    update_monitoring_schedule, delete_monitoring_schedule, stop_monitoring_schedule,
                    start_monitoring_schedule, list_monitoring_executions):
        setattr(SageMakerResponse, handler.__name__, handler)
    setattr(SageMakerResponse, _MARK, True)
