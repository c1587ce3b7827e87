"""Graph checks of one (sub-)machine: targets, reachability, ending, busy loops."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from typing import Any

from workflow.asl.errors import Problem

SEQUENTIAL_TYPES = frozenset({"Task", "Pass", "Wait", "Parallel", "Map"})
_ACTIVITY = re.compile(r"arn:aws[a-z-]*:states:[^:]*:[^:]*:activity:")


def is_waiting_resource(resource: Any) -> bool:
    """A Task that waits on something outside the machine (callback, .sync job, activity)."""
    if not isinstance(resource, str):
        return False
    return (
        resource.endswith((".waitForTaskToken", ".sync", ".sync:2"))
        or _ACTIVITY.match(resource) is not None
    )


def sub_machines(state: Mapping[str, Any]) -> list[Any]:
    if state.get("Type") == "Parallel":
        branches = state.get("Branches")
        return list(branches) if isinstance(branches, list) else []
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor", state.get("Iterator"))
        return [processor] if processor is not None else []
    return []


def waits(state: Any) -> bool:
    """Does entering this state take time that does not come from the machine spinning?

    A Parallel or Map counts when something inside it waits: a loop through it is then
    paced by that wait too.
    """
    if not isinstance(state, Mapping):
        return False
    kind = state.get("Type")
    if kind == "Wait" or (kind == "Task" and is_waiting_resource(state.get("Resource"))):
        return True
    for machine in sub_machines(state):
        inner = machine.get("States") if isinstance(machine, Mapping) else None
        if isinstance(inner, Mapping) and any(waits(s) for s in inner.values()):
            return True
    return False


def transitions(state: Any) -> list[tuple[str, str]]:
    """(field, target name) for every transition a state declares, in definition order."""
    if not isinstance(state, Mapping):
        return []
    found = [
        *_field(state, "Next"),
        *_entry_nexts(state, "Choices"),
        *_field(state, "Default"),
        *_entry_nexts(state, "Catch"),
    ]
    return [(field, target) for field, target in found if isinstance(target, str)]


def _field(state: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
    return [(key, state[key])] if key in state else []


def _entry_nexts(state: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
    """The Next of each entry of a list field (Choices rules, Catch catchers)."""
    entries = state.get(key)
    if not isinstance(entries, list):
        return []
    return [
        (f"{key}[{index}].Next", entry["Next"])
        for index, entry in enumerate(entries)
        if isinstance(entry, Mapping) and "Next" in entry
    ]


def is_terminal(state: Any) -> bool:
    if not isinstance(state, Mapping):
        return False
    kind = state.get("Type")
    return kind in ("Succeed", "Fail") or (kind in SEQUENTIAL_TYPES and state.get("End") is True)


def check_flow(
    states: Mapping[str, Any],
    start: str,
    *,
    label: str,
    owners: Mapping[str, str],
    allow_busy_loops: bool,
) -> list[Problem]:
    """`owners` maps every state name in the whole definition to its scope's label."""
    problems: list[Problem] = []
    edges: dict[str, list[str]] = {name: [] for name in states}
    broken: set[str] = set()  # states with a transition already reported as wrong
    for name, state in states.items():
        for field, target in transitions(state):
            if target in states:
                edges[name].append(target)
                continue
            broken.add(name)
            if target in owners:
                problems.append(
                    Problem(
                        name,
                        f"{field} targets {target!r}, which belongs to {owners[target]}; "
                        f"states in {label} can only transition among themselves",
                        "cross-scope",
                    )
                )
            else:
                problems.append(
                    Problem(name, f"{field} targets {target!r}, which does not exist", "dangling")
                )
    if start not in states:
        return problems
    order = _reachable(start, edges)
    reached = set(order)
    for name in states:
        if name not in reached:
            problems.append(
                Problem(name, f"is unreachable from {start!r} (StartAt of {label})", "unreachable")
            )
    problems += _check_ending(states, edges, order, label, broken)
    if not allow_busy_loops:
        problems += _check_busy_loops(states, edges, order)
    return problems


