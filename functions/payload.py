"""Reading the fields of an event, with errors that name the field.

Every time here is the run's time (EventBridge Scheduler's scheduled time or the
execution's start time, both carried in the event), never the Lambda's clock: a re-run or
a replay of the same event computes the same dates.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from contract.errors import InputValidationError

T = TypeVar("T")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_SHOWN = 80


def shown(value: Any) -> str:
    """A value as an error message shows it: repr, truncated."""
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def field(event: Any, path: str, kind: type[T]) -> T:
    """`event[a][b]...` for path "a.b...", which must exist and be of `kind`."""
    value = event
    walked: list[str] = []
    for part in path.split("."):
        walked.append(part)
        if not isinstance(value, dict) or part not in value:
            raise InputValidationError(f"event field {'.'.join(walked)} is missing")
        value = value[part]
    # bool is an int in Python; a count or a number of seconds must not be `true`.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InputValidationError(
            f"event field {path} must be {kind.__name__}, got {shown(value)}"
        )
    return value


def optional_field(event: Any, path: str, kind: type[T]) -> T | None:
    parent, _, last = path.rpartition(".")
    container = field(event, parent, dict) if parent else event
    if not isinstance(container, dict) or container.get(last) is None:
        return None
    return field(event, path, kind)


def parse_timestamp(value: Any, name: str) -> datetime:
    """An ISO 8601 timestamp with a time zone (`2026-01-05T06:00:00Z`), as aware UTC."""
    if not isinstance(value, str):
        raise InputValidationError(f"{name} must be an ISO 8601 timestamp, got {shown(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputValidationError(
            f"{name} must be an ISO 8601 timestamp, got {shown(value)}"
        ) from None
    if parsed.tzinfo is None:
        raise InputValidationError(
            f"{name} must carry a time zone (e.g. a trailing Z), got {shown(value)}"
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise InputValidationError(
            f"{name} is out of the representable range (years 1 to 9999 in UTC), got {shown(value)}"
        ) from None


def parse_date(value: Any, name: str, error: type[Exception] = InputValidationError) -> date:
    """A strict `YYYY-MM-DD` calendar date (fromisoformat alone also accepts 20260105)."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise error(f"{name} must be a YYYY-MM-DD date, got {shown(value)}")


def iso_utc(moment: datetime) -> str:
    """`2026-01-05T06:00:00Z`: the one spelling of times in our documents."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def duration(seconds: float) -> str:
    """`1h02m`, `4m05s`, `12s`: how long something took, for humans."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
