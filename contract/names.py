"""How the pipeline names what it creates outside Pulumi's state, in every stack alike.

The endpoint is `<stack>--<model>`; a run's training job, Model and EndpointConfig are
`<stack>--<model>--<yyyymmdd>-<8 hex>`; the marker is `/retraining/<stack>/models/<model>/
train/latest`. Stack and model names are lower-case words joined by single hyphens
(infra.config validates both), so they never contain the `--` separator: the first `--` of a
name ends its stack and the second ends its model. A prefix `dev--lab--` therefore matches
no name of model `lab-b` nor of any other stack, which is what keeps the IAM grants
(`training-job/dev--lab--*`) and the training-event rule (`prefix: dev--lab--`) of one
model pipeline from reaching another's resources in a shared account.
"""

from __future__ import annotations

from typing import Final

from contract.limits import MAX_NAME_LENGTH

# Never part of a stack or model name (single hyphens only): it delimits them.
SEPARATOR: Final = "--"
# What a run adds to the scope: `--<yyyymmdd>-<8 hex of sha256(execution name)>`.
RUN_SUFFIX_LENGTH: Final = len(f"{SEPARATOR}20260105-0123abcd")
# `<stack>--<model>` may be at most this long, so that a run's names fit SageMaker's 63.
MAX_SCOPE_LENGTH: Final = MAX_NAME_LENGTH - RUN_SUFFIX_LENGTH
# A model name alone, with the shortest (one-character) stack.
MAX_MODEL_NAME: Final = MAX_SCOPE_LENGTH - len(SEPARATOR) - 1


def scope(stack: str, model: str) -> str:
    """`<stack>--<model>`: the endpoint's name and the stem of every run's resources."""
    return f"{stack}{SEPARATOR}{model}"


def run_resource_prefix(stack: str, model: str) -> str:
    """`<stack>--<model>--`: what every training job / Model / EndpointConfig starts with."""
    return f"{scope(stack, model)}{SEPARATOR}"


def run_resource_name(stack: str, model: str, run_suffix: str) -> str:
    return f"{run_resource_prefix(stack, model)}{run_suffix}"


def model_package_group_name(stack: str, model: str) -> str:
    """The model's Model Package Group (its registry): `<stack>--<model>`, within
    ModelPackageGroupName's pattern (letters, digits, single hyphens between them)."""
    return scope(stack, model)


# The one production variant of every EndpointConfig DeployModel creates (the alarms watch it).
VARIANT_NAME: Final = "AllTraffic"
# The metrics SageMaker's rollback alarms watch on the endpoint's variant (AWS/SageMaker).
ROLLBACK_METRIC_5XX_ERRORS: Final = "Invocation5XXErrors"
ROLLBACK_METRIC_LATENCY: Final = "ModelLatency"
ROLLBACK_METRICS: Final = (ROLLBACK_METRIC_5XX_ERRORS, ROLLBACK_METRIC_LATENCY)


def rollback_alarm_name(stack: str, model: str, metric: str) -> str:
    """`<stack>--<model>--rollback-<metric>`: the CloudWatch alarm on one of ROLLBACK_METRICS
    (`--` delimits as in every name here, so `<stack>--<model>--rollback-*` is this model's)."""
    return f"{run_resource_prefix(stack, model)}rollback-{metric}"


def rollback_alarm_names(stack: str, model: str) -> tuple[str, ...]:
    """The alarms that roll a guarded update back (infra creates them; DeployModel names
    them in AutoRollbackConfiguration; GetStatus reads them after a rollback)."""
    return tuple(rollback_alarm_name(stack, model, metric) for metric in ROLLBACK_METRICS)


def marker_parameter(stack: str, model: str) -> str:
    """The SSM parameter holding the newest trained date (the seed's `/models/<model>/...`)."""
    return f"/retraining/{stack}/models/{model}/train/latest"


def scope_length_problem(stack: str, model: str, where: str) -> str | None:
    """Why `<stack>--<model>` is too long for SageMaker's names (None when it fits)."""
    length = len(scope(stack, model)) + RUN_SUFFIX_LENGTH
    if length <= MAX_NAME_LENGTH:
        return None
    return (
        f"{where} ({model!r}) makes run resource names of {length} characters in stack "
        f"{stack!r} (`{run_resource_prefix(stack, model)}<yyyymmdd>-<8 hex>`), more than "
        f"SageMaker's {MAX_NAME_LENGTH}: shorten the model name to at most "
        f"{MAX_SCOPE_LENGTH - len(SEPARATOR) - len(stack)} characters"
    )
