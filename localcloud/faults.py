"""Every fault the embedded runtime can inject, in one table: what AWS or Slack does, where.

One table driving many consumers: the e2e tests, the session's `fault` command and the probe
runner (`python -m localcloud probes`) all inject by name from `CATALOGUE`, and `clear(cloud)`
drops whatever was injected and never consumed (the count tells a test its scenario did not
happen). Each fault uses the hook of the service it hits — the local SageMaker, the Lambda
runtime, EventBridge delivery, SSM, S3's permission check, the local Slack — so the pipeline
sees exactly the error AWS (or Slack) would send.

    faults.inject(cloud, model, "marker-write-throttled", times=None)  # every call, until clear
    faults.pending(cloud)          # {name: injected and not consumed yet}
    faults.clear(cloud)            # how many were still pending
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contract import lambdas, status
from localcloud.runtime import models_of
from localcloud.sagemaker.variant_faults import ERRORS, SLOW, VariantFault
from localcloud.slack import api as slack
from localcloud.ssm.faults import SSM_ACCESS_DENIED, SSM_INTERNAL_ERROR, SSM_THROTTLED, SsmError

if TYPE_CHECKING:
    from localcloud.runtime import LocalCloud, ModelStack

SERVICE_SAGEMAKER = "sagemaker"
SERVICE_EVENTBRIDGE = "eventbridge"
SERVICE_LAMBDA = "lambda"
SERVICE_SSM = "ssm"
SERVICE_S3 = "s3"
SERVICE_SLACK = "slack"

TRAINING_FAILURE_REASON = "AlgorithmError: injected by localcloud: loss diverged"
ENDPOINT_FAILURE_REASON = "injected by localcloud: instances unhealthy"
INVOCATION_FAILURE_REASON = "injected by localcloud: worker died while processing the request"
# The new model of a canary: which share of its requests misbehave, and how slowly it answers.
CANARY_ERROR_SHARE = 0.5
CANARY_ERROR_REASON = "injected by localcloud: the new model failed the request"
CANARY_SLOW_SECONDS = 3.0
# botocore's standard retry mode (functions/clients.py) makes 5 attempts per API call: a
# transient SSM fault that outlasts one call fails all of them.
_CALL_ATTEMPTS = 5

Inject = Callable[["LocalCloud", "ModelStack", "int | None"], None]
Pending = Callable[["LocalCloud", "ModelStack | None"], int]


class UnknownFault(ValueError):
    """A fault name the catalogue does not hold; the message lists the known ones."""


@dataclass(frozen=True)
class Fault:
    name: str  # kebab-case, what people type
    service: str
    description: str  # what AWS/Slack does, one line
    _inject: Inject
    _pending: Pending
    # How many calls/requests/events it hits by default; None: every one until cleared.
    default_times: int | None = 1
    # False: injected once whatever `times` says (a SageMaker job fails once).
    counted: bool = True

    def inject(self, cloud: LocalCloud, model: ModelStack, times: int | None = 0) -> None:
        """Arm the fault for `model`; `times` 0 means the fault's default."""
        chosen = self.default_times if times == 0 else times
        if not self.counted and chosen != 1:
            raise ValueError(f"fault {self.name} happens once per injection; times must be 1")
        self._inject(cloud, model, chosen)

    def pending(self, cloud: LocalCloud, model: ModelStack | None = None) -> int:
        """Injected and not consumed yet (for `model`, or every model when None)."""
        return self._pending(cloud, model)


# --- SageMaker -----------------------------------------------------------------------------------
def _sagemaker_pending(control: str) -> Pending:
    return lambda cloud, model: cloud.sagemaker.pending_faults()[control]


def _once(action: Callable[[LocalCloud], None]) -> Inject:
    return lambda cloud, model, times: action(cloud)


