"""A Mermaid flowchart of a rendered definition: one node per state, shaped by type.

Edges carry what decides them: a summary of the Choice rule, `default`, or `catch <errors>`;
Retry is not drawn (it returns to the same state). Parallel branches and Map iterators are
subgraphs. Everything is emitted in a fixed order so the diagram in README.md only changes
when the machine does.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Mapping
from typing import Any

from workflow.asl.operators import OPERATORS
from workflow.asl.validate_flow import is_terminal, sub_machines, transitions

START_ID = "_start"
END_ID = "_end"
_SHAPES = {
    "Task": ('["', '"]'),
    "Pass": ('[/"', '"/]'),
    "Wait": ('{{"', '"}}'),
    "Choice": ('{"', '"}'),
    "Succeed": ('(["', '"])'),
    "Fail": ('>"', '"]'),
    "Parallel": ('[["', '"]]'),
    "Map": ('[["', '"]]'),
}
# Words Mermaid's flowchart grammar reserves; a node id equal to one breaks the diagram.
_RESERVED = {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click",
             "linkstyle", "direction", "default", "call", "href"}  # fmt: skip
_SYMBOLS = {"eq": "==", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}
_TYPE_WORDS = {
    "IsString": "a string",
    "IsNumeric": "a number",
    "IsBoolean": "a boolean",
    "IsTimestamp": "a timestamp",
}
_GUARD_KIND = {"IsString": "string", "IsNumeric": "numeric", "IsBoolean": "boolean",
               "IsTimestamp": "timestamp"}  # fmt: skip


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes instead of markup)."""
    text = text.replace("#", "#35;").replace('"', "#quot;").replace("&", "#amp;")
    text = text.replace("<", "#lt;").replace(">", "#gt;").replace("|", "#124;")
    return re.sub(r"\s+", " ", text)


class _Ids:
    def __init__(self) -> None:
        self._used = {START_ID, END_ID}
        self.of: dict[str, str] = {}

    def add(self, name: str, prefix: str = "") -> str:
        base = prefix + (re.sub(r"[^A-Za-z0-9_]", "_", name) or "s")
        if base[0].isdigit() or base.lower() in _RESERVED:
            base = f"s_{base}"
        candidate, suffix = base, 2
        while candidate in self._used:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        self._used.add(candidate)
        if not prefix:
            self.of[name] = candidate
        return candidate


def _ordered(machine: Mapping[str, Any]) -> list[str]:
    """States in breadth-first order from StartAt, then any unreachable ones."""
    states: Mapping[str, Any] = machine.get("States", {})
    order: list[str] = []
    queue: deque[str] = deque([str(machine.get("StartAt"))])
    while queue:
        name = queue.popleft()
        if name in states and name not in order:
            order.append(name)
            queue.extend(target for _, target in transitions(states[name]))
    return order + [name for name in states if name not in order]


def to_mermaid(definition: Mapping[str, Any], *, max_label_length: int | None = 100) -> str:
    ids = _Ids()
    nodes: list[str] = [f'    {START_ID}(("start"))', f'    {END_ID}((("end")))']
    edges: list[str] = []

    def label(text: str) -> str:
        if max_label_length is not None and len(text) > max_label_length:
            text = text[: max_label_length - 1].rstrip() + "…"
        return escape(text)

    def emit(machine: Mapping[str, Any], indent: str, top: bool) -> None:
        states: Mapping[str, Any] = machine.get("States", {})
        order = _ordered(machine)
        for name in order:
            opening, closing = _SHAPES.get(states[name].get("Type"), ('["', '"]'))
            nodes.append(f"{indent}{ids.add(name)}{opening}{escape(name)}{closing}")
        for name in order:
            state = states[name]
            for index, sub in enumerate(sub_machines(state), start=1):
                kind = "each item" if state.get("Type") == "Map" else f"branch {index}"
                group = ids.add(f"{name}_{index}", prefix="sg_")
                nodes.append(f'{indent}subgraph {group} ["{escape(f"{name}: {kind}")}"]')
                emit(sub, indent + "    ", top=False)
                nodes.append(f"{indent}end")
                edges.append(f'    {ids.of[name]} -->|"{kind}"| {ids.of[sub["StartAt"]]}')
        for name in order:
            state = states[name]
            rules = state.get("Choices", [])
            for field, target in transitions(state):
                if target not in ids.of:
                    continue
                if field == "Next":
                    edges.append(f"    {ids.of[name]} --> {ids.of[target]}")
                    continue
                if field == "Default":
                    text = "default"
                elif field.startswith("Choices["):
                    text = summarize(rules[int(field[8 : field.index("]")])])
                else:
                    catcher = state["Catch"][int(field[6 : field.index("]")])]
                    text = "catch " + ", ".join(catcher.get("ErrorEquals", []))
                edges.append(f'    {ids.of[name]} -->|"{label(text)}"| {ids.of[target]}')
            if top and is_terminal(state):
                edges.append(f"    {ids.of[name]} --> {END_ID}")

    emit(definition, "    ", top=True)
    start = ids.of.get(definition.get("StartAt", ""))
    if start is not None:
        edges.insert(0, f"    {START_ID} --> {start}")
    return "\n".join(["flowchart TD", *nodes, *edges]) + "\n"


