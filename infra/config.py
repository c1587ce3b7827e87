"""The stack's typed configuration: the one place that reads `Pulumi.<stack>.yaml`.

Keys live in the `retraining` namespace (the project's name). Stack-wide keys configure
what every model pipeline shares (bucket, logs, Slack, alarms, tags); per-model keys set
the defaults of every model and can be overridden per model inside `retraining:models`:

    retraining:trainingInstanceType: ml.m5.large     # default of every model
    retraining:models:
      - name: demand
        trainingInstanceType: ml.m5.xlarge           # this model only

Each setting is declared once, as a dataclass field whose metadata carries its key, kind
(type + validation) and meaning; `infra.config_docs` renders docs/configuration.md from
that metadata. Every problem is collected and reported at once, each naming its key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

import pulumi
from pulumi.runtime import config as runtime_config

from contract import kinds, lambdas, registry, rollout
from contract.limits import (
    CANARY_SIZE_MAX_PERCENT,
    LINEAR_STEP_MAX_PERCENT,
    LINEAR_STEP_MIN_PERCENT,
    ROLLOUT_TERMINATION_WAIT_MAX_SECONDS,
    ROLLOUT_TIMEOUT_MAX_SECONDS,
    ROLLOUT_TIMEOUT_MIN_SECONDS,
    ROLLOUT_WAIT_INTERVAL_MAX_SECONDS,
    SAGEMAKER_MAX_RUNTIME_SECONDS,
)
from contract.names import scope_length_problem
from contract.rules import Named
from contract.waits import (
    POLL_MAX_SECONDS,
    POLL_MIN_SECONDS,
    poll_bounds_problems,
    spot_max_wait_problems,
)
from infra import config_kinds
from workflow.options import PipelineOptions

NAMESPACE: Final = "retraining"
MODELS_KEY: Final = "models"
REGION_KEY: Final = "aws:region"
# The AWS provider's own key: infra.context configures the stack's provider with it.
ALLOWED_ACCOUNT_IDS_KEY: Final = "aws:allowedAccountIds"
STATE_MACHINE_LOG_LEVELS: Final = ("OFF", "ALL", "ERROR", "FATAL")
DEFAULT_MODEL_NAME: Final = "linear-learner"
# A stack whose models a person approves unless its config says otherwise (`approval`).
STACK_APPROVAL_DEFAULTS: Final = {"prod": registry.APPROVAL_MANUAL}
# 30 days: a model waiting longer for a decision is stale; a run waits this long at most.
APPROVAL_TIMEOUT_MAX_HOURS: Final = 30 * 24
# Linear Learner, regression on CSV (target in the first column). `predictor_type` is the
# one hyperparameter it requires; `feature_dim: auto` lets it count the columns (older
# versions of the algorithm required feature_dim). Small mini-batches suit daily files.
DEFAULT_HYPERPARAMETERS: Final = (
    ("feature_dim", "auto"),
    ("mini_batch_size", "100"),
    ("predictor_type", "regressor"),
)


@dataclass(frozen=True)
class Setting:
    key: str
    kind: kinds.Kind[Any]
    doc: str
    required: bool = False


def setting(
    key: str, kind: kinds.Kind[Any], doc: str, default: Any = None, *, required: bool = False
) -> Any:
    """A dataclass field that is also a documented, validated config key."""
    metadata = {"setting": Setting(key, kind, doc, required)}
    if required:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


def setting_of(field_: Any) -> Setting:
    return field_.metadata["setting"]


class ConfigError(pulumi.RunError):
    """Invalid stack configuration. A RunError: Pulumi prints it without a traceback."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid stack configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class ModelSettings:
    """One model pipeline. Every key but `name` may also be set stack-wide as its default."""

    name: str = setting(
        "name",
        config_kinds.MODEL_NAME,
        "The model's name: its S3 prefixes `data/<name>/...` and, with the stack, its "
        "endpoint `<stack>--<name>`, its SSM marker `/retraining/<stack>/models/<name>/train/"
        "latest` and the prefix `<stack>--<name>--` of its training jobs, Models and "
        "EndpointConfigs (`--` delimits: no other stack's or model's names match).",
        required=True,
    )
    schedule: str = setting(
        "schedule",
        config_kinds.SCHEDULE,
        "When the pipeline runs (EventBridge Scheduler expression, in `scheduleTimeZone`).",
        "cron(0 3 * * ? *)",
    )
    schedule_time_zone: str = setting(
        "scheduleTimeZone",
        kinds.TIME_ZONE_NAME,
        "Time zone of `schedule` and of the training window's dates.",
        "UTC",
    )
    training_window_days: int = setting(
        "trainingWindowDays",
        kinds.integer(1, 36_500),
        "How many days of data (one file per day) a run trains on.",
        30,
    )
    changed_history: str = setting(
        "changedHistory",
        kinds.choice(*lambdas.CHANGED_HISTORY_CHOICES),
        "What a run does when a window file changed after the serving model trained on it (a "
        "trained day overwritten, a day backfilled at or before the marker): `retrain` trains "
        "the window again and the Slack message names the files; `report` fails the run naming "
        "them, for an operator to check and then run with `force`. `retrain` by default: the "
        "uploader changed the data on purpose, and the model should reflect it.",
        "retrain",
    )
    holdout_days: int = setting(
        "holdoutDays",
        kinds.integer(1, 36_500),
        "The quality gate's holdout: how many of the window's newest day files each run "
        "keeps out of training to score the new model and the serving one on (the next run "
        "trains on them). A window needs more files than this, or the run fails closed.",
        1,
    )
    quality_metric: str = setting(
        "qualityMetric",
        kinds.choice(*lambdas.QUALITY_METRIC_CHOICES),
        "The quality gate's metric, lower is better, as Linear Learner defines it: `mse`, "
        "`rmse` (its root) or `mae` (`absolute_loss`, the mean absolute error).",
        lambdas.QUALITY_METRIC_RMSE,
    )
    quality_max_score: float | None = setting(
        "qualityMaxScore",
        kinds.number(0),
        "Absolute bound: a new model whose `qualityMetric` on the holdout is above it is "
        "rejected (the previous one keeps serving). Unset: no absolute bound.",
    )
    quality_max_regression_percent: float | None = setting(
        "qualityMaxRegressionPercent",
        kinds.number(0),
        "Relative bound: a new model scoring more than this many percent worse than the "
        "serving model on the same holdout rows is rejected. Unset: no relative bound.",
        10.0,
    )
    drift_threshold: float = setting(
        "driftThreshold",
        kinds.number(1),
        "The drift report's bound: a column (the label or a feature) of the run's new files "
        "shifted when its mean is more than this many of the rest of the window's standard "
        "deviations away from that rest's mean, or its standard deviation is more than this "
        "factor larger or smaller. 3 by default: a calendar effect (a weekend day in a window "
        "of weekdays) stays under it, a unit change (x10) or a broken export does not.",
        3.0,
    )
    drift_action: str = setting(
        "driftAction",
        kinds.choice(*lambdas.DRIFT_ACTION_CHOICES),
        "What a shifted column does: `warn` reports it (run output, Slack) and the gate "
        "decides on scores alone; `reject` also rejects the run's model through the quality "
        "gate, naming the drift (the previous model keeps serving; `overrideQualityGate` "
        "deploys it on purpose).",
        lambdas.DRIFT_ACTION_WARN,
    )
    training_instance_type: str = setting(
        "trainingInstanceType", config_kinds.INSTANCE_TYPE, "Training instance type.", "ml.m5.large"
    )
    training_instance_count: int = setting(
        "trainingInstanceCount", kinds.integer(1, 100), "Training instance count.", 1
    )
    training_volume_gb: int = setting(
        "trainingVolumeGb", kinds.integer(1, 16_384), "Training volume size (GB).", 10
    )
    training_max_runtime_seconds: int = setting(
        "trainingMaxRuntimeSeconds",
        kinds.integer(1, SAGEMAKER_MAX_RUNTIME_SECONDS),
        "SageMaker's MaxRuntimeInSeconds; the pipeline waits this long plus an overhead.",
        4 * 3600,
    )
    training_use_spot: bool = setting(
        "trainingUseSpot", kinds.BOOLEAN, "Managed spot training (cheaper, may wait).", False
    )
    training_max_wait_seconds: int | None = setting(
        "trainingMaxWaitSeconds",
        kinds.integer(1, SAGEMAKER_MAX_RUNTIME_SECONDS),
        "SageMaker's MaxWaitTimeInSeconds; required with `trainingUseSpot`, at least "
        "`trainingMaxRuntimeSeconds`. Ignored without spot.",
    )
    hyperparameters: tuple[tuple[str, str], ...] = setting(
        "hyperparameters",
        kinds.HYPERPARAMETERS,
        "Algorithm hyperparameters (strings). Replaces the default map as a whole.",
        DEFAULT_HYPERPARAMETERS,
    )
    endpoint_instance_type: str = setting(
        "endpointInstanceType", config_kinds.INSTANCE_TYPE, "Endpoint instance type.", "ml.m5.large"
    )
    endpoint_instance_count: int = setting(
        "endpointInstanceCount", kinds.integer(1, 100), "Endpoint instance count.", 1
    )
    keep_previous_versions: int = setting(
        "keepPreviousVersions",
        kinds.integer(0, 100),
        "How many earlier Models/EndpointConfigs a deployment keeps (for rollback).",
        2,
    )
    update_strategy: str = setting(
        "updateStrategy",
        kinds.choice(*rollout.STRATEGIES),
        "How an update of the endpoint shifts traffic to the new model: `allAtOnce` (all "
        "traffic at once, SageMaker's default), `canary` (`canarySizePercent` of the traffic "
        "for `trafficWaitSeconds`, then the rest) or `linear` (steps of `linearStepPercent`, "
        "each baked `trafficWaitSeconds`). With `canary` and `linear`, the stack's rollback "
        "alarms (5XX errors, model latency) roll the update back while it shifts, and the "
        "previous model keeps serving. The first deployment (CreateEndpoint) is all at once.",
        rollout.STRATEGY_ALL_AT_ONCE,
    )
    canary_size_percent: int = setting(
        "canarySizePercent",
        kinds.integer(1, CANARY_SIZE_MAX_PERCENT),
        "`canary`: the share of the endpoint's instances (and traffic) the new model gets "
        "first; at least one instance (`endpointInstanceCount` times it at least 100).",
        10,
    )
    linear_step_percent: int = setting(
        "linearStepPercent",
        kinds.integer(LINEAR_STEP_MIN_PERCENT, LINEAR_STEP_MAX_PERCENT),
        "`linear`: the share of the instances (and traffic) each step shifts; at least one "
        "instance.",
        25,
    )
    traffic_wait_seconds: int = setting(
        "trafficWaitSeconds",
        kinds.integer(0, ROLLOUT_WAIT_INTERVAL_MAX_SECONDS),
        "`canary`/`linear`: how long each share of traffic bakes on the new model, watched "
        "by the rollback alarms, before the next shift (WaitIntervalInSeconds).",
        600,
    )
    termination_wait_seconds: int = setting(
        "terminationWaitSeconds",
        kinds.integer(0, ROLLOUT_TERMINATION_WAIT_MAX_SECONDS),
        "`canary`/`linear`: how long the old fleet stays after the full shift "
        "(TerminationWaitInSeconds).",
        0,
    )
    rollout_timeout_seconds: int = setting(
        "rolloutTimeoutSeconds",
        kinds.integer(ROLLOUT_TIMEOUT_MIN_SECONDS, ROLLOUT_TIMEOUT_MAX_SECONDS),
        "`canary`/`linear`: SageMaker's MaximumExecutionTimeoutInSeconds, larger than the "
        "rollout's waits (each shift's `trafficWaitSeconds` + `terminationWaitSeconds`); the "
        "pipeline's deployment deadline is `deploymentTimeoutSeconds` plus it.",
        3600,
    )
    rollback_error_threshold: int = setting(
        "rollbackErrorThreshold",
        kinds.integer(1, 1_000_000),
        "The 5XX alarm: it fires when a minute holds at least this many Invocation5XXErrors "
        "of the endpoint (rolling a guarded update back; the alarm topic hears it).",
        1,
    )
    rollback_latency_threshold_ms: int = setting(
        "rollbackLatencyThresholdMs",
        kinds.integer(1, 3_600_000),
        "The latency alarm: it fires when the endpoint's average ModelLatency over a minute "
        "is above this many milliseconds.",
        1000,
    )
    approval: str = setting(
        "approval",
        kinds.choice(*registry.APPROVAL_MODES),
        "Who approves a model the quality gate let through, in the stack's model registry "
        "(the Model Package Group `<stack>--<name>`): `automatic` (the gate's pass approves "
        "it and it deploys at once) or `manual` (it waits PendingManualApproval for a person "
        "to approve or reject it: Slack gives the command; no polling while it waits). "
        "Default: `manual` in the `prod` stack, `automatic` in every other.",
        registry.APPROVAL_AUTOMATIC,
    )
    approval_timeout_hours: int = setting(
        "approvalTimeoutHours",
        kinds.integer(1, APPROVAL_TIMEOUT_MAX_HOURS),
        "`manual`: how long a model waits for its approval. When nobody decided by then, the "
        "pipeline records it as Rejected in the registry (the description says so), nothing "
        "is deployed and the run ends in ModelNotApproved. The state machine's timeout covers it.",
        72,
    )
    poll_initial_seconds: int = setting(
        "pollInitialSeconds",
        kinds.integer(POLL_MIN_SECONDS, POLL_MAX_SECONDS),
        "First safety timeout of a wait for SageMaker; doubles after each poll.",
        600,
    )
    poll_max_seconds: int = setting(
        "pollMaxSeconds",
        kinds.integer(POLL_MIN_SECONDS, POLL_MAX_SECONDS),
        "Cap of that timeout: the longest delay after a lost state-change event.",
        4 * 3600,
    )
    deployment_timeout_seconds: int = setting(
        "deploymentTimeoutSeconds",
        kinds.integer(60, 7 * 86_400),
        "How long the pipeline waits for the endpoint before failing the run.",
        2 * 3600,
    )
    upload_trigger_enabled: bool = setting(
        "uploadTriggerEnabled",
        kinds.BOOLEAN,
        "Also run after new files land under `data/<name>/train/` (debounced).",
        False,
    )
    upload_debounce_seconds: int = setting(
        "uploadDebounceSeconds",
        kinds.integer(60, 86_400),
        "Quiet time after the last upload before the run starts.",
        900,
    )
    algorithm_image: str | None = setting(
        "algorithmImage",
        config_kinds.ECR_IMAGE,
        "Training and inference image. Default: the region's Linear Learner image, looked "
        "up at deploy time.",
    )
    sagemaker_role_arn: str | None = setting(
        "sagemakerRoleArn",
        config_kinds.IAM_ROLE_ARN,
        "Existing SageMaker execution role. Default: a least-privilege role is created.",
    )
    slack_channel: str = setting(
        "slackChannel",
        config_kinds.SLACK_CHANNEL,
        "Slack channel of this model's messages.",
        "#retraining",
    )

    @property
    def hyperparameters_json(self) -> str:
        return json.dumps(dict(self.hyperparameters), sort_keys=True, separators=(",", ":"))

    @property
    def spot_max_wait_seconds(self) -> int | None:
        return self.training_max_wait_seconds if self.training_use_spot else None