def _reachable(start: str, edges: Mapping[str, list[str]]) -> list[str]:
    order: list[str] = []
    seen = {start}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        order.append(name)
        for target in edges[name]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return order


def _check_ending(
    states: Mapping[str, Any],
    edges: Mapping[str, list[str]],
    order: list[str],
    label: str,
    broken: set[str],
) -> list[Problem]:
    """States caught in a closed loop. A state without a valid way out (no Next, a dangling
    target, an unknown Type) has its own, more precise problem and counts as an exit here."""
    reverse: dict[str, list[str]] = {name: [] for name in states}
    for name, targets in edges.items():
        for target in targets:
            reverse[target].append(name)
    can_end = {name for name in states if is_terminal(states[name]) or not edges[name]} | broken
    queue = deque(can_end)
    while queue:
        for source in reverse[queue.popleft()]:
            if source not in can_end:
                can_end.add(source)
                queue.append(source)
    trapped = [name for name in order if name not in can_end]
    if not trapped:
        return []
    names = ", ".join(repr(name) for name in trapped)
    return [
        Problem(
            trapped[0],
            f"no terminal state (Succeed, Fail or End: true) can be reached from {names} "
            f"in {label}: an execution that gets here never ends",
            "no-terminal",
        )
    ]


def _check_busy_loops(
    states: Mapping[str, Any], edges: Mapping[str, list[str]], order: list[str]
) -> list[Problem]:
    """Cycles among states that never wait spin at the state-transition rate until the
    execution hits its history or time limit."""
    spinning = [name for name in order if not waits(states[name])]
    inside = set(spinning)
    graph = {name: [t for t in edges[name] if t in inside] for name in spinning}
    problems = []
    for component in _strongly_connected(spinning, graph):
        first = component[0]
        if len(component) == 1 and first not in graph[first]:
            continue
        cycle = _shortest_cycle(first, graph, set(component))
        problems.append(
            Problem(
                first,
                f"busy loop {' -> '.join(cycle)}: the cycle passes through no Wait state and "
                "no task that waits (.waitForTaskToken, .sync, activity); add a Wait, or pass "
                "allow_busy_loops=True if every turn is bounded",
                "busy-loop",
            )
        )
    return problems


def _strongly_connected(nodes: list[str], graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Kosaraju's algorithm, iterative; components and members keep `nodes` order."""
    finished = _finishing_order(nodes, graph)
    reverse: dict[str, list[str]] = {node: [] for node in nodes}
    for node in nodes:
        for target in graph[node]:
            reverse[target].append(node)
    assigned: dict[str, int] = {}
    count = 0
    for root in reversed(finished):
        if root in assigned:
            continue
        assigned[root] = count
        todo = [root]
        while todo:
            for source in reverse[todo.pop()]:
                if source not in assigned:
                    assigned[source] = count
                    todo.append(source)
        count += 1
    components: dict[int, list[str]] = {}
    for node in nodes:
        components.setdefault(assigned[node], []).append(node)
    return sorted(components.values(), key=lambda c: nodes.index(c[0]))


def _finishing_order(nodes: list[str], graph: Mapping[str, list[str]]) -> list[str]:
    finished: list[str] = []
    seen: set[str] = set()
    for root in nodes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(graph[root]))]
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c not in seen), None)
            if child is None:
                stack.pop()
                finished.append(node)
            else:
                seen.add(child)
                stack.append((child, iter(graph[child])))
    return finished


def _shortest_cycle(start: str, graph: Mapping[str, list[str]], members: set[str]) -> list[str]:
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in graph[node]:
            if target not in members:
                continue
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [*reversed(path), start]
            if target not in parent:
                parent[target] = node
                queue.append(target)
    return [start, start]
