"""The object graph behind a StateMachine: which states exist, in which (sub-)machine.

States are found by following Next, Choice rules, Default and Catch from a start state;
Parallel branches and Map iterators are sub-machines with their own scope, as in ASL.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from workflow.asl.errors import Problem
from workflow.asl.state import State


@dataclass
class Scope:
    start: State
    label: str  # "the top level", "branch 2 of 'Fetch'", "the iterator of 'Each'"
    states: dict[str, State] = field(default_factory=dict)  # discovery order


@dataclass
class Graph:
    root: Scope
    scopes: list[Scope]  # root first, then nested scopes in discovery order
    by_start: dict[int, Scope]  # id(start state) -> its scope
    problems: list[Problem]

    def all_states(self) -> dict[str, State]:
        """Every state by name; of a name repeated across scopes (a problem validation
        reports), the one found first."""
        states: dict[str, State] = {}
        for scope in self.scopes:
            for name, state in scope.states.items():
                states.setdefault(name, state)
        return states


def collect(start: State) -> Graph:
    """Walk the machine from `start`.

    Name uniqueness is `validate_definition`'s to check, on the rendered document; the one
    duplicate it cannot see is reported here: two different states under one name in one
    (sub-)machine, where the document has room for only one of them.
    """
    owner: dict[int, Scope] = {}
    problems: list[Problem] = []
    scopes: list[Scope] = []
    by_start: dict[int, Scope] = {}
    pending: deque[tuple[State, str]] = deque([(start, "the top level")])

    while pending:
        scope_start, label = pending.popleft()
        if id(scope_start) in by_start:
            problems.append(
                Problem(
                    scope_start.name,
                    f"starts both {by_start[id(scope_start)].label} and {label}; "
                    "each branch or iterator needs states of its own",
                    "shared-sub-machine",
                )
            )
            continue
        scope = Scope(scope_start, label)
        scopes.append(scope)
        by_start[id(scope_start)] = scope
        queue: deque[State] = deque([scope_start])
        seen: set[int] = set()
        while queue:
            state = queue.popleft()
            if id(state) in seen:
                continue
            seen.add(id(state))
            if id(state) in owner and owner[id(state)] is not scope:
                # Reached from another (sub-)machine: it stays where it was found first, and
                # the rendered transition into it is reported by validate_definition.
                continue
            owner[id(state)] = scope
            if scope.states.setdefault(state.name, state) is not state:
                problems.append(
                    Problem(
                        state.name,
                        f"two different states in {scope.label} have this name; names must be "
                        "unique across the whole machine, including Parallel branches and Map "
                        "iterators",
                        "duplicate-name",
                    )
                )
            queue.extend(state.successors())
            for index, sub_start in enumerate(state.sub_machines(), start=1):
                kind = "the iterator" if state.type_name == "Map" else f"branch {index}"
                pending.append((sub_start, f"{kind} of {state.name!r}"))
    return Graph(scopes[0], scopes, by_start, problems)
