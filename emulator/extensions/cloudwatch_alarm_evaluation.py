"""Metric alarms are evaluated from the datapoints, keep a history, and emit EventBridge events.

Gap: moto 5.2 never evaluates an alarm: PutMetricData stores the datapoints and every
alarm stays in the state it was created in (`OK`, where AWS starts at
`INSUFFICIENT_DATA`); PutMetricAlarm on an existing alarm resets its state; a state change
(SetAlarmState) sends no event to EventBridge; DescribeAlarmHistory is not implemented.

AWS (CloudWatch API Reference: PutMetricAlarm, PutMetricData, SetAlarmState,
DescribeAlarmHistory, AlarmHistoryItem; User Guide "Using Amazon CloudWatch alarms" -
"Evaluating an alarm", "Configuring how CloudWatch alarms treat missing data",
"Alarm events and EventBridge"):
- a new alarm is `INSUFFICIENT_DATA` ("Unchecked: Initial alarm creation") and is then
  evaluated; updating an alarm keeps its state;
- an alarm watches one metric (Namespace, MetricName, the exact set of Dimensions, Unit
  if given); its statistic (Statistic, or ExtendedStatistic pNN) is computed per Period
  over the last EvaluationPeriods periods; `DatapointsToAlarm` (default
  EvaluationPeriods) breaching periods put it in `ALARM`, otherwise it is `OK`; periods
  without data follow TreatMissingData (missing - default: not counted, and no data at
  all is `INSUFFICIENT_DATA`; breaching; notBreaching; ignore: the state is kept);
- StateReason reads "Threshold Crossed: 1 out of the last 1 datapoints [99.5 (02/10/19
  16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM
  transition)."; StateReasonData is the JSON of the evaluation (version, queryDate,
  startDate, statistic, period, recentDatapoints, threshold, evaluatedDatapoints);
- every state change is a history item (HistoryItemType StateUpdate, HistorySummary
  "Alarm updated from OK to ALARM", HistoryData with oldState/newState) and an event on the
  account's default event bus: source `aws.cloudwatch`, detail-type `CloudWatch Alarm
  State Change`, resources [the alarm ARN], detail {alarmName, state {value, reason,
  reasonData, timestamp}, previousState {...}, configuration {description, metrics
  [{id, metricStat {metric {namespace, name, dimensions}, period, stat}, returnData}]}};
  creating and updating an alarm are ConfigurationUpdate history items.

Here the evaluation runs when datapoints arrive (PutMetricData, including the metrics a
monitoring job publishes) and when an alarm is created or updated, not on a clock: the
evaluation range ends at the period that holds the metric's newest datapoint, so
datapoints stamped in the past (a monitoring job's window) are evaluated where they lie.
Events reach the default bus's rules through moto's target delivery (SQS, CloudWatch
Logs, archives, other buses); a Lambda target is skipped (this emulator does not run
Lambda functions; moto would fail the whole delivery), the other targets still receive
the event. Not modelled: metric-math and anomaly-detection alarms (not evaluated),
composite alarms, alarm actions (SNS, Auto Scaling, EC2: recorded, never run),
EvaluateLowSampleCountPercentile, M-out-of-N lookback beyond the evaluation range.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import threading
import uuid
from datetime import UTC, datetime, timedelta

from moto.cloudwatch import models as cw
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

_MARK = "_project_cloudwatch_alarm_evaluation"
_lock = threading.RLock()
_log = logging.getLogger(__name__)
COMPARISONS = {
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _iso(moment: datetime) -> str:
    """CloudWatch's timestamps in reasons and events: 2019-10-01T13:56:40.985+0000."""
    return _naive(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _history(backend) -> list[dict]:
    if not hasattr(backend, "alarm_history"):
        backend.alarm_history = []  # kept after DeleteAlarms, as on AWS; a reset makes a new backend
    return backend.alarm_history


def _record(backend, alarm, kind: str, summary: str, data: dict) -> None:
    _history(backend).append({"AlarmName": alarm.name, "AlarmType": "MetricAlarm", "Timestamp": utcnow(),
                              "HistoryItemType": kind, "HistorySummary": summary, "HistoryData": json.dumps(data)})


# --- evaluation -----------------------------------------------------------------------------

def _watches(alarm, datum) -> bool:
    if alarm.metric_data_queries or alarm.namespace != datum.namespace or alarm.metric_name != datum.name:
        return False
    if alarm.unit and datum.unit and alarm.unit != datum.unit:
        return False
    return sorted((d.name, d.value) for d in alarm.dimensions) == sorted((d.name, d.value) for d in datum.dimensions)


def _values(datum) -> tuple[list[float], float, float, float, float]:
    """(raw values, sum, count, min, max) of one stored datum."""
    if isinstance(datum, cw.MetricAggregatedDatum):
        return [], float(datum.sum), float(datum.sample_count), float(datum.min), float(datum.max)
    value = float(datum.value)
    return [value], value, 1.0, value, value


def statistic(alarm, data: list) -> float | None:
    if not data:
        return None
    parts = [_values(d) for d in data]
    total, count = sum(p[1] for p in parts), sum(p[2] for p in parts)
    if alarm.extended_statistic:
        values = sorted(v for p in parts for v in p[0])
        if not values:
            return None
        rank = float(alarm.extended_statistic[1:]) / 100 * len(values)
        return values[min(len(values) - 1, max(0, math.ceil(rank) - 1))]  # nearest rank
    return {"Sum": total, "SampleCount": count, "Average": total / count if count else None,
            "Minimum": min(p[3] for p in parts), "Maximum": max(p[4] for p in parts)}.get(alarm.statistic)


def evaluate(backend, alarm) -> None:
    """Evaluate `alarm` over its metric's datapoints; change its state when the result differs."""
    if alarm.metric_data_queries or alarm.comparison_operator not in COMPARISONS or not alarm.period:
        return
    data = [d for d in backend.metric_data if _watches(alarm, d)]
    if not data:
        return
    period = int(alarm.period)
    newest = max(_naive(d.timestamp) for d in data)
    epoch = datetime(1970, 1, 1)
    end = epoch + timedelta(seconds=(int((newest - epoch).total_seconds()) // period + 1) * period)
    periods = int(alarm.evaluation_periods)
    start = end - timedelta(seconds=periods * period)
    buckets: list[tuple[datetime, float | None, int]] = []
    for index in range(periods):
        low = start + timedelta(seconds=index * period)
        inside = [d for d in data if low <= _naive(d.timestamp) < low + timedelta(seconds=period)]
        buckets.append((low, statistic(alarm, inside), len(inside)))
    words, breaches = COMPARISONS[alarm.comparison_operator]
    threshold = float(alarm.threshold)
    needed = int(alarm.datapoints_to_alarm or periods)
    missing = alarm.treat_missing_data or "missing"
    present = [(t, v) for t, v, _ in buckets if v is not None]
    breaching = sum(1 for _, v in present if breaches(v, threshold))
    absent = periods - len(present)
    if missing == "breaching":
        breaching += absent
    if breaching >= needed:
        value = "ALARM"
    elif not present and missing in ("missing", "ignore"):
        if missing == "ignore":
            return
        value = "INSUFFICIENT_DATA"
    else:
        value = "OK"
    stat = alarm.extended_statistic or alarm.statistic
    reason_data = {"version": "1.0", "queryDate": _iso(utcnow()), "startDate": _iso(start), "statistic": stat,
                   "period": period, "recentDatapoints": [v for _, v in present], "threshold": threshold,
                   "evaluatedDatapoints": [{"timestamp": _iso(t), "sampleCount": float(n), "value": v}
                                           for t, v, n in reversed(buckets) if v is not None]}
    if value == "INSUFFICIENT_DATA":
        reason = f"Insufficient Data: {periods} datapoint{'s were' if periods > 1 else ' was'} unknown."
    else:
        shown = ", ".join(f"{v} ({t:%d/%m/%y %H:%M:%S})" for t, v in reversed(present))
        counted = breaching if value == "ALARM" else len(present)
        verb = "was" if counted == 1 else "were"
        negation = "" if value == "ALARM" else "not "
        reason = (f"Threshold Crossed: {counted} out of the last {periods} datapoints [{shown}] {verb} {negation}"
                  f"{words} the threshold ({threshold}) (minimum {needed} datapoint"
                  f"{'s' if needed > 1 else ''} for {alarm.state_value} -> {value} transition).")
    if value != alarm.state_value:
        alarm.update_state(reason, json.dumps(reason_data), value)


# --- state changes: history and events --------------------------------------------------------

def _state(value: str, reason: str, reason_data: str | None, moment: datetime) -> dict:
    out = {"value": value, "reason": reason, "timestamp": _iso(moment)}
    if reason_data and reason_data != "{}":
        out["reasonData"] = reason_data
    return out


def alarm_event(alarm, previous: dict, current: dict) -> dict:
    metric = {"namespace": alarm.namespace, "name": alarm.metric_name}
    if alarm.dimensions:
        metric["dimensions"] = {d.name: d.value for d in alarm.dimensions}
    configuration = {"metrics": [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, alarm.alarm_arn)),
                                  "metricStat": {"metric": metric, "period": int(alarm.period or 0),
                                                 "stat": alarm.extended_statistic or alarm.statistic},
                                  "returnData": True}]}
    if alarm.description:
        configuration["description"] = alarm.description
    return {"alarmName": alarm.name, "state": current, "previousState": previous, "configuration": configuration}


