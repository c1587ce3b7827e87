"""Per-stack settings that shape the pipeline's definition.

Infra fills these from the stack's typed config; tests and `python -m workflow` use the
defaults. Everything here changes the rendered definition, nothing here is read at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract.limits import (
    ROLLOUT_TIMEOUT_MAX_SECONDS,
    ROLLOUT_TIMEOUT_MIN_SECONDS,
    SAGEMAKER_MAX_RUNTIME_SECONDS,
)
from contract.rules import Named, at_least, at_most
from contract.waits import (
    POLL_MIN_SECONDS,
    next_poll_timeout,
    poll_bounds_problems,
    spot_max_wait_problems,
)

HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class PipelineOptions:
    """Inputs of `workflow.pipeline.build_pipeline`.

    poll_initial_seconds / poll_max_seconds: CheckStatusWait's safety timeout starts at the
    first and doubles after each poll up to the second. A lost state-change event is noticed
    at most `poll_max_seconds` late.
    """

    model_name: str = "linear-learner"
    training_max_runtime_seconds: int = 4 * HOUR
    # Managed spot training: SageMaker's MaxWaitTimeInSeconds (≥ max runtime); None = on demand.
    training_max_wait_seconds: int | None = None
    deployment_timeout_seconds: int = 2 * HOUR
    # A guarded (canary / linear) update's MaximumExecutionTimeoutInSeconds; None: all at once.
    # The deployment's deadline covers it on top of deployment_timeout_seconds.
    rollout_timeout_seconds: int | None = None
    # How long a model the gate let through may wait for a person in the registry
    # (approvalTimeoutHours); with manual_approval the run waits for it, in one wait.
    approval_timeout_seconds: int = 72 * HOUR
    manual_approval: bool = False
    poll_initial_seconds: int = 600
    poll_max_seconds: int = 4 * HOUR
    # Time for SageMaker to provision instances and upload artefacts, on top of MaxRuntime.
    training_overhead_seconds: int = HOUR
    lambda_retry_attempts: int = 6
    lambda_retry_interval_seconds: int = 2
    lambda_retry_backoff_rate: float = 2.0
    lambda_retry_max_delay_seconds: int = 60

    def __post_init__(self) -> None:
        # The stack's config checks the same rules with the keys users write (infra.config);
        # these guard the builder's other callers, worded with the field names.
        initial = Named("poll_initial_seconds", self.poll_initial_seconds)
        runtime = Named("training_max_runtime_seconds", self.training_max_runtime_seconds)
        wait = Named("training_max_wait_seconds", self.training_max_wait_seconds)
        sagemaker_limit = Named("SageMaker's limit", SAGEMAKER_MAX_RUNTIME_SECONDS)
        problems = [
            *at_least(initial, Named("the shortest poll", POLL_MIN_SECONDS)),
            *poll_bounds_problems(initial, Named("poll_max_seconds", self.poll_max_seconds)),
            *at_least(runtime, Named("one second", 1)),
            *at_most(runtime, sagemaker_limit),
            *spot_max_wait_problems(Named("spot training", wait.value is not None), wait, runtime),
            *at_most(wait, sagemaker_limit),
            *at_least(
                Named("deployment_timeout_seconds", self.deployment_timeout_seconds),
                Named("a minute", 60),
            ),
            *at_least(
                Named("rollout_timeout_seconds", self.rollout_timeout_seconds),
                Named("SageMaker's minimum", ROLLOUT_TIMEOUT_MIN_SECONDS),
            ),
            *at_most(
                Named("rollout_timeout_seconds", self.rollout_timeout_seconds),
                Named("SageMaker's maximum", ROLLOUT_TIMEOUT_MAX_SECONDS),
            ),
        ]
        problems += at_least(
            Named("approval_timeout_seconds", self.approval_timeout_seconds),
            Named("an hour", HOUR),
        )
        if self.lambda_retry_attempts < 0 or self.lambda_retry_interval_seconds < 1:
            problems.append("lambda retry attempts must be ≥ 0 and interval ≥ 1 s")
        if problems:
            raise ValueError("invalid pipeline options: " + "; ".join(problems))

    @property
    def training_deadline_seconds(self) -> int:
        """How long the pipeline waits for training before declaring it lost."""
        longest = self.training_max_wait_seconds or self.training_max_runtime_seconds
        return longest + self.training_overhead_seconds

    def poll_timeouts(self, deadline_seconds: int) -> list[int]:
        """The safety timeouts of successive polls, until together they cover the deadline."""
        timeouts: list[int] = []
        timeout, covered = self.poll_initial_seconds, 0
        while covered < deadline_seconds:
            timeouts.append(timeout)
            covered += timeout
            timeout = next_poll_timeout(timeout, self.poll_max_seconds)
        return timeouts

    @property
    def deployment_deadline_seconds(self) -> int:
        """How long the pipeline waits for the endpoint: the deployment's timeout, plus the
        whole guarded rollout SageMaker may take (its MaximumExecutionTimeoutInSeconds)."""
        return self.deployment_timeout_seconds + (self.rollout_timeout_seconds or 0)

    @property
    def training_max_polls(self) -> int:
        return len(self.poll_timeouts(self.training_deadline_seconds))

    @property
    def deployment_max_polls(self) -> int:
        return len(self.poll_timeouts(self.deployment_deadline_seconds))

    # The wait loop's last-resort bound, in polls beyond those covering a stage's deadline.
    # The deadline is time (GetStatus says when it passed); a wake that spends none (an
    # event for a status that is not final yet) would never reach it, so polls are capped
    # too, a few past the deadline's own so that such wakes never end a wait early.
    SPARE_POLLS = 10

    @property
    def approval_poll_cap(self) -> int:
        """The approval waits once (its safety timeout is the whole deadline), then polls
        once more to record the expiry: a few spare polls cover wakes for other statuses."""
        return 1 + self.SPARE_POLLS

    @property
    def training_poll_cap(self) -> int:
        return self.training_max_polls + self.SPARE_POLLS

    @property
    def deployment_poll_cap(self) -> int:
        return self.deployment_max_polls + self.SPARE_POLLS

    @property
    def state_machine_timeout_seconds(self) -> int:
        """Above every bounded wait, so the execution's own timeout is a last resort."""
        waits = sum(self.poll_timeouts(self.training_deadline_seconds)) + sum(
            self.poll_timeouts(self.deployment_deadline_seconds)
        )
        if self.manual_approval:  # one wait for a person, as long as the deadline
            waits += self.approval_timeout_seconds
        return waits + 2 * HOUR