_SAGEMAKER = [
    Fault(
        "training-fails",
        SERVICE_SAGEMAKER,
        "the next training job ends Failed (AlgorithmError) when its training time is up",
        _once(lambda cloud: cloud.sagemaker.fail_next_training(TRAINING_FAILURE_REASON)),
        _sagemaker_pending("fail_next_training"),
        counted=False,
    ),
    Fault(
        "training-stopped",
        SERVICE_SAGEMAKER,
        "someone stops the next training job halfway (StopTrainingJob): Stopping, then Stopped",
        _once(lambda cloud: cloud.sagemaker.stop_next_training()),
        _sagemaker_pending("stop_next_training"),
        counted=False,
    ),
    Fault(
        "endpoint-creation-fails",
        SERVICE_SAGEMAKER,
        "the next CreateEndpoint ends Failed instead of InService (a model's first deployment)",
        _once(lambda cloud: cloud.sagemaker.fail_next_endpoint_creation(ENDPOINT_FAILURE_REASON)),
        _sagemaker_pending("fail_next_endpoint_creation"),
        counted=False,
    ),
    Fault(
        "endpoint-update-rolled-back",
        SERVICE_SAGEMAKER,
        "the next UpdateEndpoint fails: RollingBack, then InService on the old configuration",
        _once(
            lambda cloud: cloud.sagemaker.fail_next_endpoint_update(
                "rollback", ENDPOINT_FAILURE_REASON
            )
        ),
        _sagemaker_pending("fail_next_endpoint_update:rollback"),
        counted=False,
    ),
    Fault(
        "endpoint-update-rollback-fails",
        SERVICE_SAGEMAKER,
        "the next UpdateEndpoint fails and so does its rollback: UpdateRollbackFailed",
        _once(
            lambda cloud: cloud.sagemaker.fail_next_endpoint_update(
                "rollback-failed", ENDPOINT_FAILURE_REASON
            )
        ),
        _sagemaker_pending("fail_next_endpoint_update:rollback-failed"),
        counted=False,
    ),
    Fault(
        "endpoint-invocation-fails",
        SERVICE_SAGEMAKER,
        "the next InvokeEndpoint fails: the model container answers 500 (a ModelError)",
        _once(
            lambda cloud: cloud.sagemaker.fail_next_endpoint_invocation(INVOCATION_FAILURE_REASON)
        ),
        _sagemaker_pending("fail_next_endpoint_invocation"),
        counted=False,
    ),
    Fault(
        "canary-5xx",
        SERVICE_SAGEMAKER,
        f"the model the next UpdateEndpoint deploys answers {CANARY_ERROR_SHARE:.0%} of its "
        "requests with 500 (a ModelError, counted in Invocation5XXErrors)",
        _once(
            lambda cloud: cloud.sagemaker.fail_next_new_variant(
                VariantFault(ERRORS, CANARY_ERROR_SHARE, reason=CANARY_ERROR_REASON)
            )
        ),
        _sagemaker_pending(f"fail_next_new_variant:{ERRORS}"),
        counted=False,
    ),
    Fault(
        "canary-slow",
        SERVICE_SAGEMAKER,
        f"the model the next UpdateEndpoint deploys answers every request "
        f"{CANARY_SLOW_SECONDS:g} s late (its ModelLatency, and the virtual time, show it)",
        _once(
            lambda cloud: cloud.sagemaker.fail_next_new_variant(
                VariantFault(SLOW, 1.0, delay_seconds=CANARY_SLOW_SECONDS)
            )
        ),
        _sagemaker_pending(f"fail_next_new_variant:{SLOW}"),
        counted=False,
    ),
]


# --- EventBridge ---------------------------------------------------------------------------------
def _lose(detail_type: str, stage: str) -> Inject:
    def inject(cloud: LocalCloud, model: ModelStack, times: int | None) -> None:
        statuses = status.TERMINAL_STATUSES[stage]
        cloud.events.lose_next(status.EVENT_SOURCE, detail_type, statuses, times or 1)

    return inject


_EVENTS = [
    Fault(
        "training-event-lost",
        SERVICE_EVENTBRIDGE,
        "SageMaker's next final training-job state-change event never reaches the rule",
        _lose(status.EVENT_TRAINING_STATE_CHANGE, status.STAGE_TRAINING),
        lambda cloud, model: cloud.events.pending_losses(status.EVENT_TRAINING_STATE_CHANGE),
    ),
    Fault(
        "endpoint-event-lost",
        SERVICE_EVENTBRIDGE,
        "SageMaker's next final endpoint state-change event never reaches the rule",
        _lose(status.EVENT_ENDPOINT_STATE_CHANGE, status.STAGE_DEPLOYMENT),
        lambda cloud, model: cloud.events.pending_losses(status.EVENT_ENDPOINT_STATE_CHANGE),
    ),
]


# --- Lambda --------------------------------------------------------------------------------------
def function_name(model: ModelStack, spec: lambdas.LambdaSpec[Any]) -> str:
    return model.function_arns[spec.key].rsplit(":", 1)[-1]


def _models(cloud: LocalCloud, model: ModelStack | None) -> list[ModelStack]:
    if model is not None:
        return [model]
    return [m for deployment in cloud.stacks.values() for m in models_of(deployment)]


def _throttle(spec: lambdas.LambdaSpec[Any]) -> Fault:
    def inject(cloud: LocalCloud, model: ModelStack, times: int | None) -> None:
        if times is None:
            raise ValueError("a Lambda throttle needs a number of invocations, not 'lasting'")
        cloud.lambdas.throttle(function_name(model, spec), times)

    def pending(cloud: LocalCloud, model: ModelStack | None) -> int:
        return sum(
            cloud.lambdas.pending_throttles(function_name(m, spec))
            for m in _models(cloud, model)
            if spec.key in m.function_arns
        )

    return Fault(
        f"lambda-throttled-{spec.key.replace('_', '-')}",
        SERVICE_LAMBDA,
        f"Lambda answers the next invocation of {spec.key} with TooManyRequestsException",
        inject,
        pending,
    )


_LAMBDA = [_throttle(spec) for spec in lambdas.PIPELINE_FUNCTIONS]


