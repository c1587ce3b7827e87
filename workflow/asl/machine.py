"""StateMachine: the states reachable from a start state, validated and rendered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.asl.errors import Problem, ValidationError
from workflow.asl.evaluate import next_state
from workflow.asl.graph import Graph, collect
from workflow.asl.mermaid import to_mermaid
from workflow.asl.render import dumps, render_definition
from workflow.asl.state import Chain, State, start_of
from workflow.asl.states import Choice
from workflow.asl.validate import validate_definition


class StateMachine:
    """A machine defined by its start state; the other states are found by following
    Next, Choice rules, Default and Catch. States stay mutable until rendered, so every
    query walks the graph again."""

    def __init__(
        self,
        start: State | Chain,
        *,
        comment: str | None = None,
        timeout_seconds: int | None = None,
        allow_busy_loops: bool = False,
    ) -> None:
        self.start = start_of(start)
        self.comment = comment
        self.timeout_seconds = timeout_seconds
        self.allow_busy_loops = allow_busy_loops

    def _graph(self) -> Graph:
        return collect(self.start)

    @property
    def states(self) -> dict[str, State]:
        """Every state by name, nested ones included (names are unique machine-wide)."""
        return self._graph().all_states()

    def state(self, name: str) -> State:
        states = self.states
        if name not in states:
            raise KeyError(f"no state named {name!r}; the machine has {sorted(states)}")
        return states[name]

    def placeholders(self) -> set[str]:
        return {p.name for state in self.states.values() for p in state.placeholders()}

    def problems(self) -> list[Problem]:
        """Every problem, without raising (validate() raises them together)."""
        graph = self._graph()
        allowed = {
            name
            for name, state in graph.all_states().items()
            if isinstance(state, Choice) and state.allow_no_default
        }
        # What only the object graph can see, then the rules the raw JSON is held to.
        return graph.problems + validate_definition(
            self._render(graph, None),
            allow_no_default=allowed,
            allow_busy_loops=self.allow_busy_loops,
        )

    def validate(self) -> None:
        problems = self.problems()
        if problems:
            raise ValidationError(problems)

    def _render(self, graph: Graph, resolve: Mapping[str, str] | None) -> dict[str, Any]:
        return render_definition(
            graph, resolve=resolve, comment=self.comment, timeout_seconds=self.timeout_seconds
        )

    def to_dict(self, resolve: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ASL document. `resolve` maps Placeholder names to deploy-time values; without
        it, placeholders render as their examples."""
        self.validate()
        return self._render(self._graph(), resolve)

    def to_json(self, resolve: Mapping[str, str] | None = None) -> str:
        return dumps(self.to_dict(resolve))

    def to_mermaid(self, *, max_label_length: int | None = 100) -> str:
        return to_mermaid(self.to_dict(), max_label_length=max_label_length)

    def route(self, state_name: str, document: Any) -> str:
        """Where the Choice state `state_name` sends `document`, or StatesError."""
        state = self.state(state_name)
        if not isinstance(state, Choice):
            raise TypeError(f"{state_name} is a {state.type_name} state, not a Choice")
        return next_state(state, document)
