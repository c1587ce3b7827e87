"""Following runs as they happen: a progress view, per-run summaries, an endpoint probe."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from localcloud.runtime import LocalCloud, ModelStack, Run


@dataclass
class RunSummary:
    name: str
    trigger: str
    status: str
    states: list[str]
    transitions: int
    history_events: int
    lambda_invocations: int
    started: str
    stopped: str
    training_job: str | None
    metrics: dict[str, Any]
    endpoint_config: str | None
    marker_before: str | None
    marker_after: str | None
    error: str | None
    slack: list[str]
    output: dict[str, Any] = field(repr=False, default_factory=dict)

    def report(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "trigger": self.trigger,
            "status": self.status,
            "states": self.states,
            "transitions": self.transitions,
            "history_events": self.history_events,
            "lambda_invocations": self.lambda_invocations,
            "started": self.started,
            "stopped": self.stopped,
            "training_job": self.training_job,
            "metrics": self.metrics,
            "endpoint_config": self.endpoint_config,
            "marker_before": self.marker_before,
            "marker_after": self.marker_after,
            "error": self.error,
            "slack": self.slack,
        }


def summarize(cloud: LocalCloud, run: Run) -> RunSummary:
    described = cloud.describe(run)
    events = cloud.history(run)
    states = [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
    started = json.loads(described.get("input") or "{}")
    output = json.loads(described.get("output") or "{}")
    data = output.get("data") or {}
    training = output.get("training") or {}
    deployment = output.get("deployment") or {}
    marker = output.get("marker") or {}
    lambda_calls = sum(
        1 for e in events if e["type"] in ("LambdaFunctionScheduled", "TaskScheduled")
    )
    slack = [
        m.text or ""
        for m in cloud.slack.messages
        if run.name in json.dumps(m.blocks or []) or run.name in (m.text or "")
    ]
    return RunSummary(
        name=run.name,
        trigger=str(started.get("trigger") or "manual"),
        status=str(described["status"]),
        states=states,
        transitions=len(states),
        history_events=len(events),
        lambda_invocations=lambda_calls,
        started=_iso(described.get("startDate")),
        stopped=_iso(described.get("stopDate")),
        training_job=training.get("trainingJobName"),
        metrics=dict(training.get("metrics") or {}),
        endpoint_config=deployment.get("endpointConfigName"),
        marker_before=data.get("markerBefore"),
        marker_after=marker.get("after", data.get("markerBefore")),
        error=described.get("error"),
        slack=slack,
        output=output,
    )


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


_END_EVENTS = {
    "ExecutionSucceeded": "succeeded",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED OUT",
    "ExecutionAborted": "ABORTED",
}


class ProgressView:
    """Prints each state as it is entered, with the virtual time, for the runs it knows."""

    def __init__(
        self, cloud: LocalCloud, time_zone: str, write: Callable[[str], None] = print
    ) -> None:
        self.cloud = cloud
        self.zone = ZoneInfo(time_zone)
        self.write = write
        self.runs: list[Run] = []
        self._seen: dict[str, int] = {}
        self._labels: dict[str, str] = {}
        self._ended: set[str] = set()

    def follow(self, run: Run, label: str) -> None:
        self.runs.append(run)
        self._labels[run.execution_arn] = label

    def poll(self) -> None:
        for run in self.runs:
            if run.execution_arn in self._ended:
                continue  # its history is final and already printed
            events = self.cloud.history(run)
            seen = self._seen.get(run.execution_arn, 0)
            for event in events[seen:]:
                details = event.get("stateEnteredEventDetails")
                if details:
                    moment = event["timestamp"].astimezone(self.zone).strftime("%a %H:%M:%S")
                    label = self._labels[run.execution_arn]
                    self.write(f"  {moment}  {label:<22} {details['name']}")
                elif event["type"] in _END_EVENTS:
                    label = self._labels[run.execution_arn]
                    verdict = _END_EVENTS[event["type"]]
                    self.write(f"  {'':14}{label:<22} -> {verdict}")
                    self._ended.add(run.execution_arn)
            self._seen[run.execution_arn] = len(events)


@dataclass
class ProbeResult:
    at: str
    ok: bool
    served_by: str | None
    error: str | None = None


class EndpointProbe:
    """Asks the endpoint for a prediction every `interval` virtual seconds, as a client
    would during an update: zero downtime means every answer succeeds."""

    def __init__(
        self, cloud: LocalCloud, model: ModelStack, rows: list[list[float]], interval: float = 60
    ) -> None:
        self.cloud = cloud
        self.model = model
        self.rows = rows
        self.interval = interval
        self.results: list[ProbeResult] = []
        self._active = False

    def start(self) -> None:
        self._active = True
        self.cloud.clock.call_later(0, self._tick, "endpoint probe")

    def stop(self) -> None:
        self._active = False

    def _tick(self) -> None:
        if not self._active:
            return
        at = self.cloud.clock.utcnow().isoformat()
        before = len(self.cloud.sagemaker.invocations)
        try:
            self.cloud.predict(self.model, self.rows)
            served = self.cloud.sagemaker.invocations[before:]
            config = served[-1].endpoint_config_name if served else None
            self.results.append(ProbeResult(at, True, config))
        except Exception as error:  # the probe reports, it does not stop the demo
            self.results.append(ProbeResult(at, False, None, f"{type(error).__name__}: {error}"))
        self.cloud.clock.call_later(self.interval, self._tick, "endpoint probe")

    def report(self) -> dict[str, Any]:
        configs: list[str] = []
        for result in self.results:
            if result.served_by and (not configs or configs[-1] != result.served_by):
                configs.append(result.served_by)
        return {
            "requests": len(self.results),
            "failed": sum(1 for r in self.results if not r.ok),
            "served_by_in_order": configs,
            "errors": [r.error for r in self.results if r.error][:5],
        }
