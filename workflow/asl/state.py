"""The state base class, sequencing (`.next`), and `Chain`.

States are plain objects linked to each other; names only appear when a machine is
rendered. Construction checks types; everything a definition can get wrong semantically
(ranges, paths, reachability) is left to `StateMachine.validate()`, which reports all of it
at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Protocol, TypedDict, TypeVar

from workflow.asl.placeholder import UNSET, Placeholder, Unset, iter_placeholders

PathValue = str | None | Unset


class Renderer(Protocol):
    """What a state needs from the machine to render itself."""

    def value(self, state: State, value: Any) -> Any:
        """`value` made JSON-ready, Placeholders substituted."""
        ...

    def machine(self, start: State) -> dict[str, Any]:
        """A nested machine (Parallel branch, Map iterator) as `{"StartAt", "States"}`."""
        ...


def _check_path_arg(value: Any, field: str) -> PathValue:
    if value is UNSET:
        return UNSET
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{field} must be a string, None or UNSET, got {type(value).__name__}")


class StateIO(TypedDict, total=False):
    """The keyword arguments every state type but Fail accepts (see `State`), declared once
    so the subclasses pass them on with `**io`."""

    comment: str | None
    input_path: PathValue
    output_path: PathValue


class State:
    """A named state. Subclasses set `type_name` and add their own fields."""

    type_name: ClassVar[str] = ""

    def __init__(
        self,
        name: str,
        *,
        comment: str | None = None,
        input_path: PathValue = UNSET,
        output_path: PathValue = UNSET,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"a state name must be a string, got {type(name).__name__}")
        if comment is not None and not isinstance(comment, str):
            raise TypeError(f"{name}: comment must be a string")
        self.name = name
        self.comment = comment
        self.input_path = _check_path_arg(input_path, f"{name}: input_path")
        self.output_path = _check_path_arg(output_path, f"{name}: output_path")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # --- graph ------------------------------------------------------------------------------
    def successors(self) -> list[State]:
        """States this one can transition to, in definition order (Next, rules, Default,
        Catch)."""
        return []

    def sub_machines(self) -> list[State]:
        """Start states of nested machines (Parallel branches, Map iterator)."""
        return []

    def payload_values(self) -> list[Any]:
        """Fields that may hold Placeholders."""
        return []

    def placeholders(self) -> Iterator[Placeholder]:
        for value in self.payload_values():
            yield from iter_placeholders(value)

    # --- rendering --------------------------------------------------------------------------
    def render(self, renderer: Renderer) -> dict[str, Any]:
        body: dict[str, Any] = {"Type": self.type_name}
        if self.comment is not None:
            body["Comment"] = self.comment
        if self.input_path is not UNSET:
            body["InputPath"] = self.input_path
        if self.output_path is not UNSET:
            body["OutputPath"] = self.output_path
        body.update(self.render_fields(renderer))
        return body

    def render_fields(self, renderer: Renderer) -> dict[str, Any]:
        return {}


def given(fields: dict[str, Any]) -> dict[str, Any]:
    """The optional fields that were set (not None), under their ASL names."""
    return {key: value for key, value in fields.items() if value is not None}


Target = TypeVar("Target", bound="State | Chain")


def start_of(target: State | Chain) -> State:
    if isinstance(target, Chain):
        return target.start_state
    if isinstance(target, State):
        return target
    raise TypeError(f"expected a State or a Chain, got {type(target).__name__}")


def end_of(target: State | Chain) -> State:
    return target.end_state if isinstance(target, Chain) else start_of(target)


def set_once(
    owner: State, current: State | None, target: State, *, already: str, also: str
) -> State:
    """`target` for a transition field that takes one state (Next, Default): a second,
    different call is a wiring mistake, not an override."""
    if current is not None:
        raise ValueError(
            f"{owner.name} already {already} {current.name}; cannot also {also} {target.name}"
        )
    return target


class Sequential(State):
    """A state that continues with `Next` (or ends the machine when it has none).

    `next()` may be called any time before rendering, so a builder can declare its states
    first and wire them afterwards, in the order a run takes them.
    """

    next_state: State | None = None

    def next(self, state: Target) -> Target:
        """Continue with `state`; returns `state`, so `a.next(b).next(c)` reads in order."""
        self.next_state = set_once(
            self, self.next_state, start_of(state), already="continues with", also="continue with"
        )
        return state

    def successors(self) -> list[State]:
        return [self.next_state] if self.next_state is not None else []

    def render_transition(self) -> dict[str, Any]:
        if self.next_state is None:
            return {"End": True}
        return {"Next": self.next_state.name}


class Chain:
    """A sequence of states, usable wherever a start state is accepted."""

    def __init__(self, start_state: State, end_state: State) -> None:
        self.start_state = start_state
        self.end_state = end_state

    @staticmethod
    def start(state: State | Chain) -> Chain:
        return Chain(start_of(state), end_of(state))

    def next(self, state: State | Chain) -> Chain:
        if not isinstance(self.end_state, Sequential):
            raise TypeError(
                f"{self.end_state.name} is a {self.end_state.type_name} state and cannot be "
                "followed by Next"
            )
        self.end_state.next(state)
        return Chain(self.start_state, end_of(state))

    def __repr__(self) -> str:
        return f"Chain({self.start_state.name!r} .. {self.end_state.name!r})"