# --- SSM -----------------------------------------------------------------------------------------
def _ssm(operation: str, error: SsmError, label: str, what: str, times: int | None) -> Fault:
    call = "GetParameter" if operation == "read" else "PutParameter"

    def inject(cloud: LocalCloud, model: ModelStack, chosen: int | None) -> None:
        cloud.ssm_faults.fail(operation, model.marker_parameter, error, chosen)

    def pending(cloud: LocalCloud, model: ModelStack | None) -> int:
        parameter = model.marker_parameter if model is not None else None
        return cloud.ssm_faults.pending(operation, parameter, error)

    return Fault(
        f"marker-{operation}-{label}",
        SERVICE_SSM,
        f"SSM answers {call} on the model's marker with {error.code} ({what})",
        inject,
        pending,
        default_times=times,
    )


_SSM = [
    _ssm(operation, error, label, what, times)
    for operation in ("read", "write")
    for error, label, what, times in (
        (SSM_THROTTLED, "throttled", f"all {_CALL_ATTEMPTS} attempts of one call", _CALL_ATTEMPTS),
        (SSM_ACCESS_DENIED, "denied", "every call until cleared", None),
        (
            SSM_INTERNAL_ERROR,
            "500",
            f"HTTP 500, all {_CALL_ATTEMPTS} attempts of one call",
            _CALL_ATTEMPTS,
        ),
    )
]


# --- S3 ------------------------------------------------------------------------------------------
def manifest_prefix(cloud: LocalCloud, model: ModelStack) -> str:
    """Where CheckData writes manifests: its deployed environment says."""
    configuration = cloud.client("lambda", model.region).get_function_configuration(
        FunctionName=model.function_arns[lambdas.CHECK_DATA.key]
    )
    return str(configuration["Environment"]["Variables"][lambdas.MANIFEST_PREFIX.name])


_S3 = [
    Fault(
        "manifest-write-refused",
        SERVICE_S3,
        "S3 denies the next PutObject under the model's manifest prefix (403 AccessDenied)",
        lambda cloud, model, times: cloud.s3_faults.refuse(
            model.bucket, "s3:PutObject", manifest_prefix(cloud, model), times
        ),
        lambda cloud, model: cloud.s3_faults.pending(model.bucket if model else None),
    ),
]


# --- Slack ---------------------------------------------------------------------------------------
def _slack(name: str, kind: str, description: str, times: int) -> Fault:
    def inject(cloud: LocalCloud, model: ModelStack, chosen: int | None) -> None:
        cloud.slack.inject(*[kind] * (chosen or 1))

    def pending(cloud: LocalCloud, model: ModelStack | None) -> int:
        return cloud.slack.pending_faults().count(kind)

    return Fault(name, SERVICE_SLACK, description, inject, pending, default_times=times)


# slack_sdk retries a 5xx and a 429 once: the default fails both attempts of one post.
_SLACK = [
    _slack(
        "slack-rate-limited",
        slack.FAULT_RATELIMITED,
        "Slack answers the next post (both attempts) with HTTP 429 ratelimited, Retry-After 1",
        2,
    ),
    _slack(
        "slack-500",
        slack.FAULT_HTTP_500,
        "Slack answers the next post (both attempts) with HTTP 500",
        2,
    ),
    _slack(
        "slack-invalid-auth",
        slack.FAULT_INVALID_AUTH,
        "Slack rejects the next post's token: HTTP 200, ok false, invalid_auth",
        1,
    ),
]

CATALOGUE: dict[str, Fault] = {
    fault.name: fault for fault in (*_SAGEMAKER, *_EVENTS, *_LAMBDA, *_SSM, *_S3, *_SLACK)
}


def get(name: str) -> Fault:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownFault(
            f"unknown fault {name!r}; known faults: {', '.join(CATALOGUE)}"
        ) from None


def inject(cloud: LocalCloud, model: ModelStack, name: str, times: int | None = 0) -> Fault:
    """Arm the named fault for `model` (`times` 0: its default; None: until cleared)."""
    fault = get(name)
    fault.inject(cloud, model, times)
    return fault


def pending(cloud: LocalCloud, model: ModelStack | None = None) -> dict[str, int]:
    """Every catalogued fault with its injected-and-not-consumed count."""
    return {name: fault.pending(cloud, model) for name, fault in CATALOGUE.items()}


def pending_total(cloud: LocalCloud) -> int:
    """Everything injected and not consumed yet, whichever service holds it."""
    return (
        sum(cloud.sagemaker.pending_faults().values())
        + cloud.lambdas.pending_throttles()
        + len(cloud.slack.pending_faults())
        + cloud.ssm_faults.pending()
        + cloud.s3_faults.pending()
        + cloud.events.pending_losses()
    )


def clear(cloud: LocalCloud) -> int:
    """Drop every injected fault, in every service; how many were never consumed."""
    return (
        cloud.sagemaker.clear_faults()
        + cloud.lambdas.clear_faults()
        + cloud.slack.clear_faults()
        + cloud.ssm_faults.clear()
        + cloud.s3_faults.clear()
        + cloud.events.clear_faults()
    )
