"""Each function's environment: exactly the variables its settings declare.

`pipeline_variables` knows the value of every variable (`contract.lambdas`) for one model
pipeline; `function_environment` picks the ones a function's settings read (required ones
must have a value; optional ones are set only when they have one). Secrets are never among
them: the Slack token is referred to by its secret's ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from contract import lambdas
from contract.lambdas import LambdaSpec
from contract.registry import GIT_REVISION_UNKNOWN
from contract.settings import Variable
from infra.config import ModelSettings, StackSettings, pipeline_options
from infra.naming import ModelNames


@dataclass(frozen=True)
class PipelineReferences:
    """Values known only once other resources exist (Outputs), or computed ARNs."""

    bucket: pulumi.Input[str]
    algorithm_image: str
    sagemaker_role_arn: pulumi.Input[str]
    state_machine_arn: str  # computed: the state machine needs the functions first
    slack_secret_arn: pulumi.Input[str] | None
    scheduler_role_arn: pulumi.Input[str]
    schedule_group: pulumi.Input[str]
    # What model packages record as their CommitId (infra.revision).
    git_revision: str = GIT_REVISION_UNKNOWN


def pipeline_variables(
    settings: StackSettings, model: ModelSettings, refs: PipelineReferences
) -> dict[Variable, pulumi.Input[str] | None]:
    names = ModelNames(settings.stack, model.name)
    return {
        lambdas.MODEL_NAME: model.name,
        lambdas.STACK_NAME: settings.stack,
        lambdas.LOG_LEVEL: settings.log_level,
        lambdas.BUCKET: refs.bucket,
        lambdas.DATA_PREFIX: names.data_prefix,
        lambdas.MANIFEST_PREFIX: names.manifest_prefix,
        lambdas.ARTIFACT_PREFIX: names.artifact_prefix,
        lambdas.CALLBACK_PREFIX: names.callback_prefix,
        lambdas.MARKER_PARAMETER: names.marker_parameter,
        lambdas.RUN_LOCK_KEY: names.run_lock_key,
        lambdas.RUN_TIMEOUT_SECONDS: str(pipeline_options(model).state_machine_timeout_seconds),
        lambdas.TRAINING_WINDOW_DAYS: str(model.training_window_days),
        lambdas.TIME_ZONE: model.schedule_time_zone,
        lambdas.CHANGED_HISTORY: model.changed_history,
        lambdas.HOLDOUT_DAYS: str(model.holdout_days),
        lambdas.QUALITY_METRIC: model.quality_metric,
        lambdas.QUALITY_MAX_SCORE: _optional_number(model.quality_max_score),
        lambdas.QUALITY_MAX_REGRESSION_PERCENT: _optional_number(
            model.quality_max_regression_percent
        ),
        lambdas.DRIFT_THRESHOLD: _optional_number(model.drift_threshold),
        lambdas.DRIFT_ACTION: model.drift_action,
        # Linear Learner serves with the image it trains with.
        lambdas.TRAINING_IMAGE: refs.algorithm_image,
        lambdas.INFERENCE_IMAGE: refs.algorithm_image,
        lambdas.SAGEMAKER_ROLE_ARN: refs.sagemaker_role_arn,
        lambdas.TRAINING_INSTANCE_TYPE: model.training_instance_type,
        lambdas.TRAINING_INSTANCE_COUNT: str(model.training_instance_count),
        lambdas.TRAINING_VOLUME_GB: str(model.training_volume_gb),
        lambdas.TRAINING_MAX_RUNTIME_SECONDS: str(model.training_max_runtime_seconds),
        lambdas.TRAINING_USE_SPOT: _flag(model.training_use_spot),
        lambdas.TRAINING_MAX_WAIT_SECONDS: _optional(model.spot_max_wait_seconds),
        lambdas.HYPERPARAMETERS: model.hyperparameters_json,
        lambdas.ENDPOINT_NAME: names.endpoint,
        lambdas.ENDPOINT_INSTANCE_TYPE: model.endpoint_instance_type,
        lambdas.ENDPOINT_INSTANCE_COUNT: str(model.endpoint_instance_count),
        lambdas.KEEP_PREVIOUS_VERSIONS: str(model.keep_previous_versions),
        lambdas.UPDATE_STRATEGY: model.update_strategy,
        lambdas.CANARY_SIZE_PERCENT: str(model.canary_size_percent),
        lambdas.LINEAR_STEP_PERCENT: str(model.linear_step_percent),
        lambdas.TRAFFIC_WAIT_SECONDS: str(model.traffic_wait_seconds),
        lambdas.TERMINATION_WAIT_SECONDS: str(model.termination_wait_seconds),
        lambdas.ROLLOUT_TIMEOUT_SECONDS: str(model.rollout_timeout_seconds),
        lambdas.MODEL_PACKAGE_GROUP: names.model_package_group,
        lambdas.APPROVAL: model.approval,
        lambdas.GIT_REVISION: refs.git_revision,
        lambdas.SLACK_ENABLED: _flag(settings.slack_enabled),
        lambdas.SLACK_CHANNEL: model.slack_channel,
        lambdas.SLACK_TOKEN_SECRET_ARN: refs.slack_secret_arn,
        lambdas.SLACK_API_URL: settings.slack_api_url,
        lambdas.STATE_MACHINE_ARN: refs.state_machine_arn,
        lambdas.SCHEDULER_ROLE_ARN: refs.scheduler_role_arn,
        lambdas.SCHEDULE_GROUP: refs.schedule_group,
        lambdas.DEBOUNCE_SCHEDULE_NAME: names.debounce_schedule,
        lambdas.DEBOUNCE_SECONDS: str(model.upload_debounce_seconds),
    }


def function_environment(
    spec: LambdaSpec[Any], values: Mapping[Variable, pulumi.Input[str] | None]
) -> dict[str, pulumi.Input[str]]:
    missing = [v.name for v in spec.variables if v.required and values.get(v) is None]
    if missing:
        raise ValueError(f"{spec.key} requires {missing}, which this stack does not provide")
    environment: dict[str, pulumi.Input[str]] = {}
    for variable in spec.variables:
        value = values.get(variable)
        if value is not None:
            environment[variable.name] = value
    return dict(sorted(environment.items()))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _optional(value: int | None) -> str | None:
    return None if value is None else str(value)


def _optional_number(value: float | None) -> str | None:
    return None if value is None else repr(value)
