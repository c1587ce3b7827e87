"""The kinds of value a setting holds: how a raw value is checked and converted.

One definition per kind serves both places settings come from:

- a Lambda's environment (`ENVIRONMENT`): every value is a string;
- the stack's config (`STACK_CONFIG`): Pulumi hands a program its top-level values as
  strings (`30`, `true`, a JSON text for objects and lists), while values nested inside an
  object (`retraining:models`) keep their JSON types.

Every kind therefore accepts both spellings of the same value. A kind that refuses a value
raises `Invalid` with one `Problem` per thing wrong; `read_value` adds the setting's name
and the offending value, so every message reads `<name> must be ..., got <value>`:
`TRAINING_INSTANCE_COUNT must be a positive integer, got 'two'`,
`retraining:trainingWindowDays must be an integer from 1 to 36500, got "x"`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contract.limits import MAX_HYPERPARAMETER_KEY, MAX_HYPERPARAMETER_VALUE, MAX_HYPERPARAMETERS

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    expectation: str  # e.g. `must be a positive integer`
    entry: str = ""  # the entry of a map it is about, as the source spells it
    got: str | None = None  # the offending part of the value (None: the value itself)


class Invalid(ValueError):
    """Why a value is not of its kind: every problem found in it."""

    def __init__(self, *problems: Problem | str) -> None:
        self.problems = tuple(p if isinstance(p, Problem) else Problem(p) for p in problems)
        super().__init__("; ".join(p.expectation for p in self.problems))


@dataclass(frozen=True)
class Source:
    """Where raw values come from, and how a problem is worded for the people who write them.

    In an environment every value is a string (`strings_only`): a literal is quoted
    (`'true'`) and a problem inside a JSON value shows just the part at fault. In stack
    config YAML's types apply (`true`; a number must be quoted to be a string) and the value
    is shown as written, the part at fault after it.
    """

    missing: str  # how an unset required value is reported
    object_noun: str  # what a JSON object is called where values are written
    strings_only: bool

    def literal(self, text: str) -> str:
        return repr(text) if self.strings_only else text

    def show(self, value: Any) -> str:
        return repr(value) if self.strings_only else json.dumps(value)

    def entry(self, key: str, expectation: str, got: str | None = None) -> Problem:
        if self.strings_only:
            return Problem(expectation, entry=f"[{key!r}]", got=got)
        return Problem(f"{expectation} (entry {key!r})", got=got)

    def not_a_string(self, key: str, item: Any) -> Problem:
        if self.strings_only:
            return self.entry(key, "must be a string", json.dumps(item))
        return Problem(
            f"must be {self.object_noun} of strings: the value of {key!r} is "
            f"{json.dumps(item)}, not a string (quote it in YAML)"
        )

    def describe(self, name: str, problem: Problem, raw: Any) -> str:
        if self.strings_only:
            got = self.show(raw) if problem.got is None else problem.got
        else:
            got = self.show(raw) + ("" if problem.got is None else f" ({problem.got})")
        return f"{name}{problem.entry} {problem.expectation}, got {got}"


ENVIRONMENT: Final = Source(
    missing="is required but not set", object_noun="a JSON object", strings_only=True
)
STACK_CONFIG: Final = Source(missing="is required", object_noun="a map", strings_only=False)


@dataclass(frozen=True)
class Kind(Generic[T]):
    label: str  # the type column of docs/configuration.md
    parse: Callable[[Any, Source], T]  # raises Invalid


def read_value(
    raw: Any, kind: Kind[Any], name: str, source: Source, *, required: bool, default: Any
) -> tuple[Any, list[str]]:
    """`raw` parsed by `kind`, or `default` and the problems, each naming `name`.

    An absent or blank value is unset: a problem when `required`, else `default`.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default, [f"{name} {source.missing}"] if required else []
    try:
        return kind.parse(raw, source), []
    except Invalid as error:
        return default, [source.describe(name, problem, raw) for problem in error.problems]


