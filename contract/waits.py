"""How long a run waits for SageMaker: the poll timeouts, their bounds, managed spot's wait.

CheckStatusWait waits for SageMaker's state-change event with a safety timeout carried in
`$.status.poll.timeoutSeconds`. It starts at the stack's `pollInitialSeconds` and GetStatus
doubles it after each poll, up to `pollMaxSeconds`, and never past the stage's deadline
(`next_poll_timeout`): the last wait ends at the deadline, so a stage gives up at most one
poll interval after it (not after the sum of doubled timeouts). The deadline itself is time:
StartTrainingJob / DeployModel stamp `$.status.poll.deadlineAt`, GetStatus sets
`deadlinePassed`, and CheckStatusBranch reads that boolean.
"""

from __future__ import annotations

import math
from typing import Final

from contract.rules import Named, at_least, at_most, required_when

# The bounds of both poll settings: at least a minute (a shorter safety poll only costs
# transitions), at most a day (the longest a lost event may go unnoticed).
POLL_MIN_SECONDS: Final = 60
POLL_MAX_SECONDS: Final = 86_400


def next_poll_timeout(
    previous_seconds: int, max_seconds: int, seconds_left: float | None = None
) -> int:
    """CheckStatusWait's safety timeout after a poll: doubled, capped at `max_seconds` and at
    the time left before the stage's deadline (rounded up, at least one second: Step
    Functions needs a positive timeout, and the wait must reach the deadline, not stop short).
    """
    timeout = min(max_seconds, previous_seconds * 2)
    if seconds_left is not None:
        timeout = min(timeout, max(1, math.ceil(seconds_left)))
    return timeout


def poll_bounds_problems(initial: Named[int], maximum: Named[int]) -> list[str]:
    """The first timeout may not exceed the cap."""
    return at_most(initial, maximum)


def spot_max_wait_problems(
    use_spot: Named[bool], max_wait: Named[int | None], max_runtime: Named[int]
) -> list[str]:
    """Managed spot training needs SageMaker's MaxWaitTimeInSeconds, at least MaxRuntime.

    Without spot the max wait is not SageMaker's concern (it is not sent), so it is not
    checked.
    """
    if not use_spot.value:
        return []
    return required_when(use_spot, max_wait) or at_least(max_wait, max_runtime)
