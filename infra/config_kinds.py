"""The value kinds only the stack's config has, built on `contract.kinds`.

The kinds a Lambda's environment shares with the stack's config (integers with bounds,
booleans, time zones, hyperparameters, URLs, ...) are defined once in `contract.kinds`; what
is here is deploy-time only: schedule expressions, ECR images, tags, log retention, AWS
names and ARNs the program checks before declaring anything.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from contract.kinds import (
    TEXT,
    Invalid,
    Kind,
    Source,
    decode_json,
    integer,
    matching,
    string_map,
)
from contract.names import MAX_MODEL_NAME
from infra.arns import parse_ecr_image
from infra.schedule_expressions import ScheduleExpressionError, parse_cron

# AWS tag limits (the strictest common ones: IAM, Lambda, S3).
MAX_TAGS: Final = 40
MAX_TAG_KEY: Final = 128
MAX_TAG_VALUE: Final = 256
# CloudWatch Logs' accepted retention periods (0 = never expire is deliberately excluded:
# logs of a pipeline that runs daily must not grow without bound).
LOG_RETENTION_DAYS: Final = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096),
    *(1827, 2192, 2557, 2922, 3288, 3653),
)
LOG_RETENTION: Final = integer(1, allowed=LOG_RETENTION_DAYS)


def _tag_problem(key: str, value: str) -> str | None:
    if not key or len(key) > MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
        return (
            f"must respect AWS tag limits (keys of 1 to {MAX_TAG_KEY} characters, values of "
            f"at most {MAX_TAG_VALUE})"
        )
    if key.lower().startswith("aws:"):
        return "must not use the reserved prefix 'aws:'"
    return None


TAGS: Final = Kind(
    "map of strings",
    lambda value, source: string_map(
        value, source, max_entries=MAX_TAGS, whose_limits="", entry_problem=_tag_problem
    ),
)


def _objects(value: Any, source: Source) -> list[dict[str, Any]]:
    items = decode_json(value, list, "must be a list of objects")
    if not items:
        raise Invalid("must list at least one model")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise Invalid(f"must be a list of objects (item {index} is {json.dumps(item)})")
    return items


OBJECTS: Final = Kind("list of objects", _objects)

_RATE = re.compile(r"rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.+)\)")


def _schedule(value: Any, source: Source) -> str:
    expression = value.strip() if isinstance(value, str) else ""
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


SCHEDULE: Final = Kind("`cron(...)` or `rate(...)`", _schedule)


def _ecr_image(value: Any, source: Source) -> str:
    image = value.strip() if isinstance(value, str) else ""
    if parse_ecr_image(image) is None:
        raise Invalid(
            "must be an ECR image URI such as "
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/repository:tag"
        )
    return image


ECR_IMAGE: Final = Kind("ECR image URI", _ecr_image)

MODEL_NAME: Final = matching(
    "lower-case name",
    rf"(?=.{{1,{MAX_MODEL_NAME}}}$)[a-z0-9]+(-[a-z0-9]+)*",
    f"at most {MAX_MODEL_NAME} lower-case letters, digits and single hyphens "
    "(with the stack it names the endpoint and prefixes SageMaker resources, whose ARNs "
    "are lower-case; `--` delimits stack and model in those names)",
)
INSTANCE_TYPE: Final = matching(
    "SageMaker instance type",
    r"ml\.[a-z0-9-]+\.[a-z0-9]+",
    "a SageMaker instance type like ml.m5.large",
)
REGION: Final = matching(
    "AWS region", r"[a-z]{2}(-[a-z]+)+-[0-9]", "an AWS region such as eu-west-1"
)
BUCKET_NAME: Final = matching(
    "S3 bucket name",
    r"(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]",
    "an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
)
IAM_ROLE_ARN: Final = matching(
    "IAM role ARN",
    r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+",
    "an IAM role ARN such as arn:aws:iam::123456789012:role/name",
)
SECRET_ARN: Final = matching(
    "Secrets Manager ARN",
    r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[\w/+=.@-]+",
    "a Secrets Manager secret ARN",
)
EMAIL: Final = matching("e-mail address", r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address")
SLACK_CHANNEL: Final = matching(
    "Slack channel", r"#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,}", "a Slack channel name or ID"
)


def _account_ids(value: Any, source: Source) -> tuple[str, ...]:
    ids = decode_json(
        value, list, 'must be a list of 12-digit AWS account IDs, e.g. ["123456789012"]'
    )
    if not ids:
        raise Invalid("must list at least one account ID (or leave the key out)")
    for index, account in enumerate(ids):
        # A string: YAML reads an unquoted 012345678901 as a number and drops the zero.
        if not (isinstance(account, str) and re.fullmatch(r"[0-9]{12}", account)):
            raise Invalid(
                f"item {index} ({json.dumps(account)}) must be a 12-digit account ID written "
                'as a string (quote it in YAML: - "123456789012")'
            )
    return tuple(ids)


# `aws:allowedAccountIds`: the AWS provider refuses credentials of any other account.
ACCOUNT_IDS: Final = Kind("list of AWS account IDs", _account_ids)
# Read apart from the other keys, as a Pulumi secret (infra.config.load_settings).
SECRET: Final = Kind("secret string", TEXT.parse)
