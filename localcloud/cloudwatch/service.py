"""The local CloudWatch wired into moto: alarm states read as CloudWatch would have set them,
and DescribeAlarmHistory (which moto lacks).

CloudWatch evaluates every alarm each minute; the embedded runtime does not tick for nobody:
DescribeAlarms first evaluates the alarms of the account and region at the virtual now (an
alarm is a function of its last periods' datapoints, so the state is what CloudWatch would
show; a transition between two reads is recorded when it is read). Alarms the evaluator
cannot evaluate (metric math, anomaly detection, composite) keep the state moto holds.
DescribeAlarmHistory answers from the evaluator's history (StateUpdate items).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from localcloud.cloudwatch.alarms import AlarmEvaluator, AlarmNotEvaluable
from localcloud.internals.moto_private import ActionResult, CloudWatchResponse

_MISSING = object()


class LocalCloudWatch:
    def __init__(self, evaluator: AlarmEvaluator) -> None:
        self.evaluator = evaluator
        self._saved: list[tuple[object, str, object]] = []

    def install(self) -> None:
        evaluator = self.evaluator
        original = CloudWatchResponse.describe_alarms

        def describe_alarms(response: CloudWatchResponse) -> ActionResult:
            account, region = response.current_account, response.region
            for alarm in list(response.cloudwatch_backend.alarms.values()):
                try:
                    evaluator.evaluate(account, region, [alarm.name])
                except AlarmNotEvaluable:
                    continue  # its state stays what PutMetricAlarm/SetAlarmState left
            return original(response)

        def describe_alarm_history(response: CloudWatchResponse) -> ActionResult:
            name = response._get_param("AlarmName")
            kind = response._get_param("HistoryItemType")
            start = _moment(response._get_param("StartDate"))
            end = _moment(response._get_param("EndDate"))
            newest_first = response._get_param("ScanBy") != "TimestampAscending"
            limit = int(response._get_param("MaxRecords") or 100)
            items = [
                item
                for item in evaluator.history
                if (name is None or item["AlarmName"] == name)
                and (kind is None or item["HistoryItemType"] == kind)
                and (start is None or item["Timestamp"] >= start)
                and (end is None or item["Timestamp"] <= end)
            ]
            if newest_first:
                items.reverse()
            return ActionResult({"AlarmHistoryItems": items[:limit]})

        self._patch(CloudWatchResponse, "describe_alarms", describe_alarms)
        self._patch(CloudWatchResponse, "describe_alarm_history", describe_alarm_history)

    def close(self) -> None:
        for owner, name, original in reversed(self._saved):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._saved.clear()

    def _patch(self, owner: object, name: str, value: object) -> None:
        self._saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
