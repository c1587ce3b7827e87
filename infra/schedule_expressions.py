"""EventBridge Scheduler's schedule expressions: `cron(...)`, `rate(...)` and `at(...)`.

`validate(expression, timezone)` rejects what EventBridge Scheduler would and `parse_cron`
reads a cron body; the embedded runtime computes fire times from them
(`localcloud.eventbridge.schedule_times`). The cron dialect is AWS's six-field one: minutes
hours day-of-month month day-of-week year, with `*`, `?`, lists, ranges, steps, month/day
names, `L` (last day of month; `5L` last Thursday) and `#` (`6#3`, third Friday). `W`
(nearest weekday) is rejected with a clear error.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS = {k.upper(): v for k, v in _MONTHS.items()}
# AWS numbers days of week 1-7 starting on Sunday.
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


class ScheduleExpressionError(ValueError):
    """The expression is not one EventBridge Scheduler accepts (or this runtime supports)."""


@dataclass(frozen=True)
class _Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: '?' (use days of week)
    last_day_of_month: bool
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # AWS numbering, None: '?'
    last_weekday_of_month: int | None  # from 'nL'
    nth_weekday: tuple[int, int] | None  # from 'd#n'
    years: frozenset[int] | None  # None: every year

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        aws_weekday = (day.isoweekday() % 7) + 1  # Sunday=1 ... Saturday=7
        if self.days_of_month is not None or self.last_day_of_month:
            return (self.last_day_of_month and day.day == last) or (
                self.days_of_month is not None and day.day in self.days_of_month
            )
        if self.last_weekday_of_month is not None:
            return aws_weekday == self.last_weekday_of_month and day.day + 7 > last
        if self.nth_weekday is not None:
            weekday, nth = self.nth_weekday
            return aws_weekday == weekday and (day.day - 1) // 7 + 1 == nth
        return self.days_of_week is not None and aws_weekday in self.days_of_week


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        part, step = item, 1
        if "/" in item:
            part, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleExpressionError(f"invalid step '{step_text}' in {what}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _value(first, names, what), _value(last, names, what)
        else:
            start = _value(part, names, what)
            end = high if step != 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleExpressionError(f"{what} value out of range {low}-{high}: '{part}'")
        if start <= end:
            values.update(range(start, end + 1, step))
        else:  # a wrapping range such as FRI-MON
            values.update(
                v
                for i, v in enumerate([*range(start, high + 1), *range(low, end + 1)])
                if i % step == 0
            )
    return frozenset(values)


def _value(text: str, names: dict[str, int], what: str) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleExpressionError(f"invalid {what} value '{text}'")
    return int(text)


def parse_cron(body: str) -> _Cron:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(
            f"cron expressions have 6 fields (minutes hours day-of-month month day-of-week "
            f"year), got {len(fields)}: '{body}'"
        )
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(
            "exactly one of day-of-month and day-of-week must be '?' (AWS cron), got "
            f"'{dom}' and '{dow}'"
        )
    if "W" in dom.upper():
        raise ScheduleExpressionError("'W' (nearest weekday) is not supported by localcloud")
    last_dom = dom.upper() == "L"
    days_of_month = None if dom == "?" or last_dom else _field(dom, 1, 31, {}, "day-of-month")
    last_weekday = nth = None
    days_of_week = None
    if dow != "?":
        if match := re.fullmatch(r"(\w+)L", dow, re.IGNORECASE):
            last_weekday = _value(match.group(1), _DAYS, "day-of-week")
        elif match := re.fullmatch(r"(\w+)#([1-5])", dow):
            nth = (_value(match.group(1), _DAYS, "day-of-week"), int(match.group(2)))
        else:
            days_of_week = _field(dow, 1, 7, _DAYS, "day-of-week")
    return _Cron(
        minutes=_field(minute, 0, 59, {}, "minutes"),
        hours=_field(hour, 0, 23, {}, "hours"),
        days_of_month=days_of_month,
        last_day_of_month=last_dom,
        months=_field(month, 1, 12, _MONTHS, "month"),
        days_of_week=days_of_week,
        last_weekday_of_month=last_weekday,
        nth_weekday=nth,
        years=None if year == "*" else _field(year, 1970, 2199, {}, "year"),
    )


_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
_CRON = re.compile(r"cron\((.*)\)")


def validate(expression: str, timezone: str = "UTC") -> None:
    """Raise ScheduleExpressionError naming what is wrong with the expression."""
    try:
        ZoneInfo(timezone)
    except Exception as error:
        raise ScheduleExpressionError(f"unknown time zone '{timezone}'") from error
    if match := _CRON.fullmatch(expression):
        parse_cron(match.group(1))
    elif match := _RATE.fullmatch(expression):
        value, unit = int(match.group(1)), match.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise ScheduleExpressionError(
                f"invalid rate '{expression}' (e.g. rate(1 day), rate(5 minutes))"
            )
    elif not _AT.fullmatch(expression):
        raise ScheduleExpressionError(
            f"'{expression}' is not cron(...), rate(...) or at(yyyy-mm-ddThh:mm:ss)"
        )
