"""CheckStatusWait's safety timeout and the stage's deadline, carried in `$.status.poll`.

The first status document of a stage (StartTrainingJob, DeployModel) starts the series at
`polling.initialSeconds` and stamps the deadline: `polling.now` (the state's entry time on
the execution's clock) + `polling.deadlineSeconds`. Every GetStatus doubles the timeout up
to `polling.maxSeconds` and never past the deadline (`contract.waits.next_poll_timeout`),
and says whether the deadline has passed: CheckStatusBranch ends the wait on that boolean,
so a stage gives up at its deadline plus at most one poll, however the timeouts doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contract.document import (
    POLL_COUNT,
    POLL_DEADLINE_AT,
    POLL_DEADLINE_PASSED,
    POLL_STARTED_AT,
    POLL_TIMEOUT_SECONDS,
    POLLING,
    POLLING_DEADLINE_SECONDS,
    POLLING_INITIAL_SECONDS,
    POLLING_MAX_SECONDS,
    POLLING_NOW,
)
from contract.errors import InputValidationError
from contract.waits import next_poll_timeout
from functions.payload import field, iso_utc, shown


def parse_time(value: Any, name: str) -> datetime:
    """An ISO 8601 time with its zone (`2026-01-05T06:00:00.000Z`, as Step Functions says)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment.astimezone(UTC)
    raise InputValidationError(f"{name} must be an ISO 8601 time with a zone, got {shown(value)}")


@dataclass(frozen=True)
class Polling:
    initial_seconds: int
    max_seconds: int
    now: datetime
    # Only the task that starts a stage sends it; GetStatus reads the stamped deadline.
    deadline_seconds: int | None = None

    @classmethod
    def from_event(cls, event: Any) -> Polling:
        initial = field(event, f"{POLLING}.{POLLING_INITIAL_SECONDS}", int)
        maximum = field(event, f"{POLLING}.{POLLING_MAX_SECONDS}", int)
        if not 1 <= initial <= maximum:
            raise InputValidationError(
                "event fields polling.initialSeconds and polling.maxSeconds must satisfy "
                f"1 ≤ initialSeconds ≤ maxSeconds, got {initial} and {maximum}"
            )
        now_name = f"{POLLING}.{POLLING_NOW}"
        now = parse_time(field(event, now_name, str), f"event field {now_name}")
        deadline = None
        if POLLING_DEADLINE_SECONDS in event[POLLING]:
            deadline = field(event, f"{POLLING}.{POLLING_DEADLINE_SECONDS}", int)
            if deadline < 1:
                raise InputValidationError(
                    f"event field polling.deadlineSeconds must be at least 1, got {deadline}"
                )
        return cls(initial, maximum, now, deadline)

    def first(self, covering_seconds: int = 0) -> dict[str, Any]:
        """The poll block of a stage that starts now: its deadline stamped.

        `covering_seconds`: how long the stage is known to take at least (a guarded
        rollout's MaximumExecutionTimeout): the first safety timeout is not shorter, so no
        poll wakes the run while SageMaker shifts traffic (its event ends the wait earlier).
        """
        if self.deadline_seconds is None:
            raise InputValidationError(
                "event field polling.deadlineSeconds is missing: the task that starts a "
                "stage must say how long the pipeline waits for it"
            )
        deadline_at = self.now.timestamp() + self.deadline_seconds
        return {
            POLL_COUNT: 0,
            POLL_TIMEOUT_SECONDS: min(
                max(self.initial_seconds, covering_seconds), self.deadline_seconds
            ),
            POLL_STARTED_AT: iso_utc(self.now),
            POLL_DEADLINE_AT: iso_utc(datetime.fromtimestamp(deadline_at, UTC)),
            POLL_DEADLINE_PASSED: False,
        }

    def after(self, previous: Any) -> dict[str, Any]:
        """The poll block after one more GetStatus: the next timeout, the deadline's verdict."""
        if not isinstance(previous, dict):
            raise InputValidationError(
                f"event field status.poll must be an object, got {shown(previous)}"
            )
        count = previous.get(POLL_COUNT)
        timeout = previous.get(POLL_TIMEOUT_SECONDS)
        if (
            not isinstance(count, int)
            or not isinstance(timeout, int)
            or isinstance(count, bool)
            or isinstance(timeout, bool)
            or timeout < 1
        ):
            raise InputValidationError(
                "event field status.poll must hold integers count and timeoutSeconds (≥ 1), "
                f"got {shown(previous)}"
            )
        deadline_at = parse_time(
            previous.get(POLL_DEADLINE_AT), f"event field status.poll.{POLL_DEADLINE_AT}"
        )
        seconds_left = (deadline_at - self.now).total_seconds()
        return {
            **previous,
            POLL_COUNT: count + 1,
            POLL_TIMEOUT_SECONDS: next_poll_timeout(timeout, self.max_seconds, seconds_left),
            POLL_DEADLINE_PASSED: seconds_left <= 0,
        }
