"""When an EventBridge Scheduler schedule fires next, as Scheduler computes it.

`next_fire_time(expression, timezone, after)` answers "when does this schedule fire next,
strictly after `after`", in the schedule's own time zone. The expressions are parsed and
validated by `infra.schedule_expressions` (the program validates its config with the same
code); only the embedded runtime (the local Scheduler, the session's views) needs fire times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The expression patterns are infra's own, so that what validates is what fires.
from infra.schedule_expressions import _AT, _CRON, _RATE, parse_cron, validate

_SEARCH_YEARS = 5


def next_fire_time(
    expression: str, timezone: str, after: datetime, *, created: datetime | None = None
) -> datetime | None:
    """The first fire time strictly after `after` (UTC), or None when there is none."""
    validate(expression, timezone)
    zone = ZoneInfo(timezone)
    after = after.astimezone(UTC)
    if match := _AT.fullmatch(expression):
        moment = datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).astimezone(UTC)
        return moment if moment > after else None
    if match := _RATE.fullmatch(expression):
        value, unit = int(match.group(1)), match.group(2).rstrip("s")
        period = timedelta(**{f"{unit}s": value})
        origin = (created or after).astimezone(UTC)
        elapsed = max(0, (after - origin) // period + 1)
        return origin + period * elapsed if elapsed else origin + period
    match = _CRON.fullmatch(expression)
    assert match is not None
    cron = parse_cron(match.group(1))
    local_after = after.astimezone(zone)
    day = local_after.date()
    for _ in range(366 * _SEARCH_YEARS):
        if cron.matches_day(day):
            for hour in sorted(cron.hours):
                for minute in sorted(cron.minutes):
                    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    if moment.astimezone(UTC) > after:
                        return moment.astimezone(UTC)
        day += timedelta(days=1)
    return None