@dataclass(frozen=True)
class StackSettings:
    stack: str
    region: str
    models: tuple[ModelSettings, ...]
    # `aws:allowedAccountIds`; empty: any account (the stack's names are scoped anyway).
    allowed_account_ids: tuple[str, ...] = ()
    bucket_name: str | None = setting(
        "bucketName",
        config_kinds.BUCKET_NAME,
        "Use this existing bucket (looked up, never modified). Default: a hardened bucket "
        "is created.",
    )
    protect_data: bool = setting(
        "protectData",
        kinds.BOOLEAN,
        "Protect the created bucket from `pulumi destroy` and keep it if removed from code.",
        False,
    )
    noncurrent_version_expiration_days: int = setting(
        "noncurrentVersionExpirationDays",
        kinds.integer(1, 36_500),
        "Days a replaced or deleted object version is kept in the created bucket.",
        90,
    )
    run_records_expiration_days: int = setting(
        "runRecordsExpirationDays",
        kinds.integer(1, 36_500),
        "Days the created bucket keeps a run's manifest and callback token (a token a lost "
        "event never answered stays otherwise); longer than any run and its look-backs.",
        90,
    )
    bucket_force_destroy: bool = setting(
        "bucketForceDestroy",
        kinds.BOOLEAN,
        "Let `pulumi destroy` empty and delete the created bucket (dev); ignored with "
        "`protectData`.",
        False,
    )
    log_level: str = setting(
        "logLevel", kinds.choice(*kinds.LOG_LEVELS), "Log level of the Lambda functions.", "INFO"
    )
    log_retention_days: int = setting(
        "logRetentionDays",
        config_kinds.LOG_RETENTION,
        "Retention of every log group the stack creates.",
        30,
    )
    state_machine_log_level: str = setting(
        "stateMachineLogLevel",
        kinds.choice(*STATE_MACHINE_LOG_LEVELS),
        "Step Functions execution logging to CloudWatch Logs.",
        "ERROR",
    )
    state_machine_log_execution_data: bool = setting(
        "stateMachineLogExecutionData",
        kinds.BOOLEAN,
        "Include states' input and output in those logs.",
        False,
    )
    tracing_enabled: bool = setting(
        "tracingEnabled",
        kinds.BOOLEAN,
        "AWS X-Ray tracing of the state machine and functions.",
        False,
    )
    slack_enabled: bool = setting(
        "slackEnabled", kinds.BOOLEAN, "Post the pipeline's progress to Slack.", False
    )
    slack_token: pulumi.Output[str] | None = setting(  # noqa: RUF009 - a dataclasses.field
        "slackToken",
        config_kinds.SECRET,
        "Slack bot token (`pulumi config set --secret`), stored in a Secrets Manager secret "
        "the stack creates. Without it (and without `slackTokenSecretArn`) the secret is "
        "created empty for you to fill.",
    )
    slack_token_secret_arn: str | None = setting(
        "slackTokenSecretArn",
        config_kinds.SECRET_ARN,
        "Existing Secrets Manager secret holding the Slack token (instead of `slackToken`).",
    )
    slack_api_url: str | None = setting(
        "slackApiUrl", kinds.URL, "Slack API base URL override (the embedded runtime sets it)."
    )
    alarm_enabled: bool = setting(
        "alarmEnabled",
        kinds.BOOLEAN,
        "Alarm when executions fail, time out or are aborted (SNS topic).",
        False,
    )
    alarm_email: str | None = setting(
        "alarmEmail",
        config_kinds.EMAIL,
        "E-mail subscribed to the alarm topic (requires `alarmEnabled`).",
    )
    tags: tuple[tuple[str, str], ...] = setting(
        "tags",
        config_kinds.TAGS,
        "Tags of every taggable resource: the AWS provider's default tags, next to "
        "`project`, `stack`, `managed-by` and, on a model's resources, `model`.",
        (),
    )

    @property
    def slack_secret_needed(self) -> bool:
        return self.slack_enabled and self.slack_token_secret_arn is None

    def model(self, name: str) -> ModelSettings:
        return next(m for m in self.models if m.name == name)


