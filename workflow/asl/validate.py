"""`validate_definition`: every problem in a raw ASL (JSONPath) document.

This is what catches hand-edited JSON: dangling targets, unreachable states, a missing
StartAt, bad paths, out-of-range retry settings... `StateMachine.validate()` renders the DSL
to a document and runs this on it, so the DSL and raw JSON are held to the same rules.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.asl.errors import Problem
from workflow.asl.jsonpath import intrinsic_problem
from workflow.asl.operators import is_timestamp
from workflow.asl.validate_choice import check_choice
from workflow.asl.validate_fields import (
    Report,
    check_catch,
    check_exclusive,
    check_int,
    check_path,
    check_retry,
    check_template,
    reporter,
)
from workflow.asl.validate_flow import SEQUENTIAL_TYPES, check_flow, sub_machines

MAX_NAME_LENGTH = 80
_IO = {"InputPath", "OutputPath"}
_RESULT = {"ResultPath", "Parameters", "ResultSelector"}
_FLOW = {"Next", "End", "Assign"}
_FALLIBLE = {"Retry", "Catch"}
STATE_FIELDS: dict[str, set[str]] = {
    "Task": _IO | _RESULT | _FLOW | _FALLIBLE
    | {"Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
       "HeartbeatSecondsPath", "Credentials"},
    "Pass": _IO | _FLOW | {"Result", "ResultPath", "Parameters"},
    "Wait": _IO | _FLOW | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Choice": _IO | {"Choices", "Default", "Assign"},
    "Succeed": set(_IO),
    "Fail": {"Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": _IO | _RESULT | _FLOW | _FALLIBLE | {"Branches"},
    "Map": _IO | _RESULT | _FLOW | _FALLIBLE
    | {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "MaxConcurrency",
       "MaxConcurrencyPath", "ItemReader", "ItemBatcher", "ResultWriter", "Label",
       "ToleratedFailurePercentage", "ToleratedFailureCount"},
}  # fmt: skip
_COMMON = {"Type", "Comment", "QueryLanguage"}
_TOP_FIELDS = {"StartAt", "States", "Comment", "TimeoutSeconds", "Version", "QueryLanguage"}
_SUB_FIELDS = {"StartAt", "States", "Comment", "ProcessorConfig"}


@dataclass(frozen=True)
class _Options:
    allow_no_default: bool | Collection[str]
    allow_busy_loops: bool

    def default_required(self, name: str) -> bool:
        if isinstance(self.allow_no_default, bool):
            return not self.allow_no_default
        return name not in self.allow_no_default


def validate_definition(
    definition: Any,
    *,
    allow_no_default: bool | Collection[str] = False,
    allow_busy_loops: bool = False,
) -> list[Problem]:
    """Every problem found in `definition`, in document order.

    allow_no_default: True, or the names of the Choice states allowed to have no Default.
    """
    if not isinstance(definition, Mapping):
        return [Problem(None, "a definition must be a JSON object", "structure")]
    options = _Options(allow_no_default, allow_busy_loops)
    problems: list[Problem] = []
    report = reporter(problems, None)
    for key in sorted(set(definition) - _TOP_FIELDS):
        report(f"unknown top-level field {key!r}", "unknown-field")
    if definition.get("QueryLanguage", "JSONPath") != "JSONPath":
        report("only QueryLanguage JSONPath is supported", "query-language")
    check_int(report, dict(definition), "TimeoutSeconds", minimum=1)
    if not isinstance(definition.get("Comment", ""), str):
        report("Comment must be a string", "type")

    scopes: list[tuple[str, Mapping[str, Any]]] = []
    _collect_scopes(definition, "the top level", scopes, problems)
    owners: dict[str, str] = {}
    for label, machine in scopes:
        states = machine.get("States")
        if not isinstance(states, Mapping):
            continue
        for name in states:
            if name in owners:
                problems.append(
                    Problem(
                        name,
                        f"is defined in both {owners[name]} and {label}; names must be "
                        "unique across the whole machine",
                        "duplicate-name",
                    )
                )
            else:
                owners[name] = label
    for label, machine in scopes:
        states = machine.get("States")
        start = machine.get("StartAt")
        if not isinstance(states, Mapping) or not isinstance(start, str):
            continue
        for name, state in states.items():
            _check_state(name, state, options, problems)
        problems += check_flow(
            states,
            start,
            label=label,
            owners=owners,
            allow_busy_loops=options.allow_busy_loops,
        )
    return problems


def _collect_scopes(
    machine: Any,
    label: str,
    scopes: list[tuple[str, Mapping[str, Any]]],
    problems: list[Problem],
    owner: str | None = None,
) -> None:
    report = reporter(problems, owner)
    if not isinstance(machine, Mapping):
        report(f"{label} must be an object with StartAt and States", "structure")
        return
    if owner is not None:
        for key in sorted(set(machine) - _SUB_FIELDS):
            report(f"{label}: unknown field {key!r}", "unknown-field")
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, Mapping) or not states:
        report(f"{label} needs a non-empty States object", "structure")
        states = {}
    if not isinstance(start, str):
        report(f"{label} needs StartAt, the name of its first state", "start-at")
    elif states and start not in states:
        report(f"StartAt of {label} names {start!r}, which is not one of its States", "start-at")
    scopes.append((label, machine))
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        machines = sub_machines(state)
        if state.get("Type") == "Parallel" and not machines:
            reporter(problems, name)("needs a non-empty Branches list", "structure")
        for index, sub in enumerate(machines, start=1):
            kind = "the iterator" if state.get("Type") == "Map" else f"branch {index}"
            _collect_scopes(sub, f"{kind} of {name!r}", scopes, problems, owner=name)


def _check_name(report: Report, name: str) -> None:
    if not name:
        report("a state name must not be empty", "name")
    if len(name) > MAX_NAME_LENGTH:
        report(f"the name is {len(name)} characters long; the limit is 80", "name")
    if any(unicodedata.category(char) == "Cc" for char in name):
        report("the name contains control characters", "name")


def _check_state(name: str, state: Any, options: _Options, problems: list[Problem]) -> None:
    report = reporter(problems, name)
    _check_name(report, name)
    if not isinstance(state, Mapping):
        report("a state must be a JSON object", "structure")
        return
    state = dict(state)
    kind = state.get("Type")
    if kind not in STATE_FIELDS:
        report(f"unknown Type {kind!r}", "type")
        return
    for key in sorted(set(state) - STATE_FIELDS[kind] - _COMMON):
        report(f"{key} is not a field of a {kind} state", "unknown-field")
    if state.get("QueryLanguage", "JSONPath") != "JSONPath":
        report("only QueryLanguage JSONPath is supported", "query-language")
    if not isinstance(state.get("Comment", ""), str):
        report("Comment must be a string", "type")
    _check_transition(report, kind, state)
    for key in _IO:
        check_path(report, state, key, reference=False, nullable=True)
    check_path(report, state, "ResultPath", allow_context=False, nullable=True)
    for key in ("Parameters", "ResultSelector", "ItemSelector"):
        if key in state:
            check_template(report, state[key], key)
    if "Retry" in state:
        check_retry(report, state["Retry"])
    if "Catch" in state:
        check_catch(report, state["Catch"])
    if kind == "Choice":
        check_choice(report, state, default_required=options.default_required(name))
    elif kind in _TYPE_CHECKS:
        _TYPE_CHECKS[kind](report, state)


def _check_transition(report: Report, kind: str, state: dict[str, Any]) -> None:
    has_next = "Next" in state
    end = state.get("End", False)
    if kind not in SEQUENTIAL_TYPES:
        if has_next or "End" in state:
            report(f"a {kind} state cannot have Next or End", "transition")
        return
    if not isinstance(end, bool):
        report(f"End must be true or false, got {end!r}", "transition")
    elif has_next and end:
        report("has both Next and End: true", "transition")
    elif not has_next and not end:
        report("needs Next or End: true", "transition")
    if has_next and not isinstance(state["Next"], str):
        report(f"Next must be a state name, got {state['Next']!r}", "transition")


def _check_task(report: Report, state: dict[str, Any]) -> None:
    resource = state.get("Resource")
    if not isinstance(resource, str) or not resource:
        report("a Task needs a Resource (a URI such as a Lambda ARN)", "resource")
    check_exclusive(report, state, "TimeoutSeconds", "TimeoutSecondsPath")
    check_exclusive(report, state, "HeartbeatSeconds", "HeartbeatSecondsPath")
    check_int(report, state, "TimeoutSeconds", minimum=1)
    check_int(report, state, "HeartbeatSeconds", minimum=1)
    check_path(report, state, "TimeoutSecondsPath", allow_context=False)
    check_path(report, state, "HeartbeatSecondsPath", allow_context=False)
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
        report(
            f"HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds ({timeout})",
            "range",
        )


def _check_wait(report: Report, state: dict[str, Any]) -> None:
    given = [
        key for key in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if key in state
    ]
    if len(given) != 1:
        found = ", ".join(given) or "none"
        report(
            f"needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (found {found})",
            "wait-duration",
        )
    check_int(report, state, "Seconds", minimum=0)
    if "Timestamp" in state and not is_timestamp(state["Timestamp"]):
        report(f"Timestamp must be RFC 3339, got {state['Timestamp']!r}", "timestamp")
    check_path(report, state, "SecondsPath", allow_context=False)
    check_path(report, state, "TimestampPath", allow_context=False)


def _check_fail(report: Report, state: dict[str, Any]) -> None:
    check_exclusive(report, state, "Error", "ErrorPath")
    check_exclusive(report, state, "Cause", "CausePath")
    for key in ("Error", "Cause"):
        if key in state and not isinstance(state[key], str):
            report(f"{key} must be a string", "type")
    for key in ("ErrorPath", "CausePath"):
        value = state.get(key)
        if isinstance(value, str) and not value.startswith("$"):
            problem = intrinsic_problem(value)
            if problem:
                report(f"{key}: {problem}", "intrinsic")
        else:
            check_path(report, state, key, allow_context=False)


def _check_map(report: Report, state: dict[str, Any]) -> None:
    check_exclusive(report, state, "ItemProcessor", "Iterator")
    check_exclusive(report, state, "ItemSelector", "Parameters")
    check_exclusive(report, state, "MaxConcurrency", "MaxConcurrencyPath")
    if "ItemProcessor" not in state and "Iterator" not in state:
        report("a Map needs an ItemProcessor", "structure")
    check_path(report, state, "ItemsPath")
    check_path(report, state, "MaxConcurrencyPath", allow_context=False)
    check_int(report, state, "MaxConcurrency", minimum=0)


_TYPE_CHECKS: dict[str, Callable[[Report, dict[str, Any]], None]] = {
    "Task": _check_task,
    "Wait": _check_wait,
    "Fail": _check_fail,
    "Map": _check_map,
}
