"""EventBridge Scheduler on the virtual clock.

moto stores schedules but never fires them. Every schedule in moto's scheduler backend (those
the Pulumi program declares, and those `debounce_upload` creates at run time) is armed on the
clock at its next fire time; when it fires, its target is invoked the way Scheduler invokes
it: a Step Functions target gets StartExecution with the target's Input, in which the context
attributes `<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`,
`<aws.scheduler.attempt-number>` and `<aws.scheduler.schedule-arn>` are substituted.
One-time schedules with ActionAfterCompletion DELETE are deleted after firing.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from localcloud.clock import Clock, Timer
from localcloud.eventbridge.schedule_times import next_fire_time
from localcloud.internals.moto_private import EventBridgeSchedulerBackend, scheduler_backends

LOG = logging.getLogger(__name__)
# Fire times are whole minutes; a microsecond is "strictly before" any of them.
_INSTANT = timedelta(microseconds=1)


@dataclass
class Firing:
    schedule_arn: str
    scheduled_time: datetime
    target_arn: str
    execution_arn: str | None
    error: str | None = None


class LocalScheduler:
    def __init__(self, clock: Clock, *, account: str, region: str) -> None:
        self.clock = clock
        self.account = account
        self.region = region
        self.firings: list[Firing] = []
        self._timers: dict[str, Timer] = {}
        self._last_fired: dict[str, datetime] = {}
        self._lock = threading.RLock()
        self._uninstall: Callable[[], None] | None = None

    def install(self) -> None:
        backend_class = EventBridgeSchedulerBackend
        originals = {
            name: getattr(backend_class, name)
            for name in ("create_schedule", "update_schedule", "delete_schedule")
        }
        scheduler = self

        def rearming(name: str) -> Callable[..., Any]:
            original = originals[name]

            def method(backend: Any, *args: Any, **kwargs: Any) -> Any:
                result = original(backend, *args, **kwargs)
                scheduler.arm()
                return result

            return method

        for name in originals:
            setattr(backend_class, name, rearming(name))

        def uninstall() -> None:
            for name, original in originals.items():
                setattr(backend_class, name, original)

        self._uninstall = uninstall
        self.arm()

    def close(self) -> None:
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None
        with self._lock:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()

    def _schedules(self) -> list[Any]:
        backend = scheduler_backends[self.account][self.region]
        return [s for group in backend.schedule_groups.values() for s in group.schedules.values()]

    def arm(self) -> None:
        """(Re)compute every schedule's next fire time from moto's current state."""
        with self._lock:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
            now = self.clock.utcnow()
            for schedule in self._schedules():
                if schedule.state != "ENABLED":
                    continue
                # Just before now: a schedule due this very instant but not fired yet (two
                # models on the same cron, re-armed by the first one's firing) still fires.
                after = max(now - _INSTANT, self._last_fired.get(schedule.arn, now - _INSTANT))
                created = datetime.fromtimestamp(schedule.creation_date, tz=UTC)
                when = next_fire_time(
                    schedule.schedule_expression,
                    schedule.schedule_expression_timezone,
                    after,
                    created=created,
                )
                if when is None:
                    continue
                self._timers[schedule.arn] = self.clock.call_at(
                    when.timestamp(),
                    functools.partial(self._fire, schedule.arn, when),
                    f"schedule {schedule.name}",
                )

    def _fire(self, schedule_arn: str, scheduled_time: datetime) -> None:
        schedule = next((s for s in self._schedules() if s.arn == schedule_arn), None)
        if schedule is None:
            return
        self._last_fired[schedule_arn] = scheduled_time
        target = schedule.target
        firing = Firing(schedule_arn, scheduled_time, target["Arn"], None)
        try:
            firing.execution_arn = self._invoke(schedule, target, scheduled_time)
        except Exception as error:  # Scheduler retries, then drops (or dead-letters) the event
            firing.error = f"{type(error).__name__}: {error}"
            LOG.warning("schedule %s failed to start its target: %s", schedule.name, firing.error)
        self.firings.append(firing)
        if schedule.schedule_expression.startswith("at(") and (
            schedule.action_after_completion == "DELETE"
        ):
            backend = scheduler_backends[self.account][self.region]
            backend.delete_schedule(schedule.group_name, schedule.name)  # re-arms
        else:
            self.arm()

    def _invoke(self, schedule: Any, target: dict[str, Any], scheduled_time: datetime) -> str:
        execution_id = str(uuid.uuid4())
        payload = target.get("Input", "{}")
        for attribute, value in {
            "<aws.scheduler.scheduled-time>": scheduled_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "<aws.scheduler.execution-id>": execution_id,
            "<aws.scheduler.attempt-number>": "1",
            "<aws.scheduler.schedule-arn>": schedule.arn,
        }.items():
            payload = payload.replace(attribute, value)
        if ":states:" not in target["Arn"]:
            raise NotImplementedError(
                f"localcloud fires Step Functions targets only: {target['Arn']}"
            )
        client = boto3.client("stepfunctions", region_name=self.region)
        return str(
            client.start_execution(stateMachineArn=target["Arn"], name=execution_id, input=payload)[
                "executionArn"
            ]
        )
