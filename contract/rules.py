"""Checks across two settings, worded the same wherever the settings come from.

A setting is passed as `Named(name, value)`: the name is what the reader knows it by (an
environment variable, a stack-config key with its path, a PipelineOptions field), so the
same rule reads `TRAINING_MAX_WAIT_SECONDS must be at least TRAINING_MAX_RUNTIME_SECONDS
(3600), got 1800` in a Lambda and `retraining:trainingMaxWaitSeconds must be at least ...`
at deploy time. Each check returns its problems (none when the values agree).
"""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, TypeVar

# Covariant: a Named[int] is a fine Named[int | None] (the pair is read-only).
T_co = TypeVar("T_co", covariant=True)


class Named(NamedTuple, Generic[T_co]):
    name: str
    value: T_co


def required_when(flag: Named[bool], setting: Named[Any]) -> list[str]:
    """`setting` must be set when `flag` is true."""
    if flag.value and setting.value is None:
        return [f"{setting.name} is required when {flag.name} is true"]
    return []


def at_least(setting: Named[int | None], floor: Named[int]) -> list[str]:
    """`setting`, when set, must be at least `floor`."""
    if setting.value is not None and setting.value < floor.value:
        return [
            f"{setting.name} must be at least {floor.name} ({floor.value}), got {setting.value}"
        ]
    return []


def at_most(setting: Named[int | None], ceiling: Named[int]) -> list[str]:
    """`setting`, when set, must be at most `ceiling`."""
    if setting.value is not None and setting.value > ceiling.value:
        return [
            f"{setting.name} must be at most {ceiling.name} ({ceiling.value}), got {setting.value}"
        ]
    return []
