"""UpdateEndpoint's DeploymentConfig, validated as SageMaker's API reference documents it.

    DeploymentConfig
      BlueGreenUpdatePolicy
        TrafficRoutingConfiguration   Type ALL_AT_ONCE | CANARY | LINEAR (required)
                                      WaitIntervalInSeconds 0-3600 (required)
                                      CanarySize | LinearStepSize {Type INSTANCE_COUNT |
                                        CAPACITY_PERCENT, Value >= 1}
        TerminationWaitInSeconds      0-3600 (default 0)
        MaximumExecutionTimeoutInSeconds 600-28800, larger than the waits it has to cover
      AutoRollbackConfiguration       Alarms: 1-10 {AlarmName} (existing CloudWatch alarms)
      RollingUpdatePolicy             not emulated: an error, never ignored

CanarySize must be at most 50 % of the variant's instance count, LinearStepSize 10-50 %.
A CAPACITY_PERCENT size is that share of the new fleet's instances rounded down to whole
instances, and must hold at least one (an instance cannot be split: a one-instance fleet
has no canary). Traffic follows capacity: a step with k of the fleet's n instances turned on
answers k/n of the requests, the old fleet the rest; linear steps add k instances each.
DescribeEndpoint's VariantStatus messages report those instance counts. Without
BlueGreenUpdatePolicy, SageMaker uses blue/green with all-at-once traffic shifting.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud.sagemaker.common import validation_error

ALL_AT_ONCE, CANARY, LINEAR = "ALL_AT_ONCE", "CANARY", "LINEAR"
ROUTING_TYPES = (ALL_AT_ONCE, CANARY, LINEAR)
INSTANCE_COUNT, CAPACITY_PERCENT = "INSTANCE_COUNT", "CAPACITY_PERCENT"
SIZE_TYPES = (INSTANCE_COUNT, CAPACITY_PERCENT)
WAIT_MAX = 3600
TIMEOUT_MIN, TIMEOUT_MAX = 600, 28800
# SageMaker's default MaximumExecutionTimeoutInSeconds is not documented; the largest allowed
# value never cuts a valid configuration short.
TIMEOUT_DEFAULT = TIMEOUT_MAX
ALARMS_MAX = 10
CANARY_MAX_PERCENT = 50
LINEAR_MIN_PERCENT, LINEAR_MAX_PERCENT = 10, 50

_PREFIX = "deploymentConfig"


@dataclass(frozen=True)
class Step:
    """One traffic shift of a blue/green deployment and the bake that follows it."""

    share: float  # of InvokeEndpoint requests the new fleet answers, 0 < share <= 1
    instances: int  # of the new fleet with traffic turned on
    bake_seconds: int
    bake_setting: str  # which setting the bake lasts (WaitIntervalInSeconds, ...)
    capacity: str  # "canary" | "full" | "linear step k of n"


@dataclass(frozen=True)
class Policy:
    routing: str
    wait_seconds: int
    size_type: str | None
    size_value: int | None
    termination_wait_seconds: int
    maximum_execution_seconds: int
    alarms: tuple[str, ...]
    requested: dict[str, Any]  # as the caller sent it: DescribeEndpoint's LastDeploymentConfig

    def steps(self, instance_count: int) -> list[Step]:
        """The shifts in order; the last one turns on full capacity and bakes for the
        termination wait before the old fleet is terminated."""
        full = Step(
            1.0, instance_count, self.termination_wait_seconds, "TerminationWaitInSeconds", "full"
        )
        if self.routing == ALL_AT_ONCE:
            return [full]
        batch = instances_of(self.size_type, self.size_value, instance_count)
        if self.routing == CANARY:
            canary = Step(
                batch / instance_count, batch, self.wait_seconds, "WaitIntervalInSeconds", "canary"
            )
            return [canary, full]
        count = math.ceil(instance_count / batch)
        steps = []
        for number in range(1, count):
            active = number * batch
            steps.append(
                Step(
                    active / instance_count,
                    active,
                    self.wait_seconds,
                    "WaitIntervalInSeconds",
                    f"linear step {number} of {count}",
                )
            )
        return [*steps, full]


def parse(config: Any, instance_count: int, alarm_problem: Callable[[str], str | None]) -> Policy:
    """The validated policy, or SageMaker's ValidationException naming the member.

    `alarm_problem(name)` says why a rollback alarm cannot be used (None: it can)."""
    _require_map(config, _PREFIX)
    _known(
        config,
        _PREFIX,
        ("BlueGreenUpdatePolicy", "AutoRollbackConfiguration", "RollingUpdatePolicy"),
    )
    if "RollingUpdatePolicy" in config:
        if "BlueGreenUpdatePolicy" in config:
            raise validation_error(
                "Only one update policy can be specified: BlueGreenUpdatePolicy or "
                "RollingUpdatePolicy, not both."
            )
        raise validation_error(
            "RollingUpdatePolicy is not emulated by localcloud's SageMaker; use "
            "BlueGreenUpdatePolicy."
        )
    policy = config.get("BlueGreenUpdatePolicy")
    routing, wait, size_type, size_value = ALL_AT_ONCE, 0, None, None
    termination, timeout = 0, TIMEOUT_DEFAULT
    if policy is not None:
        where = f"{_PREFIX}.blueGreenUpdatePolicy"
        _require_map(policy, where)
        _known(
            policy,
            where,
            (
                "TrafficRoutingConfiguration",
                "TerminationWaitInSeconds",
                "MaximumExecutionTimeoutInSeconds",
            ),
        )
        traffic = policy.get("TrafficRoutingConfiguration")
        traffic_where = f"{where}.trafficRoutingConfiguration"
        if traffic is None:
            raise _null(traffic_where)
        _require_map(traffic, traffic_where)
        _known(
            traffic,
            traffic_where,
            ("Type", "WaitIntervalInSeconds", "CanarySize", "LinearStepSize"),
        )
        routing = traffic.get("Type")
        if routing not in ROUTING_TYPES:
            raise _enum(routing, f"{traffic_where}.type", ROUTING_TYPES)
        wait = _integer(
            traffic.get("WaitIntervalInSeconds"),
            f"{traffic_where}.waitIntervalInSeconds",
            0,
            WAIT_MAX,
        )
        size_type, size_value = _size(traffic, traffic_where, routing, instance_count)
        if policy.get("TerminationWaitInSeconds") is not None:
            termination = _integer(
                policy["TerminationWaitInSeconds"], f"{where}.terminationWaitInSeconds", 0, WAIT_MAX
            )
        if policy.get("MaximumExecutionTimeoutInSeconds") is not None:
            timeout = _integer(
                policy["MaximumExecutionTimeoutInSeconds"],
                f"{where}.maximumExecutionTimeoutInSeconds",
                TIMEOUT_MIN,
                TIMEOUT_MAX,
            )
            if timeout <= wait + termination:
                raise validation_error(
                    f"MaximumExecutionTimeoutInSeconds ({timeout}) must be larger than the "
                    f"total waiting time of WaitIntervalInSeconds ({wait}) and "
                    f"TerminationWaitInSeconds ({termination})."
                )
    alarms = _alarms(config.get("AutoRollbackConfiguration"), alarm_problem)
    return Policy(routing, wait, size_type, size_value, termination, timeout, alarms, config)


def _size(
    traffic: dict[str, Any], where: str, routing: str, instance_count: int
) -> tuple[str | None, int | None]:
    member = {CANARY: "CanarySize", LINEAR: "LinearStepSize"}.get(routing)
    for other in ("CanarySize", "LinearStepSize"):
        if other != member and traffic.get(other) is not None:
            raise validation_error(
                f"{other} cannot be specified for traffic routing type {routing}."
            )
    if member is None:
        return None, None
    size = traffic.get(member)
    size_where = f"{where}.{member[0].lower()}{member[1:]}"
    if size is None:
        raise validation_error(f"{member} is required for traffic routing type {routing}.")
    _require_map(size, size_where)
    _known(size, size_where, ("Type", "Value"))
    kind = size.get("Type")
    if kind not in SIZE_TYPES:
        raise _enum(kind, f"{size_where}.type", SIZE_TYPES)
    value = _integer(size.get("Value"), f"{size_where}.value", 1, None)
    percent = value if kind == CAPACITY_PERCENT else 100 * value / instance_count
    low, high = (
        (0, CANARY_MAX_PERCENT) if routing == CANARY else (LINEAR_MIN_PERCENT, LINEAR_MAX_PERCENT)
    )
    if not low <= percent <= high:
        bounds = f"at most {high}%" if routing == CANARY else f"{low}-{high}%"
        raise validation_error(
            f"{member} {kind} {value} is {percent:g}% of the variant's total instance count "
            f"({instance_count}); it must be {bounds} of it."
        )
    if instances_of(kind, value, instance_count) < 1:
        raise validation_error(
            f"{member} {kind} {value} of the variant's {instance_count} instance(s) holds no "
            "whole instance; a traffic-shifting step needs at least one."
        )
    return kind, value


def _alarms(rollback: Any, alarm_problem: Callable[[str], str | None]) -> tuple[str, ...]:
    if rollback is None:
        return ()
    where = f"{_PREFIX}.autoRollbackConfiguration"
    _require_map(rollback, where)
    _known(rollback, where, ("Alarms",))
    alarms = rollback.get("Alarms")
    if not isinstance(alarms, list) or not 1 <= len(alarms) <= ALARMS_MAX:
        raise validation_error(
            f"1 validation error detected: Value at '{where}.alarms' failed to satisfy "
            f"constraint: Member must have length between 1 and {ALARMS_MAX}"
        )
    names = []
    for index, alarm in enumerate(alarms, start=1):
        name = alarm.get("AlarmName") if isinstance(alarm, dict) else None
        if not isinstance(name, str) or not name:
            raise _null(f"{where}.alarms.{index}.member.alarmName")
        problem = alarm_problem(name)
        if problem is not None:
            raise validation_error(f"Invalid AutoRollbackConfiguration alarm {name!r}: {problem}")
        names.append(name)
    return tuple(names)


def instances_of(size_type: str | None, value: int | None, instance_count: int) -> int:
    """The whole instances a CapacitySize turns on (a percentage rounds down)."""
    assert value is not None
    if size_type == INSTANCE_COUNT:
        return value
    return math.floor(value * instance_count / 100 + 1e-9)


def _require_map(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise validation_error(
            f"1 validation error detected: Value at '{where}' must be a structure"
        )


def _known(value: dict[str, Any], where: str, members: tuple[str, ...]) -> None:
    unknown = sorted(set(value) - set(members))
    if unknown:
        raise validation_error(
            f"Unknown parameter(s) in {where}: {', '.join(unknown)}; must be one of: "
            f"{', '.join(members)}"
        )


def _null(where: str) -> Exception:
    return validation_error(
        f"1 validation error detected: Value null at '{where}' failed to satisfy constraint: "
        "Member must not be null"
    )


def _enum(value: Any, where: str, allowed: tuple[str, ...]) -> Exception:
    if value is None:
        return _null(where)
    return validation_error(
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _integer(value: Any, where: str, low: int, high: int | None) -> int:
    if value is None:
        raise _null(where)
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{where}' must be an integer"
        )
    if value < low:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
            f"constraint: Member must have value greater than or equal to {low}"
        )
    if high is not None and value > high:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
            f"constraint: Member must have value less than or equal to {high}"
        )
    return value
