"""CloudWatch's evaluation of metric alarms, on the virtual clock.

As CloudWatch documents it ("Evaluating an alarm", "Configuring how CloudWatch alarms treat
missing data"): an alarm looks at its last EvaluationPeriods periods of Period seconds that
have ended; each period's datapoint is the Statistic (or ExtendedStatistic `pNN`) of the
metric's datapoints with exactly the alarm's namespace, metric name and dimensions (and unit,
when the alarm names one); a datapoint breaches when it compares to Threshold as
ComparisonOperator says; the alarm goes ALARM when at least DatapointsToAlarm (default:
EvaluationPeriods) of them breach, OK otherwise. TreatMissingData decides about periods
without datapoints: `missing` (the default) and `ignore` leave them out — with none left,
`missing` goes INSUFFICIENT_DATA and `ignore` keeps the current state —, `breaching` counts
them as breaching, `notBreaching` as not.

A change of state is written on moto's alarm (StateValue, StateReason, StateReasonData,
StateUpdatedTimestamp at the virtual time, moto's own history) and kept in `history`, shaped
like DescribeAlarmHistory's AlarmHistoryItems. Evaluating happens when a caller asks (the
local SageMaker's rollout asks every minute while it bakes, as CloudWatch evaluates
standard-resolution alarms every minute); nothing ticks while nobody watches.

Metric math (Metrics), anomaly detection (ThresholdMetricId and the band operators) and
composite alarms are not evaluated here: `AlarmNotEvaluable`, never a silent OK.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from localcloud.clock import Clock
from localcloud.internals.moto_private import CloudWatchAlarm, MetricDatum, cloudwatch_backends

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
# Standard-resolution alarms are evaluated once a minute.
EVALUATION_INTERVAL_SECONDS = 60

_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (lambda value, threshold: value >= threshold, ">="),
    "GreaterThanThreshold": (lambda value, threshold: value > threshold, ">"),
    "LessThanThreshold": (lambda value, threshold: value < threshold, "<"),
    "LessThanOrEqualToThreshold": (lambda value, threshold: value <= threshold, "<="),
}
_WORDS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_MISSING_TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")


class AlarmNotEvaluable(Exception):
    """An alarm this evaluator cannot evaluate; the message names the alarm and why."""


class UnknownAlarm(LookupError):
    """No metric alarm of that name in the account and region."""


@dataclass(frozen=True)
class Evaluation:
    alarm_name: str
    state: str
    reason: str
    changed: bool


@dataclass(frozen=True)
class _Period:
    start: float
    values: tuple[float, ...]
    aggregates: tuple[tuple[float, float, float, float], ...]  # (sum, count, min, max)


class AlarmEvaluator:
    """Evaluates moto's metric alarms from moto's metric data at the clock's time."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.RLock()  # Lambda threads read alarms while a rollout evaluates
        # DescribeAlarmHistory's AlarmHistoryItems, oldest first, every alarm.
        self.history: list[dict[str, Any]] = []

    # --- lookups ------------------------------------------------------------------------------
    def find(self, account: str, region: str, name: str) -> CloudWatchAlarm:
        alarm = cloudwatch_backends[account][region].alarms.get(name)
        if alarm is None:
            raise UnknownAlarm(f"no CloudWatch alarm named {name!r} in {account}/{region}")
        return alarm

    def check_evaluable(self, alarm: CloudWatchAlarm) -> None:
        name = alarm.name
        if alarm.rule:
            raise AlarmNotEvaluable(
                f"alarm {name!r} is a composite alarm; localcloud does not "
                "evaluate composite alarms"
            )
        if alarm.metric_data_queries:
            raise AlarmNotEvaluable(
                f"alarm {name!r} uses metric math (Metrics); localcloud "
                "evaluates single-metric alarms only"
            )
        if alarm.threshold_metric_id or alarm.comparison_operator not in _COMPARISONS:
            raise AlarmNotEvaluable(
                f"alarm {name!r} compares with {alarm.comparison_operator} (anomaly detection); "
                f"localcloud evaluates static thresholds only: {', '.join(_COMPARISONS)}"
            )
        statistic = alarm.statistic or alarm.extended_statistic
        if statistic not in _STATISTICS and _percentile(alarm.extended_statistic) is None:
            raise AlarmNotEvaluable(
                f"alarm {name!r} has statistic {statistic!r}; localcloud evaluates "
                f"{', '.join(_STATISTICS)} and pNN percentiles"
            )
        if (alarm.treat_missing_data or "missing") not in _MISSING_TREATMENTS:
            raise AlarmNotEvaluable(
                f"alarm {name!r} has TreatMissingData {alarm.treat_missing_data!r}; expected "
                f"one of {', '.join(_MISSING_TREATMENTS)}"
            )
        if not alarm.period or alarm.period <= 0 or not alarm.evaluation_periods:
            raise AlarmNotEvaluable(f"alarm {name!r} has no Period/EvaluationPeriods")

    # --- evaluating ---------------------------------------------------------------------------
    def evaluate(self, account: str, region: str, names: list[str]) -> list[Evaluation]:
        """Evaluate the named alarms now, set their state; one Evaluation per name."""
        with self._lock:
            return [
                self._evaluate(self.find(account, region, name), account, region) for name in names
            ]

    def _evaluate(self, alarm: CloudWatchAlarm, account: str, region: str) -> Evaluation:
        self.check_evaluable(alarm)
        now = self._clock.now()
        period = int(alarm.period)
        count = int(alarm.evaluation_periods)
        needed = int(alarm.datapoints_to_alarm or count)
        end = math.floor(now / period) * period  # the last period that has ended
        periods = self._periods(alarm, (account, region), end - count * period, end)
        statistic = alarm.statistic or alarm.extended_statistic or ""
        compare, _ = _COMPARISONS[alarm.comparison_operator]
        treatment = alarm.treat_missing_data or "missing"
        evaluated: list[tuple[float, float | None, int]] = []  # (start, value, samples)
        for item in periods:
            evaluated.append((item.start, _statistic(statistic, item), _samples(item)))
        present = [(start, value) for start, value, _ in evaluated if value is not None]
        missing = len(evaluated) - len(present)
        breaching = sum(1 for _, value in present if compare(value, alarm.threshold))
        if treatment == "breaching":
            breaching += missing
        old = alarm.state_value
        if not present and treatment in ("missing", "ignore"):
            new = INSUFFICIENT_DATA if treatment == "missing" else old
            reason = (
                f"Insufficient Data: {missing} datapoint{'s were' if missing != 1 else ' was'} "
                "unknown."
            )
        else:
            new = ALARM if breaching >= needed else OK
            reason = _reason(
                alarm, present, breaching=breaching, needed=needed, count=count, change=(old, new)
            )
        changed = new != old
        if changed:
            data = {
                "version": "1.0",
                "queryDate": _iso(now),
                "startDate": _iso(end - count * period),
                "statistic": statistic,
                "period": period,
                "recentDatapoints": [value for _, value in reversed(present)],
                "threshold": alarm.threshold,
                "evaluatedDatapoints": [
                    {"timestamp": _iso(start), "sampleCount": samples, "value": value}
                    for start, value, samples in reversed(evaluated)
                    if value is not None
                ],
            }
            self._set_state(alarm, old, new, reason, data)
        return Evaluation(alarm.name, new, reason if changed else alarm.state_reason, changed)

    def _periods(
        self, alarm: CloudWatchAlarm, where: tuple[str, str], start: float, end: float
    ) -> list[_Period]:
        """The alarm's periods from `start` to `end` with the datapoints of each."""
        account, region = where
        period = int(alarm.period)
        wanted = {(d.name, d.value) for d in alarm.dimensions}
        values: dict[int, list[float]] = {}
        aggregates: dict[int, list[tuple[float, float, float, float]]] = {}
        for datum in cloudwatch_backends[account][region].metric_data:
            if datum.namespace != alarm.namespace or datum.name != alarm.metric_name:
                continue
            if {(d.name, d.value) for d in datum.dimensions} != wanted:
                continue
            if alarm.unit and datum.unit != alarm.unit:
                continue
            at = _epoch(datum.timestamp)
            if not start <= at < end:
                continue
            index = int((at - start) // period)
            if isinstance(datum, MetricDatum):
                values.setdefault(index, []).append(float(datum.value))
            else:  # a StatisticValues set (moto's MetricAggregatedDatum)
                statistics: Any = datum
                aggregates.setdefault(index, []).append(
                    (
                        float(statistics.sum),
                        float(statistics.sample_count),
                        float(statistics.min),
                        float(statistics.max),
                    )
                )
        count = round((end - start) / period)
        return [
            _Period(start + i * period, tuple(values.get(i, ())), tuple(aggregates.get(i, ())))
            for i in range(count)
        ]

    def _set_state(
        self, alarm: CloudWatchAlarm, old: str, new: str, reason: str, data: dict[str, Any]
    ) -> None:
        old_reason = alarm.state_reason
        alarm.update_state(reason, json.dumps(data), new)
        moment = self._clock.utcnow()
        alarm.state_updated_timestamp = moment.replace(tzinfo=None)  # moto's naive UTC
        self.history.append(
            {
                "AlarmName": alarm.name,
                "AlarmType": "MetricAlarm",
                "Timestamp": moment,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": f"Alarm updated from {old} to {new}",
                "HistoryData": json.dumps(
                    {
                        "version": "1.0",
                        "oldState": {"stateValue": old, "stateReason": old_reason},
                        "newState": {
                            "stateValue": new,
                            "stateReason": reason,
                            "stateReasonData": data,
                        },
                    }
                ),
            }
        )


def _percentile(extended: str | None) -> float | None:
    if not extended or not extended.startswith("p"):
        return None
    try:
        value = float(extended[1:])
    except ValueError:
        return None
    return value if 0 < value <= 100 else None


def _samples(period: _Period) -> int:
    return len(period.values) + int(sum(count for _, count, _, _ in period.aggregates))


def _statistic(statistic: str, period: _Period) -> float | None:
    values, aggregates = period.values, period.aggregates
    samples = _samples(period)
    if samples == 0:
        return None
    total = sum(values) + sum(part for part, _, _, _ in aggregates)
    simple = {
        "SampleCount": lambda: float(samples),
        "Sum": lambda: total,
        "Average": lambda: total / samples,
        "Minimum": lambda: min([*values, *(low for _, _, low, _ in aggregates)]),
        "Maximum": lambda: max([*values, *(high for _, _, _, high in aggregates)]),
    }
    if statistic in simple:
        return simple[statistic]()
    rank = _percentile(statistic)
    assert rank is not None  # check_evaluable refused anything else
    if not values:  # a percentile needs the single values, not statistic sets
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def _reason(
    alarm: CloudWatchAlarm,
    present: list[tuple[float, float]],
    *,
    breaching: int,
    needed: int,
    count: int,
    change: tuple[str, str],
) -> str:
    """StateReason as CloudWatch words it, newest datapoint first."""
    old, new = change
    points = ", ".join(f"{value!r} ({_stamp(start)})" for start, value in reversed(present))
    words = _WORDS[alarm.comparison_operator]
    if new == ALARM:
        verb = "was" if breaching == 1 else "were"
        return (
            f"Threshold Crossed: {breaching} out of the last {count} datapoints [{points}] "
            f"{verb} {words} the threshold ({alarm.threshold!r}) (minimum {needed} datapoint"
            f"{'s' if needed != 1 else ''} for {old} -> {new} transition)."
        )
    plural = len(present) != 1
    return (
        f"Threshold Crossed: {len(present)} datapoint{'s' if plural else ''} [{points}] "
        f"{'were' if plural else 'was'} not {words} the threshold ({alarm.threshold!r}) "
        f"(at most {needed - 1} of the last {count} may breach)."
    )


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%d/%m/%y %H:%M:%S")
