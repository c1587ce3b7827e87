"""Lambda's log-level filter, applied to what a function writes, as Lambda documents it.

With `LogFormat: JSON` and an `ApplicationLogLevel`, Lambda reads each line of application
output: a JSON object whose `level` is one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (any
case) and whose `timestamp` is valid RFC 3339 keeps that level; any other line — not JSON,
no or another `level` (`WARNING`), no or an invalid `timestamp` — counts as INFO. Lines
below ApplicationLogLevel never reach CloudWatch Logs. Without log levels (plain-text
format) nothing is filtered.
(docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contract.kinds import LAMBDA_LOG_LEVELS

_UNRECOGNISED_LEVEL = "INFO"


def effective_level(line: str) -> str:
    """The level Lambda's filter gives one line of application output."""
    try:
        document: Any = json.loads(line)
    except ValueError:
        return _UNRECOGNISED_LEVEL
    if not isinstance(document, dict):
        return _UNRECOGNISED_LEVEL
    level, timestamp = document.get("level"), document.get("timestamp")
    if not isinstance(level, str) or level.upper() not in LAMBDA_LOG_LEVELS:
        return _UNRECOGNISED_LEVEL
    if not isinstance(timestamp, str) or not _is_rfc3339(timestamp):
        return _UNRECOGNISED_LEVEL
    return level.upper()


def _is_rfc3339(value: str) -> bool:
    # RFC 3339 needs a full date, a time and an offset (Z or ±hh:mm).
    if len(value) < 20 or value[10] not in "Tt ":
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def filtered(output: str, logging_config: Mapping[str, str] | None) -> str:
    """The part of `output` Lambda sends to CloudWatch Logs under `logging_config`."""
    config = logging_config or {}
    minimum = config.get("ApplicationLogLevel")
    if config.get("LogFormat") != "JSON" or minimum is None:
        return output
    threshold = LAMBDA_LOG_LEVELS.index(minimum.upper())
    kept = [
        line
        for line in output.splitlines(keepends=True)
        if LAMBDA_LOG_LEVELS.index(effective_level(line)) >= threshold
    ]
    return "".join(kept)