def model_name_field() -> Any:
    return next(f for f in fields(ModelSettings) if f.name == "name")


def model_settings_fields() -> list[Any]:
    """The per-model keys (every ModelSettings field but `name`)."""
    return [f for f in fields(ModelSettings) if f.name != "name"]


def stack_settings_fields() -> list[Any]:
    return [f for f in fields(StackSettings) if "setting" in f.metadata]


def config_key(name: str) -> str:
    """The full key of one of our settings, as `Pulumi.<stack>.yaml` and the CLI spell it."""
    return f"{NAMESPACE}:{name}"


_key = config_key


def known_keys() -> frozenset[str]:
    names = [setting_of(f).key for f in stack_settings_fields() + model_settings_fields()]
    return frozenset(
        {REGION_KEY, ALLOWED_ACCOUNT_IDS_KEY, _key(MODELS_KEY), *(_key(n) for n in names)}
    )


class _Reader:
    """Reads settings, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def value(self, raw: Any, spec: Setting, path: str, default: Any) -> Any:
        value, problems = kinds.read_value(
            raw, spec.kind, path, kinds.STACK_CONFIG, required=spec.required, default=default
        )
        self.problems += problems
        return value


def _model(
    reader: _Reader,
    index: int,
    item: Mapping[str, Any],
    defaults: Mapping[str, Any],
    origins: Mapping[str, str],
) -> ModelSettings | None:
    here = f"{_key(MODELS_KEY)}[{index}]"
    model_fields = model_settings_fields()
    known = {"name"} | {setting_of(f).key for f in model_fields}
    for unknown in sorted(set(item) - known):
        reader.problems.append(f"{here}.{unknown} is not a known per-model setting")
    before = len(reader.problems)
    name = reader.value(item.get("name"), setting_of(model_name_field()), f"{here}.name", None)
    values = dict(defaults)
    paths = dict(origins)
    for f in model_fields:
        spec = setting_of(f)
        if spec.key in item:
            paths[f.name] = f"{here}.{spec.key}"
            values[f.name] = reader.value(item[spec.key], spec, paths[f.name], f.default)
    if len(reader.problems) > before or name is None:
        return None
    model = ModelSettings(name=name, **values)
    _check_model(reader, model, paths, here)
    return model


def _check_model(
    reader: _Reader, model: ModelSettings, paths: Mapping[str, str], here: str
) -> None:
    def named(field_name: str) -> Named[Any]:
        return Named(paths[field_name], getattr(model, field_name))

    reader.problems += spot_max_wait_problems(
        named("training_use_spot"),
        named("training_max_wait_seconds"),
        named("training_max_runtime_seconds"),
    )
    reader.problems += poll_bounds_problems(
        named("poll_initial_seconds"), named("poll_max_seconds")
    )
    reader.problems += rollout.rollout_problems(
        named("update_strategy"),
        named("canary_size_percent"),
        named("linear_step_percent"),
        named("traffic_wait_seconds"),
        named("termination_wait_seconds"),
        named("rollout_timeout_seconds"),
        named("endpoint_instance_count"),
    )
    if model.holdout_days >= model.training_window_days:
        # Every run would fail closed: no file left to train on after the holdout.
        reader.problems.append(
            f"{paths['holdout_days']} is {model.holdout_days}, but it must be less than "
            f"{paths['training_window_days']} ({model.training_window_days}): the quality "
            "gate's holdout would leave no day of the window to train on"
        )
    if not reader.problems:
        try:
            pipeline_options(model)
        except ValueError as error:
            reader.problems.append(f"{here} ({model.name}): {error}")


def parse_settings(
    raw: Mapping[str, Any],
    *,
    stack: str,
    slack_token: pulumi.Output[str] | None = None,
    slack_token_encrypted: bool = True,
) -> StackSettings:
    """Settings from config values keyed `retraining:<key>` / `aws:region` (as Pulumi holds
    them: strings, JSON text for objects and lists). Raises ConfigError listing every
    problem. `slack_token` is the secret `retraining:slackToken`, read apart so that it is
    never handled as plain text; `slack_token_encrypted` says whether the stack file holds
    it encrypted (`pulumi config set --secret`), as it must.
    """
    reader = _Reader()
    _check_stack_name(reader, stack)
    if slack_token is not None and not slack_token_encrypted:
        reader.problems.append(
            f"{_key('slackToken')} is stored in plain text in Pulumi.{stack}.yaml: remove it "
            f"and set it with `pulumi config set --secret {_key('slackToken')} <token>`"
        )
    for unknown in sorted(key for key in raw if key.startswith(f"{NAMESPACE}:")):
        if unknown not in known_keys():
            reader.problems.append(f"{unknown} is not a known setting (see docs/configuration.md)")

    region = reader.value(
        raw.get(REGION_KEY),
        Setting("region", config_kinds.REGION, "", required=True),
        REGION_KEY,
        "",
    )
    allowed_account_ids = reader.value(
        raw.get(ALLOWED_ACCOUNT_IDS_KEY),
        Setting("allowedAccountIds", config_kinds.ACCOUNT_IDS, ""),
        ALLOWED_ACCOUNT_IDS_KEY,
        (),
    )
    stack_values: dict[str, Any] = {}
    for f in stack_settings_fields():
        spec = setting_of(f)
        if spec.key == "slackToken":
            continue  # a secret: passed in as an Output, never read as plain config
        stack_values[f.name] = reader.value(
            raw.get(_key(spec.key)), spec, _key(spec.key), f.default
        )

    defaults: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for f in model_settings_fields():
        spec = setting_of(f)
        origins[f.name] = _key(spec.key)
        defaults[f.name] = reader.value(raw.get(_key(spec.key)), spec, _key(spec.key), f.default)
    defaults.update(_stack_defaults(stack, raw))

    items = reader.value(
        raw.get(_key(MODELS_KEY)),
        Setting(MODELS_KEY, config_kinds.OBJECTS, ""),
        _key(MODELS_KEY),
        [{"name": DEFAULT_MODEL_NAME}],
    )
    models = [_model(reader, i, item, defaults, origins) for i, item in enumerate(items)]
    names = [m.name for m in models if m is not None]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        reader.problems.append(f"{_key(MODELS_KEY)} names {duplicate!r} more than once")
    for index, model in enumerate(models):
        if model is not None:
            problem = scope_length_problem(stack, model.name, f"{_key(MODELS_KEY)}[{index}].name")
            reader.problems += [problem] if problem else []

    settings = StackSettings(
        stack=stack,
        region=region,
        allowed_account_ids=allowed_account_ids,
        models=tuple(m for m in models if m is not None),
        **stack_values,
        slack_token=slack_token,
    )
    _check_stack(reader, settings)
    if reader.problems:
        raise ConfigError(reader.problems)
    return settings


def _stack_defaults(stack: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Per-model defaults that depend on the stack, where the stack config sets none."""
    defaults: dict[str, Any] = {}
    approval = STACK_APPROVAL_DEFAULTS.get(stack)
    if approval is not None and _key("approval") not in raw:
        defaults["approval"] = approval
    return defaults


