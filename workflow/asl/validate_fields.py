"""Field-level checks shared by the states: numbers, paths, payload templates, Retry/Catch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workflow.asl.errors import Problem
from workflow.asl.jsonpath import intrinsic_problem, path_problem

# AWS's documented ceiling for TimeoutSeconds, HeartbeatSeconds, Wait Seconds and retry fields.
MAX_SECONDS = 99_999_999
MAX_DELAY_SECONDS = 31_622_400
KNOWN_STATES_ERRORS = frozenset(
    {
        "States.ALL",
        "States.BranchFailed",
        "States.DataLimitExceeded",
        "States.ExceedToleratedFailureThreshold",
        "States.HeartbeatTimeout",
        "States.Http.Socket",
        "States.IntrinsicFailure",
        "States.ItemReaderFailed",
        "States.NoChoiceMatched",
        "States.ParameterPathFailure",
        "States.Permissions",
        "States.QueryEvaluationError",
        "States.ResultPathMatchFailure",
        "States.ResultWriterFailed",
        "States.Runtime",
        "States.TaskFailed",
        "States.Timeout",
    }
)

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
    if "States.ALL" in errors:
        if len(errors) != 1:
            report(f"{where}: States.ALL must appear alone in ErrorEquals", "states-all")
        elif not last:
            report(f"{where}: the States.ALL entry must be the last one", "states-all")
    for name in errors:
        if name.startswith("States.") and name not in KNOWN_STATES_ERRORS:
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


def check_retry(report: Report, retriers: Any) -> None:
    if not isinstance(retriers, list):
        report("Retry must be a list of retriers", "retry")
        return
    for index, retrier in enumerate(retriers):
        where = f"Retry[{index}]"
        if not isinstance(retrier, dict):
            report(f"{where} must be an object", "retry")
            continue
        for key in sorted(set(retrier) - _RETRY_FIELDS):
            report(f"{where}: unknown field {key!r}", "unknown-field")
        _check_error_equals(report, retrier, where, index == len(retriers) - 1)

        def sub(message: str, code: str, where: str = where) -> None:
            report(f"{where}.{message}", code)

        check_int(sub, retrier, "IntervalSeconds", minimum=1)
        check_int(sub, retrier, "MaxAttempts", minimum=0)
        check_int(sub, retrier, "MaxDelaySeconds", minimum=1, maximum=MAX_DELAY_SECONDS)
        rate = retrier.get("BackoffRate", 2.0)
        if not isinstance(rate, int | float) or isinstance(rate, bool) or rate < 1.0:
            report(f"{where}.BackoffRate must be a number >= 1.0, got {rate!r}", "range")
        jitter = retrier.get("JitterStrategy", "NONE")
        if jitter not in ("FULL", "NONE"):
            report(f"{where}.JitterStrategy must be FULL or NONE, got {jitter!r}", "range")


def check_catch(report: Report, catchers: Any) -> None:
    if not isinstance(catchers, list):
        report("Catch must be a list of catchers", "catch")
        return
    for index, catcher in enumerate(catchers):
        where = f"Catch[{index}]"
        if not isinstance(catcher, dict):
            report(f"{where} must be an object", "catch")
            continue
        for key in sorted(set(catcher) - _CATCH_FIELDS):
            report(f"{where}: unknown field {key!r}", "unknown-field")
        _check_error_equals(report, catcher, where, index == len(catchers) - 1)
        if not isinstance(catcher.get("Next"), str):
            report(f"{where} needs a Next state name", "transition")

        def sub(message: str, code: str, where: str = where) -> None:
            report(f"{where}.{message}", code)

        check_path(sub, catcher, "ResultPath", allow_context=False, nullable=True)


def reporter(problems: list[Problem], state: str | None) -> Report:
    def report(message: str, code: str) -> None:
        problems.append(Problem(state, message, code))

    return report
