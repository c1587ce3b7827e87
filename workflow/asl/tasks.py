"""States that do work and can fail: Task, Parallel, Map, with their Retry and Catch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self, Unpack

from workflow.asl.placeholder import UNSET, Placeholder
from workflow.asl.state import (
    Chain,
    PathValue,
    Renderer,
    Sequential,
    State,
    StateIO,
    given,
    start_of,
)


def _error_names(errors: Sequence[str], where: str) -> tuple[str, ...]:
    # A bare string is a sequence too; Retrier("States.ALL") would otherwise be 10 errors.
    if isinstance(errors, str) or not all(isinstance(e, str) for e in errors):
        raise TypeError(f"{where}: errors must be a list of error names, got {errors!r}")
    return tuple(errors)


@dataclass(frozen=True)
class Retrier:
    """One Retry entry. A value: declare it once and give it to every state it protects
    (`task.retry(retrier)`). Its ranges are checked by `validate()`, with everything else."""

    errors: Sequence[str]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | None = None
    jitter_strategy: str | None = None  # a JitterType

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", _error_names(self.errors, "Retrier"))

    def render(self) -> dict[str, Any]:
        optional = {
            "MaxDelaySeconds": self.max_delay_seconds,
            "JitterStrategy": self.jitter_strategy,
        }
        return {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": self.backoff_rate,
        } | given(optional)


@dataclass(frozen=True)
class Catcher:
    errors: tuple[str, ...]
    handler: State
    result_path: PathValue = "$.error"

    def render(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ErrorEquals": list(self.errors), "Next": self.handler.name}
        if self.result_path is not UNSET:
            body["ResultPath"] = self.result_path
        return body


class FallibleIO(StateIO, total=False):
    """The keyword arguments Task, Parallel and Map share (see `Fallible`)."""

    result_selector: dict[str, Any] | None
    result_path: PathValue


class Fallible(Sequential):
    """What Task, Parallel and Map share: ResultSelector, ResultPath, Retry and Catch."""

    def __init__(
        self,
        name: str,
        *,
        result_selector: dict[str, Any] | None = None,
        result_path: PathValue = UNSET,
        **io: Unpack[StateIO],
    ) -> None:
        super().__init__(name, **io)
        self.result_selector = result_selector
        self.result_path = result_path
        self.retriers: list[Retrier] = []
        self.catchers: list[Catcher] = []

    def retry(self, retrier: Retrier) -> Self:
        """Retry on `retrier.errors`; retriers are tried in the order they were added."""
        if not isinstance(retrier, Retrier):
            raise TypeError(f"{self.name}.retry takes a Retrier, got {retrier!r}")
        self.retriers.append(retrier)
        return self

    def catch(
        self,
        errors: Sequence[str],
        handler: State | Chain,
        *,
        result_path: PathValue = "$.error",
    ) -> Self:
        names = _error_names(errors, f"{self.name}.catch")
        self.catchers.append(Catcher(names, start_of(handler), result_path))
        return self

    def successors(self) -> list[State]:
        return super().successors() + [catcher.handler for catcher in self.catchers]

    def render_outcome(self, renderer: Renderer) -> dict[str, Any]:
        """The fields after the state's own work: its result, its errors, where it goes."""
        body: dict[str, Any] = {}
        if self.result_selector is not None:
            body["ResultSelector"] = renderer.value(self, self.result_selector)
        if self.result_path is not UNSET:
            body["ResultPath"] = self.result_path
        if self.retriers:
            body["Retry"] = [retrier.render() for retrier in self.retriers]
        if self.catchers:
            body["Catch"] = [catcher.render() for catcher in self.catchers]
        return body | self.render_transition()


class Task(Fallible):
    """A unit of work. A resource ending in `.waitForTaskToken`/`.sync` (or an activity)
    waits for something outside the machine, which is what makes a loop through it safe."""

    type_name = "Task"

    def __init__(
        self,
        name: str,
        resource: str | Placeholder,
        *,
        parameters: dict[str, Any] | None = None,
        timeout_seconds: int | None = None,
        timeout_seconds_path: str | None = None,
        heartbeat_seconds: int | None = None,
        heartbeat_seconds_path: str | None = None,
        **options: Unpack[FallibleIO],
    ) -> None:
        super().__init__(name, **options)
        if not isinstance(resource, str | Placeholder):
            raise TypeError(f"{name}: resource must be a string or a Placeholder")
        self.resource = resource
        self.parameters = parameters
        self.timeout_seconds = timeout_seconds
        self.timeout_seconds_path = timeout_seconds_path
        self.heartbeat_seconds = heartbeat_seconds
        self.heartbeat_seconds_path = heartbeat_seconds_path

    def payload_values(self) -> list[Any]:
        values = [self.resource, self.parameters, self.result_selector]
        return [value for value in values if value is not None]

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        body: dict[str, Any] = {"Resource": renderer.value(self, self.resource)}
        if self.parameters is not None:
            body["Parameters"] = renderer.value(self, self.parameters)
        limits = {
            "TimeoutSeconds": self.timeout_seconds,
            "TimeoutSecondsPath": self.timeout_seconds_path,
            "HeartbeatSeconds": self.heartbeat_seconds,
            "HeartbeatSecondsPath": self.heartbeat_seconds_path,
        }
        return body | given(limits) | self.render_outcome(renderer)


class Parallel(Fallible):
    type_name = "Parallel"

    def __init__(
        self, name: str, *, parameters: dict[str, Any] | None = None, **options: Unpack[FallibleIO]
    ) -> None:
        super().__init__(name, **options)
        self.parameters = parameters
        self.branches: list[State] = []

    def branch(self, start: State | Chain) -> Self:
        self.branches.append(start_of(start))
        return self

    def sub_machines(self) -> list[State]:
        return list(self.branches)

    def payload_values(self) -> list[Any]:
        return [v for v in (self.parameters, self.result_selector) if v is not None]

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        body: dict[str, Any] = {"Branches": [renderer.machine(b) for b in self.branches]}
        if self.parameters is not None:
            body["Parameters"] = renderer.value(self, self.parameters)
        return body | self.render_outcome(renderer)


class Map(Fallible):
    """Runs `iterator` on each item of `items_path` (inline mode)."""

    type_name = "Map"

    def __init__(
        self,
        name: str,
        iterator: State | Chain,
        *,
        items_path: PathValue = UNSET,
        item_selector: dict[str, Any] | None = None,
        max_concurrency: int = 0,
        **options: Unpack[FallibleIO],
    ) -> None:
        super().__init__(name, **options)
        self.iterator = start_of(iterator)
        self.items_path = items_path
        self.item_selector = item_selector
        self.max_concurrency = max_concurrency

    def sub_machines(self) -> list[State]:
        return [self.iterator]

    def payload_values(self) -> list[Any]:
        return [v for v in (self.item_selector, self.result_selector) if v is not None]

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        processor = {"ProcessorConfig": {"Mode": "INLINE"}, **renderer.machine(self.iterator)}
        body: dict[str, Any] = {"ItemProcessor": processor, "MaxConcurrency": self.max_concurrency}
        if self.items_path is not UNSET:
            body["ItemsPath"] = self.items_path
        if self.item_selector is not None:
            body["ItemSelector"] = renderer.value(self, self.item_selector)
        return body | self.render_outcome(renderer)
