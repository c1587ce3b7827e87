"""When a schedule fires next (`localcloud.eventbridge.schedule_times`), as Scheduler says:
strictly after the given moment, in the schedule's own time zone, DST included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.schedule_expressions import ScheduleExpressionError
from localcloud.eventbridge.schedule_times import next_fire_time

pytestmark = pytest.mark.unit


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("at(2026-03-01T09:00:00)", "Europe/Berlin", utc(2026, 3, 1, 7), utc(2026, 3, 1, 8)),
        ("at(2026-03-01T09:00:00)", "Europe/Berlin", utc(2026, 3, 1, 8), None),  # strictly after
        ("rate(5 minutes)", "UTC", utc(2026, 3, 1, 10), utc(2026, 3, 1, 10, 5)),
        # Friday 09:00 in Berlin has just fired: the next weekday is Monday.
        ("cron(0 9 ? * MON-FRI *)", "Europe/Berlin", utc(2026, 3, 6, 8), utc(2026, 3, 9, 8)),
        # Summer time starts on 29 March 2026: 09:00 in Berlin is 07:00 UTC from then on.
        ("cron(0 9 * * ? *)", "Europe/Berlin", utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        ("cron(0 0 L * ? *)", "UTC", utc(2026, 2, 10), utc(2026, 2, 28)),
        ("cron(0 12 ? * 6#3 *)", "UTC", utc(2026, 3, 1), utc(2026, 3, 20, 12)),  # third Friday
        ("cron(0 0 1 1 ? 2020)", "UTC", utc(2026, 3, 1), None),  # only in the past
    ],
)
def test_next_fire_time(
    expression: str, zone: str, after: datetime, expected: datetime | None
) -> None:
    assert next_fire_time(expression, zone, after) == expected


def test_a_rate_counts_from_the_schedules_creation() -> None:
    created = utc(2026, 3, 1, 10)
    assert next_fire_time("rate(1 day)", "UTC", utc(2026, 3, 3, 10), created=created) == utc(
        2026, 3, 4, 10
    )


def test_an_expression_scheduler_rejects_is_an_error() -> None:
    with pytest.raises(ScheduleExpressionError, match="nearest weekday"):
        next_fire_time("cron(0 9 1W * ? *)", "UTC", utc(2026, 3, 1))
