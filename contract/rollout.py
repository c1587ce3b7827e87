"""How an endpoint update shifts traffic: the strategies, their limits and their duration.

`allAtOnce` is UpdateEndpoint without a DeploymentConfig (SageMaker's default blue/green,
all traffic at once). `canary` and `linear` are SageMaker's deployment guardrails: a
BlueGreenUpdatePolicy that shifts the canary share (or linear steps) of the traffic to the
new fleet, bakes each share for the wait interval, and rolls everything back when one of
the stack's rollback alarms (contract.names.rollback_alarm_names) fires meanwhile.

The stack's config (infra.config), DeployModel's settings and the definition's deadline
(workflow.options) all read the rules and the duration from here.
"""

from __future__ import annotations

import math
from typing import Final

from contract.limits import (
    CANARY_SIZE_MAX_PERCENT,
    LINEAR_STEP_MAX_PERCENT,
    LINEAR_STEP_MIN_PERCENT,
    ROLLOUT_TIMEOUT_MAX_SECONDS,
    ROLLOUT_TIMEOUT_MIN_SECONDS,
)
from contract.rules import Named

STRATEGY_ALL_AT_ONCE: Final = "allAtOnce"
STRATEGY_CANARY: Final = "canary"
STRATEGY_LINEAR: Final = "linear"
STRATEGIES: Final = (STRATEGY_ALL_AT_ONCE, STRATEGY_CANARY, STRATEGY_LINEAR)
# The strategies that send a DeploymentConfig (traffic shifting + alarm-driven rollback).
GUARDED_STRATEGIES: Final = (STRATEGY_CANARY, STRATEGY_LINEAR)
# TrafficRoutingConfig.Type of each guarded strategy.
TRAFFIC_ROUTING_TYPE: Final = {STRATEGY_CANARY: "CANARY", STRATEGY_LINEAR: "LINEAR"}
# CapacitySize.Type: the sizes are shares of the variant's instances.
CAPACITY_PERCENT: Final = "CAPACITY_PERCENT"


def is_guarded(strategy: str) -> bool:
    return strategy in GUARDED_STRATEGIES


def traffic_steps(strategy: str, linear_step_percent: int) -> int:
    """How many shifts of traffic a rollout makes: canary then the rest; 100 % in steps."""
    if strategy == STRATEGY_CANARY:
        return 2
    if strategy == STRATEGY_LINEAR:
        return math.ceil(100 / linear_step_percent)
    return 1


def rollout_waits_seconds(
    strategy: str,
    linear_step_percent: int,
    traffic_wait_seconds: int,
    termination_wait_seconds: int,
) -> int:
    """The waits a guarded rollout holds: a baking period after each shift of traffic, then
    the termination wait before the old fleet goes (counted generously: SageMaker requires
    MaximumExecutionTimeoutInSeconds to be larger than them)."""
    steps = traffic_steps(strategy, linear_step_percent)
    return steps * traffic_wait_seconds + termination_wait_seconds


def rollout_problems(  # noqa: PLR0917 - a Rule passes the settings it reads in order
    strategy: Named[str],
    canary_size_percent: Named[int],
    linear_step_percent: Named[int],
    traffic_wait_seconds: Named[int],
    termination_wait_seconds: Named[int],
    rollout_timeout_seconds: Named[int],
    instance_count: Named[int],
) -> list[str]:
    """What SageMaker would refuse in a guarded rollout's settings (none for allAtOnce).

    Each value's own range is its kind's concern; these are the checks across them: the
    waits fit MaximumExecutionTimeoutInSeconds, and the canary or a linear step is a part of
    the fleet of at least one instance (so one instance cannot be split: SageMaker's canary
    is at most 50 % of the variant's instances, a linear step 10-50 %).
    """
    if not is_guarded(strategy.value):
        return []
    problems = []
    if (
        not ROLLOUT_TIMEOUT_MIN_SECONDS
        <= rollout_timeout_seconds.value
        <= ROLLOUT_TIMEOUT_MAX_SECONDS
    ):
        problems.append(
            f"{rollout_timeout_seconds.name} must be from {ROLLOUT_TIMEOUT_MIN_SECONDS} to "
            f"{ROLLOUT_TIMEOUT_MAX_SECONDS} (SageMaker's MaximumExecutionTimeoutInSeconds), "
            f"got {rollout_timeout_seconds.value}"
        )
    waits = rollout_waits_seconds(
        strategy.value,
        linear_step_percent.value,
        traffic_wait_seconds.value,
        termination_wait_seconds.value,
    )
    if waits >= rollout_timeout_seconds.value:
        steps = traffic_steps(strategy.value, linear_step_percent.value)
        problems.append(
            f"{rollout_timeout_seconds.name} ({rollout_timeout_seconds.value}) must be larger "
            f"than the {strategy.value} rollout's waits: {steps} shifts of traffic times "
            f"{traffic_wait_seconds.name} ({traffic_wait_seconds.value}) + "
            f"{termination_wait_seconds.name} ({termination_wait_seconds.value}) = {waits} s; "
            f"raise it or shorten the waits"
        )
    share = canary_size_percent if strategy.value == STRATEGY_CANARY else linear_step_percent
    if strategy.value == STRATEGY_CANARY and not 1 <= share.value <= CANARY_SIZE_MAX_PERCENT:
        problems.append(
            f"{share.name} must be from 1 to {CANARY_SIZE_MAX_PERCENT} (SageMaker's canary is at "
            f"most half of the variant's instances), got {share.value}"
        )
    if strategy.value == STRATEGY_LINEAR and not (
        LINEAR_STEP_MIN_PERCENT <= share.value <= LINEAR_STEP_MAX_PERCENT
    ):
        problems.append(
            f"{share.name} must be from {LINEAR_STEP_MIN_PERCENT} to {LINEAR_STEP_MAX_PERCENT} "
            f"(SageMaker's linear step), got {share.value}"
        )
    if instance_count.value * share.value < 100:
        # The share must hold at least one whole instance of the fleet.
        needed = math.ceil(100 / share.value)
        problems.append(
            f"{strategy.name} {strategy.value} shifts {share.name} ({share.value} %) of "
            f"{instance_count.name} ({instance_count.value}) instances: less than one instance; "
            f"a {strategy.value} rollout needs at least {needed} instances at that share (raise "
            f"{instance_count.name} or {share.name}, or use {STRATEGY_ALL_AT_ONCE})"
        )
    return problems
