"""CheckStatusWait's safety timeout, carried in `$.status.poll`.

The first status document of a stage starts at `polling.initialSeconds`; every GetStatus
doubles it up to `polling.maxSeconds` (`contract.waits.next_poll_timeout`, which the
definition builder also uses to bound the loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract.document import (
    POLL_COUNT,
    POLL_TIMEOUT_SECONDS,
    POLLING,
    POLLING_INITIAL_SECONDS,
    POLLING_MAX_SECONDS,
)
from contract.errors import InputValidationError
from contract.waits import next_poll_timeout
from functions.payload import field


@dataclass(frozen=True)
class Polling:
    initial_seconds: int
    max_seconds: int

    @classmethod
    def from_event(cls, event: Any) -> Polling:
        initial = field(event, f"{POLLING}.{POLLING_INITIAL_SECONDS}", int)
        maximum = field(event, f"{POLLING}.{POLLING_MAX_SECONDS}", int)
        if not 1 <= initial <= maximum:
            raise InputValidationError(
                "event fields polling.initialSeconds and polling.maxSeconds must satisfy "
                f"1 ≤ initialSeconds ≤ maxSeconds, got {initial} and {maximum}"
            )
        return cls(initial, maximum)

    def first(self) -> dict[str, int]:
        return {POLL_COUNT: 0, POLL_TIMEOUT_SECONDS: self.initial_seconds}

    def after(self, previous: Any) -> dict[str, int]:
        """The poll block after one more GetStatus (a missing block restarts the series)."""
        if not isinstance(previous, dict):
            previous = self.first()
        count = previous.get(POLL_COUNT, 0)
        timeout = previous.get(POLL_TIMEOUT_SECONDS, self.initial_seconds)
        if not isinstance(count, int) or not isinstance(timeout, int) or timeout < 1:
            raise InputValidationError(
                "event field status.poll must be {count, timeoutSeconds} integers, "
                f"got {previous!r}"
            )
        return {
            POLL_COUNT: count + 1,
            POLL_TIMEOUT_SECONDS: next_poll_timeout(timeout, self.max_seconds),
        }