def _stripped(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _text(value: Any, source: Source) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string")
    return value.strip()


TEXT: Final = Kind("string", _text)


def matching(label: str, pattern: str, expectation: str) -> Kind[str]:
    compiled = re.compile(pattern)

    def parse(value: Any, source: Source) -> str:
        text = _stripped(value)
        if not compiled.fullmatch(text):
            raise Invalid(f"must be {expectation}")
        return text

    return Kind(label, parse)


URL: Final = matching("http(s) URL", r"https?://[^\s/]+(/\S*)?", "an http(s) URL")


def integer(minimum: int, maximum: int | None = None, allowed: Sequence[int] = ()) -> Kind[int]:
    """A whole number within bounds; the message states the whole range."""
    if allowed:
        expectation = "one of " + ", ".join(str(v) for v in allowed)
        label = "integer, " + expectation
    elif minimum == 1 and maximum is None:
        expectation = label = "a positive integer"
    elif maximum is None:
        expectation = label = f"an integer ≥ {minimum}"
    else:
        expectation = label = f"an integer from {minimum} to {maximum}"

    def parse(value: Any, source: Source) -> int:
        # bool is an int in Python; `true` is not a number of days.
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
            number = int(value.strip())
        else:
            raise Invalid(f"must be {expectation}")
        too_big = maximum is not None and number > maximum
        if number < minimum or too_big or (allowed and number not in allowed):
            raise Invalid(f"must be {expectation}")
        return number

    return Kind(label.removeprefix("a ").removeprefix("an "), parse)


def at_most(kind: Kind[int], maximum: int) -> Kind[int]:
    """`kind` with a ceiling the message names on its own (`must be at most 86400`)."""

    def parse(value: Any, source: Source) -> int:
        number = kind.parse(value, source)
        if number > maximum:
            raise Invalid(f"must be at most {maximum}")
        return number

    return Kind(f"{kind.label}, at most {maximum}", parse)


def number(minimum: float) -> Kind[float]:
    """A finite decimal number at least `minimum` (a score bound, a percentage)."""
    expectation = f"a number ≥ {minimum:g}"

    def parse(value: Any, source: Source) -> float:
        # bool is an int in Python; `true` is not a score.
        if isinstance(value, int | float) and not isinstance(value, bool):
            result = float(value)
        elif isinstance(value, str) and re.fullmatch(
            r"[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", value.strip()
        ):
            result = float(value.strip())
        else:
            raise Invalid(f"must be {expectation}")
        if not math.isfinite(result) or result < minimum:
            raise Invalid(f"must be {expectation}")
        return result

    return Kind(f"number ≥ {minimum:g}", parse)


def _boolean(value: Any, source: Source) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Invalid(f"must be {source.literal('true')} or {source.literal('false')}")


BOOLEAN: Final = Kind("boolean", _boolean)


def choice(*values: str, ignore_case: bool = False) -> Kind[str]:
    """One of `values`, returned as spelled there."""

    def parse(value: Any, source: Source) -> str:
        text = _stripped(value) if isinstance(value, str) else None
        for candidate in values:
            if text == candidate or (ignore_case and (text or "").upper() == candidate.upper()):
                return candidate
        raise Invalid("must be one of " + ", ".join(values))

    return Kind("one of " + " | ".join(f"`{v}`" for v in values), parse)


# Python's logging levels: the functions' LOG_LEVEL and the stack's `logLevel`.
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# A Lambda takes any case (`debug`); the stack's config spells them as listed.
LOG_LEVEL: Final = choice(*LOG_LEVELS, ignore_case=True)
# Lambda's application log levels, lowest first: what a JSON log line's `level` must say
# for Lambda's log-level filter (ApplicationLogLevel) to see it; any other value is INFO.
LAMBDA_LOG_LEVELS: Final = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
# Each Python level spelled as Lambda's filter reads it.
LAMBDA_LOG_LEVEL_OF: Final = dict(zip(LOG_LEVELS, LAMBDA_LOG_LEVELS[1:], strict=True))


def _time_zone(value: Any, source: Source) -> ZoneInfo:
    try:
        return ZoneInfo(_stripped(value))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid(
            f"must be an IANA time zone such as {source.literal('Europe/Paris')}"
        ) from error


TIME_ZONE: Final = Kind("IANA time zone", _time_zone)
TIME_ZONE_NAME: Final = Kind("IANA time zone", lambda value, source: _time_zone(value, source).key)

_ARN = re.compile(r"arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):[a-z0-9-]*:[0-9]{0,12}:.+")


def arn(service: str) -> Kind[str]:
    """An ARN of one AWS service (`iam`, `states`, `secretsmanager`)."""

    def parse(value: Any, source: Source) -> str:
        text = _stripped(value)
        match = _ARN.fullmatch(text)
        if match is None or match["service"] != service:
            raise Invalid(f"must be an ARN of service {source.literal(service)}")
        return text

    return Kind(f"{service} ARN", parse)


def _s3_folder(value: Any, source: Source) -> str:
    text = _stripped(value)
    if not text or text.startswith("/") or not text.endswith("/") or "//" in text:
        slash = source.literal("/")
        raise Invalid(
            f"must be a folder-like S3 key prefix such as {source.literal('data/model/train/')} "
            f"(no leading {slash}, ending with {slash})"
        )
    return text


S3_FOLDER: Final = Kind("S3 folder prefix", _s3_folder)


def decode_json(value: Any, container: type, expectation: str) -> Any:
    """`value`, or the JSON text that spells it, which must be a `container`."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise Invalid(Problem(expectation, got=f"invalid JSON: {error}")) from error
    if not isinstance(value, container):
        raise Invalid(Problem(expectation, got=type(value).__name__))
    return value


def string_map(
    value: Any,
    source: Source,
    *,
    max_entries: int,
    whose_limits: str,
    entry_problem: Callable[[str, str], str | None],
) -> tuple[tuple[str, str], ...]:
    """A JSON object (a YAML map) of strings, as (key, value) pairs sorted by key.

    Too many entries, an entry that is not a string (SageMaker and AWS take strings only:
    10 and "10" are not the same request) and one `entry_problem` refuses are all reported.
    """
    mapping = decode_json(value, dict, f"must be {source.object_noun} of strings")
    problems = []
    if len(mapping) > max_entries:
        problems.append(
            Problem(
                f"must have at most {max_entries} entries{whose_limits}",
                got=f"{len(mapping)} entries",
            )
        )
    for key, item in mapping.items():
        if not isinstance(item, str):
            problems.append(source.not_a_string(key, item))
        elif (expectation := entry_problem(key, item)) is not None:
            problems.append(source.entry(key, expectation))
    if problems:
        raise Invalid(*problems)
    return tuple(sorted(mapping.items()))


def _hyperparameter_problem(key: str, value: str) -> str | None:
    if len(key) > MAX_HYPERPARAMETER_KEY or len(value) > MAX_HYPERPARAMETER_VALUE:
        return (
            f"must respect SageMaker's length limits ({MAX_HYPERPARAMETER_KEY} characters per "
            f"name, {MAX_HYPERPARAMETER_VALUE} per value)"
        )
    return None


HYPERPARAMETERS: Final = Kind(
    "map of strings",
    lambda value, source: string_map(
        value,
        source,
        max_entries=MAX_HYPERPARAMETERS,
        whose_limits=" (SageMaker's limit)",
        entry_problem=_hyperparameter_problem,
    ),
)