def deliver(account_id: str, region: str, detail: dict, resources: list[str]) -> None:
    """Put an AWS service event on the default bus: every matching rule's targets get it."""
    from moto.events.models import _BASE_EVENT_MESSAGE, events_backends

    bus = events_backends[account_id][region].event_buses.get("default")
    if bus is None:
        return
    message = copy.deepcopy(_BASE_EVENT_MESSAGE)
    message.update({"id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
                    "source": "aws.cloudwatch", "account": account_id, "region": region,
                    "time": datetime.now(UTC).timestamp(), "ingestion-time": datetime.now(UTC).timestamp(),
                    "resources": resources, "detail": detail})
    for rule in list(bus.rules.values()):
        if rule.state != "ENABLED":
            continue
        for target in list(rule.targets):
            if ":lambda:" in target["Arn"]:
                continue  # Lambda functions do not run here (see the docstring)
            single = copy.copy(rule)
            single.targets = [target]
            try:
                single.send_to_targets(copy.deepcopy(message))
            except Exception:  # noqa: BLE001 (one target's failure must not fail the PutMetricData that moved the alarm)
                _log.exception("alarm event not delivered to %s", target["Arn"])


def _update_state(alarm, reason: str, reason_data: str, state_value: str, backend=None) -> None:
    previous = _state(alarm.state_value, alarm.state_reason, alarm.state_reason_data, alarm.state_updated_timestamp)
    old = alarm.state_value
    alarm.state_reason, alarm.state_reason_data = reason, reason_data
    alarm.state_value, alarm.state_updated_timestamp = state_value, utcnow()
    if old == state_value or backend is None:
        return
    _record(backend, alarm, "StateUpdate", f"Alarm updated from {old} to {state_value}",
            {"version": "1.0", "oldState": {"stateValue": old, "stateReason": previous["reason"]},
             "newState": {"stateValue": state_value, "stateReason": reason,
                          "stateReasonData": json.loads(reason_data or "{}")}})
    current = _state(state_value, reason, reason_data, alarm.state_updated_timestamp)
    deliver(backend.account_id, backend.region_name, alarm_event(alarm, previous, current),
            [alarm.alarm_arn])


