"""Each function's environment: exactly the variables its catalog entry names.

`pipeline_variables` knows the value of every variable for one model pipeline;
`function_environment` picks the ones a function declares (required ones must have a
value; optional ones are set only when they have one). Secrets are never among them: the
Slack token is referred to by its secret's ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from functions import catalog
from functions.catalog import FunctionSpec
from infra.config import ModelSettings, StackSettings
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


def pipeline_variables(
    settings: StackSettings, model: ModelSettings, refs: PipelineReferences
) -> dict[str, pulumi.Input[str] | None]:
    names = ModelNames(settings.stack, model.name)
    return {
        catalog.MODEL_NAME: model.name,
        catalog.STACK_NAME: settings.stack,
        catalog.LOG_LEVEL: settings.log_level,
        catalog.BUCKET: refs.bucket,
        catalog.DATA_PREFIX: names.data_prefix,
        catalog.MANIFEST_PREFIX: names.manifest_prefix,
        catalog.ARTIFACT_PREFIX: names.artifact_prefix,
        catalog.CALLBACK_PREFIX: names.callback_prefix,
        catalog.MARKER_PARAMETER: names.marker_parameter,
        catalog.TRAINING_WINDOW_DAYS: str(model.training_window_days),
        catalog.TIME_ZONE: model.schedule_time_zone,
        # Linear Learner serves with the image it trains with.
        catalog.TRAINING_IMAGE: refs.algorithm_image,
        catalog.INFERENCE_IMAGE: refs.algorithm_image,
        catalog.SAGEMAKER_ROLE_ARN: refs.sagemaker_role_arn,
        catalog.TRAINING_INSTANCE_TYPE: model.training_instance_type,
        catalog.TRAINING_INSTANCE_COUNT: str(model.training_instance_count),
        catalog.TRAINING_VOLUME_GB: str(model.training_volume_gb),
        catalog.TRAINING_MAX_RUNTIME_SECONDS: str(model.training_max_runtime_seconds),
        catalog.TRAINING_USE_SPOT: _flag(model.training_use_spot),
        catalog.TRAINING_MAX_WAIT_SECONDS: _optional(model.spot_max_wait_seconds),
        catalog.HYPERPARAMETERS: model.hyperparameters_json,
        catalog.ENDPOINT_NAME: names.endpoint,
        catalog.ENDPOINT_INSTANCE_TYPE: model.endpoint_instance_type,
        catalog.ENDPOINT_INSTANCE_COUNT: str(model.endpoint_instance_count),
        catalog.KEEP_PREVIOUS_VERSIONS: str(model.keep_previous_versions),
        catalog.SLACK_ENABLED: _flag(settings.slack_enabled),
        catalog.SLACK_CHANNEL: model.slack_channel,
        catalog.SLACK_TOKEN_SECRET_ARN: refs.slack_secret_arn,
        catalog.SLACK_API_URL: settings.slack_api_url,
        catalog.STATE_MACHINE_ARN: refs.state_machine_arn,
        catalog.SCHEDULER_ROLE_ARN: refs.scheduler_role_arn,
        catalog.SCHEDULE_GROUP: refs.schedule_group,
        catalog.DEBOUNCE_SCHEDULE_NAME: names.debounce_schedule,
        catalog.DEBOUNCE_SECONDS: str(model.upload_debounce_seconds),
    }


def function_environment(
    spec: FunctionSpec, variables: Mapping[str, pulumi.Input[str] | None]
) -> dict[str, pulumi.Input[str]]:
    missing = [name for name in spec.required_env if variables.get(name) is None]
    if missing:
        raise ValueError(f"{spec.key} requires {missing}, which this stack does not provide")
    environment: dict[str, pulumi.Input[str]] = {}
    for name in (*spec.required_env, *spec.optional_env):
        value = variables.get(name)
        if value is not None:
            environment[name] = value
    return dict(sorted(environment.items()))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _optional(value: int | None) -> str | None:
    return None if value is None else str(value)