# --- rule summaries --------------------------------------------------------------------------
def _short(path: str) -> str:
    return path[2:] if path.startswith("$.") else path


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def summarize(rule: Mapping[str, Any]) -> str:
    """A one-line reading of a Choice Rule, e.g. `status.stage == "training"`."""
    if "And" in rule:
        parts = _without_guards(_flatten(rule["And"], "And"))
        texts = [_wrapped(part) for part in parts]
        return " and ".join(texts)
    if "Or" in rule:
        parts = _flatten(rule["Or"], "Or")
        membership = _membership(parts)
        return membership or " or ".join(_wrapped(part) for part in parts)
    if "Not" in rule:
        inner = rule["Not"]
        text = summarize(inner)
        return f"not {text}" if _is_leaf(inner) else f"not ({text})"
    return _leaf(rule)


def _is_leaf(rule: Mapping[str, Any]) -> bool:
    return "Variable" in rule


def _wrapped(rule: Mapping[str, Any]) -> str:
    text = summarize(rule)
    if _is_leaf(rule) or "Not" in rule:
        return text
    if "Or" in rule and _membership(_flatten(rule["Or"], "Or")):
        return text
    return f"({text})"


def _flatten(rules: list[Mapping[str, Any]], operator: str) -> list[Mapping[str, Any]]:
    flat: list[Mapping[str, Any]] = []
    for rule in rules:
        if operator in rule and len(rule) == 1:
            flat.extend(_flatten(rule[operator], operator))
        else:
            flat.append(rule)
    return flat


def _leaf_operator(rule: Mapping[str, Any]) -> str:
    return next(key for key in rule if key in OPERATORS)


def _uses(rule: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(variable, operator kind) of every comparison inside `rule`."""
    if _is_leaf(rule):
        operator = OPERATORS[_leaf_operator(rule)]
        kind = "string" if operator.kind == "matches" else operator.kind
        return {(rule["Variable"], kind)}
    found: set[tuple[str, str]] = set()
    for key in ("And", "Or"):
        for child in rule.get(key, []):
            found |= _uses(child)
    if "Not" in rule:
        found |= _uses(rule["Not"])
    return found


def _without_guards(parts: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Drop `IsPresent`/`IsString`-style guards that only protect a sibling comparison."""
    kept = []
    for index, part in enumerate(parts):
        others: set[tuple[str, str]] = set()
        for other_index, other in enumerate(parts):
            if other_index != index:
                others |= _uses(other)
        if _is_leaf(part):
            name = _leaf_operator(part)
            variable = part["Variable"]
            guards_presence = name == "IsPresent" and part[name] is True
            if guards_presence and any(v == variable for v, _ in others):
                continue
            guards_type = name in _GUARD_KIND and part[name] is True
            if guards_type and (variable, _GUARD_KIND[name]) in others:
                continue
        kept.append(part)
    return kept or parts


def _membership(parts: list[Mapping[str, Any]]) -> str | None:
    """`x in ["a", "b"]` for an Or of equalities on one variable."""
    if len(parts) < 2 or not all(_is_leaf(p) for p in parts):
        return None
    names = {_leaf_operator(p) for p in parts}
    variables = {p["Variable"] for p in parts}
    if len(variables) != 1 or names not in ({"StringEquals"}, {"NumericEquals"}):
        return None
    values = ", ".join(_literal(p[_leaf_operator(p)]) for p in parts)
    return f"{_short(variables.pop())} in [{values}]"


def _leaf(rule: Mapping[str, Any]) -> str:
    name = _leaf_operator(rule)
    operator = OPERATORS[name]
    variable = _short(rule["Variable"])
    value = rule[name]
    if operator.relation is not None:
        operand = _short(value) if operator.path else _literal(value)
        return f"{variable} {_SYMBOLS[operator.relation]} {operand}"
    if name == "StringMatches":
        return f"{variable} matches {_literal(value)}"
    if name == "IsPresent":
        return f"{variable} is {'present' if value else 'absent'}"
    if name == "IsNull":
        return f"{variable} is {'' if value else 'not '}null"
    return f"{variable} is {'' if value else 'not '}{_TYPE_WORDS[name]}"
