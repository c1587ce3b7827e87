"""Flow states: Pass, Wait, Choice, Succeed, Fail."""

from __future__ import annotations

from typing import Any, Unpack

from workflow.asl.conditions import Condition
from workflow.asl.placeholder import UNSET
from workflow.asl.state import (
    Chain,
    PathValue,
    Renderer,
    Sequential,
    State,
    StateIO,
    given,
    set_once,
    start_of,
)


class Pass(Sequential):
    type_name = "Pass"

    def __init__(
        self,
        name: str,
        *,
        result: Any = UNSET,
        parameters: dict[str, Any] | None = None,
        result_path: PathValue = UNSET,
        **io: Unpack[StateIO],
    ) -> None:
        super().__init__(name, **io)
        self.result = result
        self.parameters = parameters
        self.result_path = result_path

    def payload_values(self) -> list[Any]:
        return [v for v in (self.result, self.parameters) if v is not UNSET and v is not None]

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.result is not UNSET:
            body["Result"] = renderer.value(self, self.result)
        if self.parameters is not None:
            body["Parameters"] = renderer.value(self, self.parameters)
        if self.result_path is not UNSET:
            body["ResultPath"] = self.result_path
        return body | self.render_transition()


class Wait(Sequential):
    """Exactly one of seconds, seconds_path, timestamp, timestamp_path (checked by
    validate(), so a definition with several mistakes reports them all)."""

    type_name = "Wait"

    def __init__(
        self,
        name: str,
        *,
        seconds: int | None = None,
        seconds_path: str | None = None,
        timestamp: str | None = None,
        timestamp_path: str | None = None,
        **io: Unpack[StateIO],
    ) -> None:
        super().__init__(name, **io)
        self.seconds = seconds
        self.seconds_path = seconds_path
        self.timestamp = timestamp
        self.timestamp_path = timestamp_path

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        duration = {
            "Seconds": self.seconds,
            "SecondsPath": self.seconds_path,
            "Timestamp": self.timestamp,
            "TimestampPath": self.timestamp_path,
        }
        return given(duration) | self.render_transition()


class Succeed(State):
    type_name = "Succeed"


class Fail(State):
    """Fail takes no InputPath/OutputPath: the States Language does not allow them."""

    type_name = "Fail"

    def __init__(
        self,
        name: str,
        *,
        error: str | None = None,
        cause: str | None = None,
        error_path: str | None = None,
        cause_path: str | None = None,
        comment: str | None = None,
    ) -> None:
        super().__init__(name, comment=comment)
        self.error = error
        self.cause = cause
        self.error_path = error_path
        self.cause_path = cause_path

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        return given(
            {
                "Error": self.error,
                "Cause": self.cause,
                "ErrorPath": self.error_path,
                "CausePath": self.cause_path,
            }
        )


class Choice(State):
    """Rules in order, then the default. Without `.otherwise()` validation fails unless
    `allow_no_default=True` (an unmatched input then fails with States.NoChoiceMatched)."""

    type_name = "Choice"

    def __init__(self, name: str, *, allow_no_default: bool = False, **io: Unpack[StateIO]) -> None:
        super().__init__(name, **io)
        self.rules: list[tuple[Condition, State]] = []
        self.default: State | None = None
        self.allow_no_default = allow_no_default

    def when(self, condition: Condition, state: State | Chain) -> Choice:
        if not isinstance(condition, Condition):
            raise TypeError(f"{self.name}: when() takes a Condition, got {condition!r}")
        self.rules.append((condition, start_of(state)))
        return self

    def otherwise(self, state: State | Chain) -> Choice:
        self.default = set_once(
            self, self.default, start_of(state), already="defaults to", also="default to"
        )
        return self

    def successors(self) -> list[State]:
        targets = [state for _, state in self.rules]
        return targets + ([self.default] if self.default is not None else [])

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Choices": [{**rule.to_dict(), "Next": state.name} for rule, state in self.rules]
        }
        if self.default is not None:
            body["Default"] = self.default.name
        return body
