"""Field-level checks shared by the states: numbers, paths, payload templates, Retry/Catch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from workflow.asl.errors import (
    JITTER_TYPES,
    PREDEFINED_ERRORS,
    PREDEFINED_PREFIX,
    Errors,
    JitterType,
    Problem,
)
from workflow.asl.jsonpath import intrinsic_problem, path_problem

# AWS's documented ceiling for TimeoutSeconds, HeartbeatSeconds, Wait Seconds and retry fields.
MAX_SECONDS = 99_999_999
MAX_DELAY_SECONDS = 31_622_400
Report = Callable[[str, str], None]  # (message, code)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(
    report: Report, state: dict[str, Any], key: str, *, minimum: int, maximum: int = MAX_SECONDS
) -> None:
    if key not in state:
        return
    value = state[key]
    if not is_int(value) or not minimum <= value <= maximum:
        bound = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        report(f"{key} must be {bound} (at most {maximum}), got {value!r}", "range")


def check_path(
    report: Report,
    state: dict[str, Any],
    key: str,
    *,
    reference: bool = True,
    allow_context: bool = True,
    nullable: bool = False,
) -> None:
    if key not in state:
        return
    value = state[key]
    if value is None and nullable:
        return
    problem = path_problem(value, reference=reference, allow_context=allow_context)
    if problem:
        report(f"{key}: {problem}", "path")


def check_exclusive(report: Report, state: dict[str, Any], *keys: str) -> None:
    given = [key for key in keys if key in state]
    if len(given) > 1:
        report(f"{' and '.join(given)} cannot be used together", "exclusive")


def check_template(report: Report, template: Any, where: str) -> None:
    """A Payload Template: `.$` fields hold a Path or an intrinsic function."""
    if not isinstance(template, dict):
        report(f"{where} must be a JSON object, got {type(template).__name__}", "template")
        return
    _check_template_node(report, template, where)


def _check_template_node(report: Report, node: Any, where: str) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _check_template_node(report, item, f"{where}[{index}]")
        return
    if not isinstance(node, dict):
        return
    plain = {key for key in node if not key.endswith(".$")}
    for key, value in node.items():
        field = f"{where}.{key}"
        if not key.endswith(".$"):
            _check_template_node(report, value, field)
            continue
        if key[:-2] in plain:
            report(f"{field} clashes with {where}.{key[:-2]} once '.$' is stripped", "template")
        if not isinstance(value, str):
            report(f"{field} must be a Path or an intrinsic function, got {value!r}", "template")
        elif value.startswith("$"):
            problem = path_problem(value)
            if problem:
                report(f"{field}: {problem}", "path")
        else:
            problem = intrinsic_problem(value)
            if problem:
                report(f"{field}: {problem}", "intrinsic")


def _check_error_equals(report: Report, entry: dict[str, Any], where: str, last: bool) -> None:
    errors = entry.get("ErrorEquals")
    if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
        report(f"{where}.ErrorEquals must be a non-empty list of error names", "error-equals")
        return
    if Errors.ALL in errors:
        if len(errors) != 1:
            report(f"{where}: {Errors.ALL} must appear alone in ErrorEquals", "states-all")
        elif not last:
            report(f"{where}: the {Errors.ALL} entry must be the last one", "states-all")
    for name in errors:
        if name.startswith(PREDEFINED_PREFIX) and name not in PREDEFINED_ERRORS:
            report(f"{where}: unknown predefined error {name!r}", "error-equals")


_RETRY_FIELDS = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
}
_CATCH_FIELDS = {"ErrorEquals", "Next", "ResultPath", "Comment", "Assign"}


def _error_handlers(
    report: Report, handlers: Any, field: str, *, noun: str, allowed: set[str]
) -> Iterator[tuple[dict[str, Any], str, Report]]:
    """The entries of a Retry or Catch list that are objects, after the checks both share
    (fields, ErrorEquals), each with its `Field[i]` label and a reporter prefixing it."""
    code = field.lower()
    if not isinstance(handlers, list):
        report(f"{field} must be a list of {noun}", code)
        return
    for index, handler in enumerate(handlers):
        where = f"{field}[{index}]"
        if not isinstance(handler, dict):
            report(f"{where} must be an object", code)
            continue
        for key in sorted(set(handler) - allowed):
            report(f"{where}: unknown field {key!r}", "unknown-field")
        _check_error_equals(report, handler, where, index == len(handlers) - 1)

        def field_report(message: str, code: str, where: str = where) -> None:
            report(f"{where}.{message}", code)

        yield handler, where, field_report


def check_retry(report: Report, retriers: Any) -> None:
    entries = _error_handlers(report, retriers, "Retry", noun="retriers", allowed=_RETRY_FIELDS)
    for retrier, _, field_report in entries:
        check_int(field_report, retrier, "IntervalSeconds", minimum=1)
        check_int(field_report, retrier, "MaxAttempts", minimum=0)
        check_int(field_report, retrier, "MaxDelaySeconds", minimum=1, maximum=MAX_DELAY_SECONDS)
        rate = retrier.get("BackoffRate", 2.0)
        if not isinstance(rate, int | float) or isinstance(rate, bool) or rate < 1.0:
            field_report(f"BackoffRate must be a number >= 1.0, got {rate!r}", "range")
        jitter = retrier.get("JitterStrategy", JitterType.NONE)
        if jitter not in JITTER_TYPES:
            allowed = " or ".join(JITTER_TYPES)
            field_report(f"JitterStrategy must be {allowed}, got {jitter!r}", "range")


def check_catch(report: Report, catchers: Any) -> None:
    entries = _error_handlers(report, catchers, "Catch", noun="catchers", allowed=_CATCH_FIELDS)
    for catcher, where, field_report in entries:
        if not isinstance(catcher.get("Next"), str):
            report(f"{where} needs a Next state name", "transition")
        check_path(field_report, catcher, "ResultPath", allow_context=False, nullable=True)


def reporter(problems: list[Problem], state: str | None) -> Report:
    def report(message: str, code: str) -> None:
        problems.append(Problem(state, message, code))

    return report
