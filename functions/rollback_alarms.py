"""Which rollback alarm rolled a guarded update back (CloudWatch DescribeAlarms).

After SageMaker's deployment guardrails roll an update back, the endpoint is InService on
the previous EndpointConfig and DescribeEndpoint does not say why. The stack's rollback
alarms (contract.names.rollback_alarm_names) do: an alarm still in ALARM fired; one that is
OK again (the old fleet answers well) went to ALARM during the deployment, which its state
history records. The message names them, so DeploymentFailed says what the canary did.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

ALARM = "ALARM"


def fired_alarms(
    cloudwatch: Any, alarm_names: Sequence[str], since: datetime
) -> list[tuple[str, str]]:
    """The alarms among `alarm_names` in ALARM now, each as (name, why), in `alarm_names`
    order; when none is, those whose history went to ALARM since `since`."""
    if not alarm_names:
        return []
    described = cloudwatch.describe_alarms(AlarmNames=list(alarm_names))["MetricAlarms"]
    by_name = {alarm["AlarmName"]: alarm for alarm in described}
    # An alarm the stack does not have (a renamed model) has nothing to say.
    present = [name for name in alarm_names if name in by_name]
    alarming = [
        (name, by_name[name].get("StateReason") or "in ALARM")
        for name in present
        if by_name[name]["StateValue"] == ALARM
    ]
    if alarming:
        return alarming
    fired = []
    for name in present:
        if (reason := _alarmed_since(cloudwatch, name, since)) is not None:
            fired.append((name, reason))
    return fired


def _alarmed_since(cloudwatch: Any, name: str, since: datetime) -> str | None:
    """Why the alarm went to ALARM since `since` (its newest such transition), else None."""
    history = cloudwatch.describe_alarm_history(
        AlarmName=name, HistoryItemType="StateUpdate", StartDate=since, ScanBy="TimestampDescending"
    )["AlarmHistoryItems"]
    for item in history:
        data = json.loads(item.get("HistoryData") or "{}")
        new_state = data.get("newState", {})
        if new_state.get("stateValue") == ALARM:
            return new_state.get("stateReason") or item.get("HistorySummary", "went to ALARM")
    return None


def rollback_cause(fired: Sequence[tuple[str, str]]) -> str:
    """What the status message adds after a guarded update rolled back."""
    if not fired:
        return "no rollback alarm fired (the rollout failed or timed out)"
    return "rolled back by alarm " + "; ".join(f"{name} ({why})" for name, why in fired)
