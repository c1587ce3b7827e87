"""Rendering a collected machine to an ASL document, and the one JSON encoding we deploy."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from workflow.asl.graph import Graph
from workflow.asl.placeholder import substitute
from workflow.asl.state import State


def dumps(document: Any) -> str:
    """The deployed bytes: sorted keys, no whitespace, UTF-8 kept as is.

    Sorting makes the output independent of construction order and hash seeds, so a
    definition that did not change renders to the same bytes (and `pulumi preview` shows no
    diff). NaN and infinities are refused: they are not JSON.
    """
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def unresolved_placeholders(graph: Graph, resolve: Mapping[str, str]) -> dict[str, list[str]]:
    """Placeholder name -> states using it, for every name `resolve` lacks."""
    missing: dict[str, list[str]] = {}
    for name, state in graph.all_states().items():
        for placeholder in state.placeholders():
            if placeholder.name not in resolve:
                users = missing.setdefault(placeholder.name, [])
                if name not in users:
                    users.append(name)
    return missing


class _Renderer:
    def __init__(self, graph: Graph, resolve: Mapping[str, str] | None) -> None:
        self._graph = graph
        self._resolve = resolve

    def value(self, state: State, value: Any) -> Any:
        return substitute(value, self._resolve)

    def machine(self, start: State) -> dict[str, Any]:
        scope = self._graph.by_start[id(start)]
        return {
            "StartAt": start.name,
            "States": {name: state.render(self) for name, state in scope.states.items()},
        }


def render_definition(
    graph: Graph,
    *,
    resolve: Mapping[str, str] | None,
    comment: str | None,
    timeout_seconds: int | None,
) -> dict[str, Any]:
    if resolve is not None:
        missing = unresolved_placeholders(graph, resolve)
        if missing:
            details = "; ".join(
                f"{name!r} (used by {', '.join(users)})" for name, users in sorted(missing.items())
            )
            raise ValueError(f"no value for placeholder(s): {details}")
    document = _Renderer(graph, resolve).machine(graph.root.start)
    if comment is not None:
        document["Comment"] = comment
    if timeout_seconds is not None:
        document["TimeoutSeconds"] = timeout_seconds
    return document