def _check_stack_name(reader: _Reader, stack: str) -> None:
    # The stack name is part of Lambda, IAM, bucket and SageMaker names; single hyphens
    # only, so that `--` (contract.names.SEPARATOR) delimits it in SageMaker names.
    if not re.fullmatch(r"(?=.{1,20}$)[a-z0-9]+(-[a-z0-9]+)*", stack):
        reader.problems.append(
            f"the stack name must be at most 20 lower-case letters, digits and single hyphens "
            f"(it is part of resource names), got {json.dumps(stack)}"
        )


def _check_stack(reader: _Reader, settings: StackSettings) -> None:
    if settings.slack_token is not None and settings.slack_token_secret_arn is not None:
        reader.problems.append(
            f"{_key('slackToken')} and {_key('slackTokenSecretArn')} are exclusive: "
            "set the token or name the secret that holds it"
        )
    if settings.alarm_email is not None and not settings.alarm_enabled:
        reader.problems.append(f"{_key('alarmEmail')} requires {_key('alarmEnabled')}: true")


def pipeline_options(model: ModelSettings) -> PipelineOptions:
    """The definition's shaping settings for this model (workflow.options)."""
    return PipelineOptions(
        model_name=model.name,
        training_max_runtime_seconds=model.training_max_runtime_seconds,
        training_max_wait_seconds=model.spot_max_wait_seconds,
        deployment_timeout_seconds=model.deployment_timeout_seconds,
        rollout_timeout_seconds=model.rollout_timeout_seconds
        if rollout.is_guarded(model.update_strategy)
        else None,
        poll_initial_seconds=model.poll_initial_seconds,
        poll_max_seconds=model.poll_max_seconds,
        approval_timeout_seconds=model.approval_timeout_hours * 3600,
        manual_approval=model.approval == registry.APPROVAL_MANUAL,
    )


def _configured_keys() -> set[str]:
    """Every key of the stack's config, to report misspelled keys.

    Pulumi's public Config API reads a key by name but cannot list keys; the language host
    loads the whole stack config into `pulumi.runtime.config` (and the PULUMI_CONFIG
    environment variable), so that is where the list comes from.
    """
    return set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())


def load_settings() -> StackSettings:
    """The running stack's settings (inside a Pulumi program)."""
    config = pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {}
    for key in _configured_keys() | known_keys():
        namespace, _, name = key.partition(":")
        if key == _key("slackToken") or namespace not in (NAMESPACE, "aws"):
            continue
        if namespace == "aws" and key not in (REGION_KEY, ALLOWED_ACCOUNT_IDS_KEY):
            continue
        value = pulumi.Config(namespace).get(name) if namespace == "aws" else config.get(name)
        if value is not None:
            raw[key] = value
    return parse_settings(
        raw,
        stack=pulumi.get_stack(),
        slack_token=config.get_secret("slackToken"),
        slack_token_encrypted=runtime_config.is_config_secret(_key("slackToken")),
    )