def _backend_of(alarm):
    return cw.cloudwatch_backends[alarm.alarm_arn.split(":")[4]][alarm.region_name]


# --- DescribeAlarmHistory ---------------------------------------------------------------------

def describe_alarm_history(self) -> ActionResult:
    params = self._get_params()
    items = list(_history(self.cloudwatch_backend))
    if params.get("AlarmName"):
        items = [i for i in items if i["AlarmName"] == params["AlarmName"]]
    if params.get("HistoryItemType"):
        items = [i for i in items if i["HistoryItemType"] == params["HistoryItemType"]]
    if params.get("AlarmTypes") and "MetricAlarm" not in params["AlarmTypes"]:
        items = []
    if params.get("StartDate"):
        items = [i for i in items if i["Timestamp"] >= _naive(params["StartDate"])]
    if params.get("EndDate"):
        items = [i for i in items if i["Timestamp"] <= _naive(params["EndDate"])]
    if params.get("ScanBy", "TimestampDescending") == "TimestampDescending":
        items.reverse()
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxRecords") or 100)
    out = {"AlarmHistoryItems": items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return ActionResult(out)


def apply() -> None:
    if getattr(cw.CloudWatchBackend, _MARK, False):
        return
    backend_cls = cw.CloudWatchBackend
    original_put_alarm = backend_cls.put_metric_alarm
    original_put_data = backend_cls.put_metric_data

    def update_state(self, reason: str, reason_data: str, state_value: str) -> None:
        with _lock:
            _update_state(self, reason, reason_data, state_value, _backend_of(self))

    def put_metric_alarm(self, name, *args, **kwargs):
        with _lock:
            existing = self.alarms.get(name)
            alarm = original_put_alarm(self, name, *args, **kwargs)
            if existing is not None:  # an update keeps the state
                alarm.state_value, alarm.state_reason = existing.state_value, existing.state_reason
                alarm.state_reason_data = existing.state_reason_data
                alarm.state_updated_timestamp = existing.state_updated_timestamp
                _record(self, alarm, "ConfigurationUpdate", f"Alarm \"{name}\" updated", {"type": "Update"})
            else:
                alarm.state_value, alarm.state_reason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
                alarm.state_reason_data = None
                _record(self, alarm, "ConfigurationUpdate", f"Alarm \"{name}\" created", {"type": "Create"})
            evaluate(self, alarm)
            return alarm

    def put_metric_data(self, namespace, metric_data):
        with _lock:
            before = len(self.metric_data)
            original_put_data(self, namespace, metric_data)
            added = self.metric_data[before:]
            for alarm in list(self.alarms.values()):
                if any(_watches(alarm, d) for d in added):
                    evaluate(self, alarm)

    cw.Alarm.update_state = update_state
    backend_cls.put_metric_alarm = put_metric_alarm
    backend_cls.put_metric_data = put_metric_data
    CloudWatchResponse.describe_alarm_history = describe_alarm_history
    setattr(backend_cls, _MARK, True)
