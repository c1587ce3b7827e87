"""The value types of stack settings: how a raw config value is checked and converted.

Pulumi hands a program its top-level config values as strings (`30`, `true`, a JSON text
for objects and lists), while values nested inside an object (`retraining:models`) keep
their JSON types. Every kind therefore accepts both spellings of the same value. A kind
that rejects a value raises `Invalid("must be ...")`; `infra.config` adds the key and the
offending value, so every message reads `retraining:<key> must be ..., got <value>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infra.arns import parse_ecr_image
from infra.schedule_expressions import ScheduleExpressionError, parse_cron

# SageMaker's limits on HyperParameters (CreateTrainingJob).
MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_KEY = 256
MAX_HYPERPARAMETER_VALUE = 2500
# AWS tag limits (the strictest common ones: IAM, Lambda, S3).
MAX_TAGS = 40
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
# CloudWatch Logs' accepted retention periods (0 = never expire is deliberately excluded:
# logs of a pipeline that runs daily must not grow without bound).
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096),
    *(1827, 2192, 2557, 2922, 3288, 3653),
)
# SageMaker names are at most 63 characters; a run suffix `-yyyymmdd-xxxxxxxx` (18) follows
# the model name in training job, Model and EndpointConfig names (functions.naming).
MAX_MODEL_NAME = 45


class Invalid(ValueError):
    """What the value must be, e.g. `must be a positive integer`."""


@dataclass(frozen=True)
class Kind:
    label: str  # the type column of docs/configuration.md
    parse: Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string")
    return value.strip()


def text(label: str = "string") -> Kind:
    def parse(value: Any) -> str:
        result = _text(value)
        if not result:
            raise Invalid("must not be empty")
        return result

    return Kind(label, parse)


def matching(label: str, pattern: str, expectation: str) -> Kind:
    compiled = re.compile(pattern)

    def parse(value: Any) -> str:
        result = _text(value) if isinstance(value, str) else ""
        if not compiled.fullmatch(result):
            raise Invalid(f"must be {expectation}")
        return result

    return Kind(label, parse)


def integer(minimum: int, maximum: int | None = None, allowed: Sequence[int] = ()) -> Kind:
    if allowed:
        expectation = "one of " + ", ".join(str(v) for v in allowed)
        label = "integer, " + expectation
    elif minimum == 1 and maximum is None:
        expectation = label = "a positive integer"
    elif maximum is None:
        expectation = label = f"an integer ≥ {minimum}"
    else:
        expectation = label = f"an integer from {minimum} to {maximum}"

    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise Invalid(f"must be {expectation}")
        if isinstance(value, int):
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


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Invalid("must be true or false")


BOOLEAN = Kind("boolean", _boolean)


def choice(*values: str) -> Kind:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value.strip() not in values:
            raise Invalid("must be one of " + ", ".join(values))
        return value.strip()

    return Kind("one of " + " | ".join(f"`{v}`" for v in values), parse)


def _json_container(value: Any, container: type, what: str) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise Invalid(f"must be {what} (invalid JSON: {error.msg})") from error
    if not isinstance(value, container):
        raise Invalid(f"must be {what}")
    return value


def _string_map(value: Any, what: str) -> dict[str, str]:
    mapping = _json_container(value, dict, what)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise Invalid(
                f"must be {what}: the value of {key!r} is {json.dumps(item)}, not a string "
                "(quote it in YAML)"
            )
    return mapping


def _hyperparameters(value: Any) -> tuple[tuple[str, str], ...]:
    mapping = _string_map(value, "a map of strings")
    if len(mapping) > MAX_HYPERPARAMETERS:
        raise Invalid(f"must have at most {MAX_HYPERPARAMETERS} entries (SageMaker's limit)")
    for key, item in mapping.items():
        if len(key) > MAX_HYPERPARAMETER_KEY or len(item) > MAX_HYPERPARAMETER_VALUE:
            raise Invalid(f"must respect SageMaker's length limits (entry {key!r})")
    return tuple(sorted(mapping.items()))


HYPERPARAMETERS = Kind("map of strings", _hyperparameters)


def _tags(value: Any) -> tuple[tuple[str, str], ...]:
    mapping = _string_map(value, "a map of strings")
    if len(mapping) > MAX_TAGS:
        raise Invalid(f"must have at most {MAX_TAGS} entries")
    for key, item in mapping.items():
        if not key or len(key) > MAX_TAG_KEY or len(item) > MAX_TAG_VALUE:
            raise Invalid(f"must respect AWS tag limits (key {key!r})")
        if key.lower().startswith("aws:"):
            raise Invalid(f"must not use the reserved prefix 'aws:' (key {key!r})")
    return tuple(sorted(mapping.items()))


TAGS = Kind("map of strings", _tags)


def _objects(value: Any) -> list[dict[str, Any]]:
    items = _json_container(value, list, "a list of objects")
    if not items:
        raise Invalid("must list at least one model")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise Invalid(f"must be a list of objects (item {index} is {json.dumps(item)})")
    return items


OBJECTS = Kind("list of objects", _objects)


def _time_zone(value: Any) -> str:
    name = _text(value) if isinstance(value, str) else ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid("must be an IANA time zone such as Europe/Paris") from error
    return name


TIME_ZONE = Kind("IANA time zone", _time_zone)

_RATE = re.compile(r"rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.+)\)")


def _schedule(value: Any) -> str:
    expression = _text(value) if isinstance(value, str) else ""
    expectation = "a recurring EventBridge Scheduler expression, cron(...) or rate(...)"
    if rate := _RATE.fullmatch(expression):
        if (rate.group(1) == "1") != (not rate.group(2).endswith("s")):
            raise Invalid(f"must be {expectation} (singular unit for 1: rate(1 day))")
        return expression
    cron = _CRON.fullmatch(expression)
    if cron is None:
        raise Invalid(f"must be {expectation}")
    try:
        parse_cron(cron.group(1))
    except ScheduleExpressionError as error:
        raise Invalid(f"must be {expectation} ({error})") from error
    return expression


SCHEDULE = Kind("`cron(...)` or `rate(...)`", _schedule)


def _ecr_image(value: Any) -> str:
    image = _text(value) if isinstance(value, str) else ""
    if parse_ecr_image(image) is None:
        raise Invalid(
            "must be an ECR image URI such as "
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/repository:tag"
        )
    return image


ECR_IMAGE = Kind("ECR image URI", _ecr_image)

MODEL_NAME = matching(
    "lower-case name",
    rf"(?=.{{1,{MAX_MODEL_NAME}}}$)[a-z0-9]+(-[a-z0-9]+)*",
    f"at most {MAX_MODEL_NAME} lower-case letters, digits and single hyphens "
    "(it names the endpoint and prefixes SageMaker resources, whose ARNs are lower-case)",
)
INSTANCE_TYPE = matching(
    "SageMaker instance type",
    r"ml\.[a-z0-9-]+\.[a-z0-9]+",
    "a SageMaker instance type like ml.m5.large",
)
REGION = matching("AWS region", r"[a-z]{2}(-[a-z]+)+-[0-9]", "an AWS region such as eu-west-1")
BUCKET_NAME = matching(
    "S3 bucket name",
    r"(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]",
    "an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
)
IAM_ROLE_ARN = matching(
    "IAM role ARN",
    r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+",
    "an IAM role ARN such as arn:aws:iam::123456789012:role/name",
)
SECRET_ARN = matching(
    "Secrets Manager ARN",
    r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[\w/+=.@-]+",
    "a Secrets Manager secret ARN",
)
URL = matching("http(s) URL", r"https?://[^\s/]+(/\S*)?", "an http(s) URL")
EMAIL = matching("e-mail address", r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address")
SLACK_CHANNEL = matching(
    "Slack channel", r"#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,}", "a Slack channel name or ID"
)
SECRET = Kind("secret string", _text)
