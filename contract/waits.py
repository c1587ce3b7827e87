"""How long a run waits for SageMaker: the poll timeouts, their bounds, managed spot's wait.

CheckStatusWait waits for SageMaker's state-change event with a safety timeout carried in
`$.status.poll.timeoutSeconds`. It starts at the stack's `pollInitialSeconds` and GetStatus
doubles it after each poll, up to `pollMaxSeconds` (`next_poll_timeout`); the definition
builder uses the same function to derive how many polls cover a stage's deadline, so the
two can never disagree.
"""

from __future__ import annotations

from typing import Final

from contract.rules import Named, at_least, at_most, required_when

# The bounds of both poll settings: at least a minute (a shorter safety poll only costs
# transitions), at most a day (the longest a lost event may go unnoticed).
POLL_MIN_SECONDS: Final = 60
POLL_MAX_SECONDS: Final = 86_400


def next_poll_timeout(previous_seconds: int, max_seconds: int) -> int:
    """CheckStatusWait's safety timeout after a poll: doubled, capped at `max_seconds`."""
    return min(max_seconds, previous_seconds * 2)


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
