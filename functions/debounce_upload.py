"""DebounceUpload: a burst of uploaded data files starts one run, not one run per file.

Event: EventBridge's S3 `Object Created` event (`detail.bucket.name`,
`detail.object.key`, `time`). A key whose file name is not `YYYY-MM-DD.csv` (a real
date) is logged and ignored; the rule only sends keys under the data prefix.

For a data file, the one-time EventBridge Scheduler schedule DEBOUNCE_SCHEDULE_NAME (in
SCHEDULE_GROUP) is created or moved to `at(<event time + DEBOUNCE_SECONDS>)`, written in
TIME_ZONE (`ScheduleExpressionTimezone`), with FlexibleTimeWindow OFF and
ActionAfterCompletion DELETE. Its target starts the state machine with
`{"trigger": "upload", "scheduledTime": "<aws.scheduler.scheduled-time>"}`. Every upload
pushes the schedule back; an event that arrives late (EventBridge does not promise order)
never pulls it earlier. "Now" is the event's `time`, never the Lambda's clock.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contract.document import INPUT_SCHEDULED_TIME, INPUT_TRIGGER, TRIGGER_UPLOAD
from contract.lambdas import DEBOUNCE_UPLOAD, DebounceUploadSettings
from functions import clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.payload import field, parse_timestamp

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

_DATA_FILE = re.compile(r"(?:.*/)?(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\.csv")
_AT = re.compile(r"at\((?P<local>[0-9T:-]{19})\)")
RUN_INPUT = json.dumps(
    {
        INPUT_TRIGGER: TRIGGER_UPLOAD,
        INPUT_SCHEDULED_TIME: "<aws.scheduler.scheduled-time>",
    }
)


def is_data_file(key: str) -> bool:
    match = _DATA_FILE.fullmatch(key)
    if match is None:
        return False
    try:
        datetime.strptime(match["day"], "%Y-%m-%d")
    except ValueError:
        return False
    return True


def at_expression(moment: datetime) -> str:
    return f"at({moment:%Y-%m-%dT%H:%M:%S})"


def schedule_request(settings: DebounceUploadSettings, fire_at: datetime) -> dict[str, Any]:
    local = fire_at.astimezone(settings.time_zone)
    return {
        "Name": settings.schedule_name,
        "GroupName": settings.schedule_group,
        "ScheduleExpression": at_expression(local),
        "ScheduleExpressionTimezone": settings.time_zone.key,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
        "Description": "Starts one pipeline run after a burst of data uploads",
        "Target": {
            "Arn": settings.state_machine_arn,
            "RoleArn": settings.scheduler_role_arn,
            "Input": RUN_INPUT,
        },
    }


def _scheduled_local(expression: str) -> str | None:
    match = _AT.fullmatch(expression)
    return match["local"] if match else None


def push_back_schedule(
    settings: DebounceUploadSettings,
    scheduler: EventBridgeSchedulerClient,
    event_time: datetime,
    log: StructuredLogger,
) -> dict[str, Any]:
    fire_at = event_time + timedelta(seconds=settings.debounce_seconds)
    request = schedule_request(settings, fire_at)
    try:
        existing = scheduler.get_schedule(
            Name=settings.schedule_name, GroupName=settings.schedule_group
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        existing = None

    wanted = _scheduled_local(request["ScheduleExpression"])
    if existing is not None:
        current = _scheduled_local(existing.get("ScheduleExpression", ""))
        same_zone = existing.get("ScheduleExpressionTimezone") == settings.time_zone.key
        # Same zone: local ISO strings compare like the times they name.
        if current and wanted and same_zone and current >= wanted:
            log.info("schedule already later; kept", scheduled=existing["ScheduleExpression"])
            return {
                "schedule": settings.schedule_name,
                "expression": existing["ScheduleExpression"],
                "changed": False,
            }
        scheduler.update_schedule(**request)
    else:
        try:
            scheduler.create_schedule(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConflictException":
                raise
            scheduler.update_schedule(**request)  # created meanwhile
    log.info(
        "run scheduled", expression=request["ScheduleExpression"], timezone=settings.time_zone.key
    )
    return {
        "schedule": settings.schedule_name,
        "expression": request["ScheduleExpression"],
        "changed": True,
    }


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(DEBOUNCE_UPLOAD)
SCHEDULER = clients.scheduler()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = field(event, "detail.object.key", str)
    if not is_data_file(key):
        LOG.info("not a data file (YYYY-MM-DD.csv); ignored", key=key)
        return {"schedule": SETTINGS.schedule_name, "changed": False, "ignored": key}
    event_time = parse_timestamp(field(event, "time", str), "event field time")
    LOG.info(
        "data file uploaded",
        key=key,
        bucket=event.get("detail", {}).get("bucket", {}).get("name"),
    )
    return push_back_schedule(SETTINGS, SCHEDULER, event_time, LOG)
