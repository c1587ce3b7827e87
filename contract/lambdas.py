"""Every Lambda function of a model pipeline, declared once.

A `LambdaSpec` says what infra deploys (handler, description, timeout, memory, layers), what
the function reads (its settings class: one field per environment variable) and what it may
touch (its grants). Infra builds each function, its environment and its role's policy from
the spec; the definition names a pipeline function by its key (a deploy-time placeholder);
the handler reads its settings with `read_settings(SPEC, os.environ)` at its cold start.

To add a setting: declare its `Variable` below and add a field to the function's settings
class; then give it a value in infra/environment.py (from infra/config.py if users set it).
Nothing else: the environment, the reader and the tests follow the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from contract import kinds, registry, rollout
from contract.grants import (
    SAGEMAKER_SERVICE,
    SCHEDULER_SERVICE,
    Folder,
    Grant,
    Resource,
    list_folder,
    pass_role,
)
from contract.limits import (
    ROLLOUT_TERMINATION_WAIT_MAX_SECONDS,
    ROLLOUT_TIMEOUT_MAX_SECONDS,
    ROLLOUT_TIMEOUT_MIN_SECONDS,
    ROLLOUT_WAIT_INTERVAL_MAX_SECONDS,
    SAGEMAKER_MAX_RUNTIME_SECONDS,
)
from contract.rules import required_when
from contract.settings import Rule, Variable, setting, variables_of
from contract.waits import spot_max_wait_problems

S = TypeVar("S")

# --- the environment variables --------------------------------------------------------------
MODEL_NAME: Final = Variable("MODEL_NAME", kinds.TEXT)
STACK_NAME: Final = Variable("STACK_NAME", kinds.TEXT)
LOG_LEVEL: Final = Variable("LOG_LEVEL", kinds.LOG_LEVEL, required=False, default="INFO")
BUCKET: Final = Variable("BUCKET", kinds.TEXT)
DATA_PREFIX: Final = Variable("DATA_PREFIX", kinds.S3_FOLDER)  # data/<model>/train/
MANIFEST_PREFIX: Final = Variable("MANIFEST_PREFIX", kinds.S3_FOLDER)  # .../manifests/
ARTIFACT_PREFIX: Final = Variable("ARTIFACT_PREFIX", kinds.S3_FOLDER)  # .../artifacts/
CALLBACK_PREFIX: Final = Variable("CALLBACK_PREFIX", kinds.S3_FOLDER)  # .../callbacks/
MARKER_PARAMETER: Final = Variable("MARKER_PARAMETER", kinds.TEXT)  # contract.names
RUN_LOCK_KEY: Final = Variable("RUN_LOCK_KEY", kinds.TEXT)  # data/<model>/lock/run.lock
# The state machine's TimeoutSeconds: a run lock older than this has no running owner.
RUN_TIMEOUT_SECONDS: Final = Variable("RUN_TIMEOUT_SECONDS", kinds.integer(1))
# 100 years: a guard against typos, not a product limit.
TRAINING_WINDOW_DAYS: Final = Variable(
    "TRAINING_WINDOW_DAYS", kinds.at_most(kinds.integer(1), 36_500)
)
TIME_ZONE: Final = Variable("TIME_ZONE", kinds.TIME_ZONE)  # IANA name, e.g. Europe/Paris
# What CheckData does when the window's history changed since the serving model trained on it
# (a trained day overwritten, a day backfilled at or before the marker): train the window
# again, or fail the run naming the files. Never silent (functions.fingerprints).
CHANGED_HISTORY_RETRAIN: Final = "retrain"
CHANGED_HISTORY_REPORT: Final = "report"
CHANGED_HISTORY_CHOICES: Final = (CHANGED_HISTORY_RETRAIN, CHANGED_HISTORY_REPORT)
CHANGED_HISTORY: Final = Variable("CHANGED_HISTORY", kinds.choice(*CHANGED_HISTORY_CHOICES))
# The quality gate (functions.quality_gate): how many of the window's newest files are held
# out (never trained on by the run that evaluates on them), the metric both models are scored
# by, and the bounds the new model must meet.
HOLDOUT_DAYS: Final = Variable("HOLDOUT_DAYS", kinds.at_most(kinds.integer(1), 36_500))
QUALITY_METRIC_MSE: Final = "mse"
QUALITY_METRIC_RMSE: Final = "rmse"
QUALITY_METRIC_MAE: Final = "mae"
QUALITY_METRIC_CHOICES: Final = (QUALITY_METRIC_MSE, QUALITY_METRIC_RMSE, QUALITY_METRIC_MAE)
QUALITY_METRIC: Final = Variable("QUALITY_METRIC", kinds.choice(*QUALITY_METRIC_CHOICES))
QUALITY_MAX_SCORE: Final = Variable("QUALITY_MAX_SCORE", kinds.number(0), required=False)
QUALITY_MAX_REGRESSION_PERCENT: Final = Variable(
    "QUALITY_MAX_REGRESSION_PERCENT", kinds.number(0), required=False
)
# The drift report (functions.drift): a column of the new files shifted when its mean moved by
# more than DRIFT_THRESHOLD of the rest of the window's standard deviations, or its standard
# deviation grew or shrank by more than that factor; DRIFT_ACTION says whether a shift only
# warns or also rejects the run's model (through the quality gate's decision).
DRIFT_THRESHOLD: Final = Variable("DRIFT_THRESHOLD", kinds.number(1))
DRIFT_ACTION_WARN: Final = "warn"
DRIFT_ACTION_REJECT: Final = "reject"
DRIFT_ACTION_CHOICES: Final = (DRIFT_ACTION_WARN, DRIFT_ACTION_REJECT)
DRIFT_ACTION: Final = Variable("DRIFT_ACTION", kinds.choice(*DRIFT_ACTION_CHOICES))
TRAINING_IMAGE: Final = Variable("TRAINING_IMAGE", kinds.TEXT)
INFERENCE_IMAGE: Final = Variable("INFERENCE_IMAGE", kinds.TEXT)
SAGEMAKER_ROLE_ARN: Final = Variable("SAGEMAKER_ROLE_ARN", kinds.arn("iam"))
TRAINING_INSTANCE_TYPE: Final = Variable("TRAINING_INSTANCE_TYPE", kinds.TEXT)
TRAINING_INSTANCE_COUNT: Final = Variable("TRAINING_INSTANCE_COUNT", kinds.integer(1))
TRAINING_VOLUME_GB: Final = Variable("TRAINING_VOLUME_GB", kinds.integer(1))
_SAGEMAKER_SECONDS: Final = kinds.at_most(kinds.integer(1), SAGEMAKER_MAX_RUNTIME_SECONDS)
TRAINING_MAX_RUNTIME_SECONDS: Final = Variable("TRAINING_MAX_RUNTIME_SECONDS", _SAGEMAKER_SECONDS)
TRAINING_USE_SPOT: Final = Variable("TRAINING_USE_SPOT", kinds.BOOLEAN)
TRAINING_MAX_WAIT_SECONDS: Final = Variable(  # set for spot training only
    "TRAINING_MAX_WAIT_SECONDS", _SAGEMAKER_SECONDS, required=False
)
HYPERPARAMETERS: Final = Variable("HYPERPARAMETERS", kinds.HYPERPARAMETERS)  # JSON, strings
ENDPOINT_NAME: Final = Variable("ENDPOINT_NAME", kinds.TEXT)
ENDPOINT_INSTANCE_TYPE: Final = Variable("ENDPOINT_INSTANCE_TYPE", kinds.TEXT)
ENDPOINT_INSTANCE_COUNT: Final = Variable("ENDPOINT_INSTANCE_COUNT", kinds.integer(1))
# How many Models/EndpointConfigs of earlier runs a deployment keeps.
KEEP_PREVIOUS_VERSIONS: Final = Variable("KEEP_PREVIOUS_VERSIONS", kinds.integer(0))
# How an update shifts traffic (contract.rollout): all at once, or a guarded canary / linear
# rollout rolled back by the stack's rollback alarms (contract.names.rollback_alarm_names).
UPDATE_STRATEGY: Final = Variable("UPDATE_STRATEGY", kinds.choice(*rollout.STRATEGIES))
CANARY_SIZE_PERCENT: Final = Variable("CANARY_SIZE_PERCENT", kinds.integer(1, 100))
LINEAR_STEP_PERCENT: Final = Variable("LINEAR_STEP_PERCENT", kinds.integer(1, 100))
TRAFFIC_WAIT_SECONDS: Final = Variable(
    "TRAFFIC_WAIT_SECONDS", kinds.integer(0, ROLLOUT_WAIT_INTERVAL_MAX_SECONDS)
)
TERMINATION_WAIT_SECONDS: Final = Variable(
    "TERMINATION_WAIT_SECONDS", kinds.integer(0, ROLLOUT_TERMINATION_WAIT_MAX_SECONDS)
)
ROLLOUT_TIMEOUT_SECONDS: Final = Variable(
    "ROLLOUT_TIMEOUT_SECONDS",
    kinds.integer(ROLLOUT_TIMEOUT_MIN_SECONDS, ROLLOUT_TIMEOUT_MAX_SECONDS),
)
# The model registry (contract.registry): the group every evaluated model is registered in,
# how a model the gate let through gets approved, and the git revision of the deployed stack.
MODEL_PACKAGE_GROUP: Final = Variable("MODEL_PACKAGE_GROUP", kinds.TEXT)  # contract.names
APPROVAL: Final = Variable("APPROVAL", kinds.choice(*registry.APPROVAL_MODES))
GIT_REVISION: Final = Variable("GIT_REVISION", kinds.TEXT)
SLACK_ENABLED: Final = Variable("SLACK_ENABLED", kinds.BOOLEAN)
SLACK_CHANNEL: Final = Variable("SLACK_CHANNEL", kinds.TEXT)
# The secret's ARN, never the token: Secrets Manager holds it.
SLACK_TOKEN_SECRET_ARN: Final = Variable(
    "SLACK_TOKEN_SECRET_ARN", kinds.arn("secretsmanager"), required=False
)
# Set only to talk to a Slack-compatible API elsewhere (the embedded runtime's).
SLACK_API_URL: Final = Variable("SLACK_API_URL", kinds.URL, required=False)
STATE_MACHINE_ARN: Final = Variable("STATE_MACHINE_ARN", kinds.arn("states"))
SCHEDULER_ROLE_ARN: Final = Variable("SCHEDULER_ROLE_ARN", kinds.arn("iam"))
SCHEDULE_GROUP: Final = Variable("SCHEDULE_GROUP", kinds.TEXT)
DEBOUNCE_SCHEDULE_NAME: Final = Variable("DEBOUNCE_SCHEDULE_NAME", kinds.TEXT)
DEBOUNCE_SECONDS: Final = Variable("DEBOUNCE_SECONDS", kinds.at_most(kinds.integer(1), 86_400))


# --- the settings of each function ----------------------------------------------------------
@dataclass(frozen=True)
class CommonSettings:
    """What every function reads: whose pipeline it serves, and how much it logs."""

    RULES: ClassVar[tuple[Rule, ...]] = ()
    model_name: str = setting(MODEL_NAME)
    stack_name: str = setting(STACK_NAME)
    log_level: str = setting(LOG_LEVEL)


@dataclass(frozen=True)
class CheckDataSettings(CommonSettings):
    bucket: str = setting(BUCKET)
    data_prefix: str = setting(DATA_PREFIX)
    manifest_prefix: str = setting(MANIFEST_PREFIX)
    marker_parameter: str = setting(MARKER_PARAMETER)
    training_window_days: int = setting(TRAINING_WINDOW_DAYS)
    time_zone: ZoneInfo = setting(TIME_ZONE)  # noqa: RUF009 - a dataclasses.field
    changed_history: str = setting(CHANGED_HISTORY)
    run_lock_key: str = setting(RUN_LOCK_KEY)
    run_timeout_seconds: int = setting(RUN_TIMEOUT_SECONDS)
    holdout_days: int = setting(HOLDOUT_DAYS)
    drift_threshold: float = setting(DRIFT_THRESHOLD)
    # Is it InService, and which run's model does it serve? (functions.serving_endpoint)
    endpoint_name: str = setting(ENDPOINT_NAME)
    # A rollback run resolves its target among the registry's versions (functions.rollback).
    model_package_group: str = setting(MODEL_PACKAGE_GROUP)


@dataclass(frozen=True)
class StartTrainingJobSettings(CommonSettings):
    RULES: ClassVar = (
        Rule(
            spot_max_wait_problems,
            (TRAINING_USE_SPOT, TRAINING_MAX_WAIT_SECONDS, TRAINING_MAX_RUNTIME_SECONDS),
        ),
    )
    bucket: str = setting(BUCKET)
    artifact_prefix: str = setting(ARTIFACT_PREFIX)
    training_image: str = setting(TRAINING_IMAGE)
    role_arn: str = setting(SAGEMAKER_ROLE_ARN)
    instance_type: str = setting(TRAINING_INSTANCE_TYPE)
    instance_count: int = setting(TRAINING_INSTANCE_COUNT)
    volume_gb: int = setting(TRAINING_VOLUME_GB)
    max_runtime_seconds: int = setting(TRAINING_MAX_RUNTIME_SECONDS)
    use_spot: bool = setting(TRAINING_USE_SPOT)
    max_wait_seconds: int | None = setting(TRAINING_MAX_WAIT_SECONDS)  # sent with spot only
    hyperparameters: tuple[tuple[str, str], ...] = setting(HYPERPARAMETERS)


@dataclass(frozen=True)
class GetStatusSettings(CommonSettings):
    endpoint_name: str = setting(ENDPOINT_NAME)


@dataclass(frozen=True)
class CallbackSettings(CommonSettings):
    """await_status and on_sagemaker_event share the token store's location."""

    bucket: str = setting(BUCKET)
    callback_prefix: str = setting(CALLBACK_PREFIX)


@dataclass(frozen=True)
class DeployModelSettings(CommonSettings):
    RULES: ClassVar = (
        Rule(
            rollout.rollout_problems,
            (
                UPDATE_STRATEGY,
                CANARY_SIZE_PERCENT,
                LINEAR_STEP_PERCENT,
                TRAFFIC_WAIT_SECONDS,
                TERMINATION_WAIT_SECONDS,
                ROLLOUT_TIMEOUT_SECONDS,
                ENDPOINT_INSTANCE_COUNT,
            ),
        ),
    )
    endpoint_name: str = setting(ENDPOINT_NAME)
    # No image setting: the Model is created from the registry's package, which names it.
    role_arn: str = setting(SAGEMAKER_ROLE_ARN)
    instance_type: str = setting(ENDPOINT_INSTANCE_TYPE)
    instance_count: int = setting(ENDPOINT_INSTANCE_COUNT)
    keep_previous_versions: int = setting(KEEP_PREVIOUS_VERSIONS)
    # The update's traffic shifting (contract.rollout); allAtOnce sends no DeploymentConfig.
    update_strategy: str = setting(UPDATE_STRATEGY)
    canary_size_percent: int = setting(CANARY_SIZE_PERCENT)
    linear_step_percent: int = setting(LINEAR_STEP_PERCENT)
    traffic_wait_seconds: int = setting(TRAFFIC_WAIT_SECONDS)
    termination_wait_seconds: int = setting(TERMINATION_WAIT_SECONDS)
    rollout_timeout_seconds: int = setting(ROLLOUT_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class RegisterModelSettings(CommonSettings):
    model_package_group: str = setting(MODEL_PACKAGE_GROUP)
    approval: str = setting(APPROVAL)
    inference_image: str = setting(INFERENCE_IMAGE)  # the package's container
    git_revision: str = setting(GIT_REVISION)


@dataclass(frozen=True)
class EvaluateModelSettings(CommonSettings):
    bucket: str = setting(BUCKET)
    data_prefix: str = setting(DATA_PREFIX)  # the holdout rows are read from here
    manifest_prefix: str = setting(MANIFEST_PREFIX)  # <execution>.evaluation.json
    endpoint_name: str = setting(ENDPOINT_NAME)  # the champion
    metric: str = setting(QUALITY_METRIC)
    max_score: float | None = setting(QUALITY_MAX_SCORE)
    max_regression_percent: float | None = setting(QUALITY_MAX_REGRESSION_PERCENT)
    drift_action: str = setting(DRIFT_ACTION)  # does CheckData's drift report reject?


@dataclass(frozen=True)
class NotifySlackSettings(CommonSettings):
    RULES: ClassVar = (Rule(required_when, (SLACK_ENABLED, SLACK_TOKEN_SECRET_ARN)),)
    enabled: bool = setting(SLACK_ENABLED)
    channel: str = setting(SLACK_CHANNEL)
    token_secret_arn: str | None = setting(SLACK_TOKEN_SECRET_ARN)
    api_url: str | None = setting(SLACK_API_URL)


@dataclass(frozen=True)
class UpdateParametersSettings(CommonSettings):
    marker_parameter: str = setting(MARKER_PARAMETER)
    # The run's file fingerprints, promoted to the serving model's (functions.fingerprints).
    bucket: str = setting(BUCKET)
    manifest_prefix: str = setting(MANIFEST_PREFIX)


@dataclass(frozen=True)
class ReleaseRunLockSettings(CommonSettings):
    bucket: str = setting(BUCKET)
    run_lock_key: str = setting(RUN_LOCK_KEY)
    state_machine_arn: str = setting(STATE_MACHINE_ARN)  # where a follow-up run starts


@dataclass(frozen=True)
class DebounceUploadSettings(CommonSettings):
    state_machine_arn: str = setting(STATE_MACHINE_ARN)
    scheduler_role_arn: str = setting(SCHEDULER_ROLE_ARN)
    schedule_group: str = setting(SCHEDULE_GROUP)
    schedule_name: str = setting(DEBOUNCE_SCHEDULE_NAME)
    debounce_seconds: int = setting(DEBOUNCE_SECONDS)
    time_zone: ZoneInfo = setting(TIME_ZONE)  # noqa: RUF009 - a dataclasses.field


# --- the functions --------------------------------------------------------------------------
@dataclass(frozen=True)
class LambdaSpec(Generic[S]):
    # The definition's placeholder, the suffix of the Lambda's name, its module functions.<key>.
    key: str
    description: str
    settings: type[S]
    grants: tuple[Grant, ...]
    # Lambda's timeout; the state machine's task timeout is derived from it.
    timeout_seconds: int = 30
    memory_mb: int = 256
    # Packages beyond the runtime's boto3 that the handler imports (shipped as layers).
    layers: tuple[str, ...] = ()
    # Reserved concurrency of each model's copy: a runaway caller (an upload storm, an event
    # loop) cannot take the account's concurrency, and the pipeline always has this much.
    # The run lock serializes training, but runs that stand aside still call CheckData,
    # Notify and the lock's release at the same time; 5 covers the schedule, uploads and
    # manual starts of one model together. Throttled task calls are retried by the
    # definition (Lambda.TooManyRequestsException), so a burst is delayed, never lost.
    reserved_concurrency: int = 5
    # Invoked asynchronously (by EventBridge): an event that still fails after Lambda's own
    # retries goes to the function's dead-letter queue instead of vanishing.
    asynchronous: bool = False

    @property
    def handler(self) -> str:
        return f"functions.{self.key}.handler"

    @property
    def variables(self) -> tuple[Variable, ...]:
        return variables_of(self.settings)

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(variable.name for variable in self.variables)


# Grants more than one function needs.
DESCRIBE_TRAINING_JOBS: Final = Grant(
    "DescribeTrainingJobs", ("sagemaker:DescribeTrainingJob",), (Resource.TRAINING_JOBS,)
)
DESCRIBE_ENDPOINT: Final = Grant(
    "DescribeEndpoint", ("sagemaker:DescribeEndpoint",), (Resource.ENDPOINT,)
)
DESCRIBE_MODEL_PACKAGES: Final = Grant(
    "DescribeModelPackages", ("sagemaker:DescribeModelPackage",), (Resource.MODEL_PACKAGES,)
)
# The run lock (functions.run_lock): conditional writes on one key; listing its folder lets
# S3 answer 404 (not 403) when the lock vanished between two calls.
LIST_RUN_LOCK: Final = list_folder("FindRunLock", Folder.RUN_LOCK)
HOLD_RUN_LOCK: Final = Grant(
    "HoldRunLock", ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"), (Resource.RUN_LOCK,)
)
# A task token authorizes its own answer: SendTaskSuccess has no resource type.
ANSWER_TASK_TOKENS: Final = Grant(
    "AnswerTaskTokens", ("states:SendTaskSuccess",), (Resource.EVERY_RESOURCE,)
)

CHECK_DATA: Final = LambdaSpec(
    "check_data",
    "Selects the training window, compares it with the marker, writes the manifest",
    CheckDataSettings,
    (
        list_folder("ListTrainingData", Folder.DATA),
        Grant("ReadTrainingData", ("s3:GetObject",), (Resource.DATA_OBJECTS,)),
        # Manifests and fingerprints are written; the serving model's fingerprints are read.
        Grant("WriteManifests", ("s3:PutObject", "s3:GetObject"), (Resource.MANIFEST_OBJECTS,)),
        # Read; written only to catch up with the serving model (functions.serving_endpoint).
        Grant("ReadMarker", ("ssm:GetParameter", "ssm:PutParameter"), (Resource.MARKER,)),
        LIST_RUN_LOCK,
        HOLD_RUN_LOCK,
        # Is the lock's owner still running? (a stale lock is reclaimed)
        Grant("DescribeLockOwner", ("states:DescribeExecution",), (Resource.EXECUTIONS,)),
        # A reclaimed lock's owner was aborted or timed out: its training job may still run
        # (functions.orphaned_training). ListTrainingJobs cannot be scoped to a resource.
        Grant("ListTrainingJobs", ("sagemaker:ListTrainingJobs",), (Resource.EVERY_RESOURCE,)),
        Grant(
            "StopOrphanedTrainingJobs", ("sagemaker:StopTrainingJob",), (Resource.TRAINING_JOBS,)
        ),
        # Is the endpoint InService, and what does its config say it trained on? (the tags
        # DeployModel put on the serving EndpointConfig)
        DESCRIBE_ENDPOINT,
        Grant("ReadServingConfigTags", ("sagemaker:ListTags",), (Resource.ENDPOINT_CONFIGS,)),
        # A rollback (functions.rollback) follows what serves down to its model package
        # (endpoint -> EndpointConfig -> Model) and picks its target among the group's versions.
        Grant(
            "FollowServingModel",
            ("sagemaker:DescribeEndpointConfig",),
            (Resource.ENDPOINT_CONFIGS,),
        ),
        Grant("DescribeServingModel", ("sagemaker:DescribeModel",), (Resource.MODELS,)),
        Grant(
            "FindRollbackPackage",
            ("sagemaker:ListModelPackages", "sagemaker:DescribeModelPackage"),
            (Resource.MODEL_PACKAGES, Resource.MODEL_PACKAGE_GROUP),
        ),
    ),
    timeout_seconds=300,
    memory_mb=512,
)
START_TRAINING_JOB: Final = LambdaSpec(
    "start_training_job",
    "Starts the SageMaker training job of this run (idempotent)",
    StartTrainingJobSettings,
    (
        Grant(
            "StartTrainingJobs",
            # CreateTrainingJob with Tags is also authorized as AddTags. StopTrainingJob: a job
            # this run created is stopped when the function fails after creating it.
            (
                "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:AddTags",
                "sagemaker:StopTrainingJob",
            ),
            (Resource.TRAINING_JOBS,),
        ),
        pass_role(Resource.SAGEMAKER_ROLE, SAGEMAKER_SERVICE),
    ),
    timeout_seconds=60,
)
GET_STATUS: Final = LambdaSpec(
    "get_status",
    "Describes the training job, endpoint or model package being watched",
    GetStatusSettings,
    (
        DESCRIBE_TRAINING_JOBS,
        DESCRIBE_ENDPOINT,
        # The approval stage: its deadline passing is recorded in the registry (Rejected).
        Grant(
            "WatchModelPackages",
            ("sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"),
            (Resource.MODEL_PACKAGES,),
        ),
        # A guarded update that rolled back: which alarm fired (its state, or its history).
        Grant(
            "ReadRollbackAlarms",
            ("cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"),
            (Resource.ROLLBACK_ALARMS,),
        ),
    ),
)
AWAIT_STATUS: Final = LambdaSpec(
    "await_status",
    "Registers CheckStatusWait's task token; answers at once if already terminal",
    CallbackSettings,
    (
        Grant("StoreTaskTokens", ("s3:PutObject", "s3:DeleteObject"), (Resource.CALLBACK_OBJECTS,)),
        DESCRIBE_TRAINING_JOBS,
        DESCRIBE_ENDPOINT,
        DESCRIBE_MODEL_PACKAGES,
        ANSWER_TASK_TOKENS,
    ),
)
ON_SAGEMAKER_EVENT: Final = LambdaSpec(
    "on_sagemaker_event",
    "Resumes CheckStatusWait when SageMaker reports a terminal status",
    CallbackSettings,
    (
        list_folder("FindTaskTokens", Folder.CALLBACKS),
        Grant("ReadTaskTokens", ("s3:GetObject", "s3:DeleteObject"), (Resource.CALLBACK_OBJECTS,)),
        ANSWER_TASK_TOKENS,
    ),
    asynchronous=True,
)
DEPLOY_MODEL: Final = LambdaSpec(
    "deploy_model",
    "Creates Model + EndpointConfig for this run, then creates or updates the endpoint",
    DeployModelSettings,
    (
        Grant(
            "ManageRunModels",
            (
                "sagemaker:CreateModel",
                "sagemaker:DescribeModel",
                "sagemaker:DeleteModel",
                "sagemaker:AddTags",
            ),
            (Resource.MODELS,),
        ),
        Grant(
            "ManageRunEndpointConfigs",
            (
                "sagemaker:CreateEndpointConfig",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:DeleteEndpointConfig",
                "sagemaker:AddTags",
            ),
            (Resource.ENDPOINT_CONFIGS,),
        ),
        # CreateEndpoint/UpdateEndpoint are authorized on the endpoint AND the config.
        Grant(
            "DeployEndpoint",
            ("sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:AddTags"),
            (Resource.ENDPOINT, Resource.ENDPOINT_CONFIGS),
        ),
        DESCRIBE_ENDPOINT,
        # UpdateEndpoint's AutoRollbackConfiguration: SageMaker requires DescribeAlarms on the
        # alarms it names (deployment guardrails' prerequisites).
        Grant("NameRollbackAlarms", ("cloudwatch:DescribeAlarms",), (Resource.ROLLBACK_ALARMS,)),
        # The package to deploy is re-described (Approved?) before any change.
        DESCRIBE_MODEL_PACKAGES,
        # Cleanup of older versions lists by name; List* has no resource-level permission.
        Grant(
            "ListVersions",
            ("sagemaker:ListModels", "sagemaker:ListEndpointConfigs"),
            (Resource.EVERY_RESOURCE,),
        ),
        pass_role(Resource.SAGEMAKER_ROLE, SAGEMAKER_SERVICE),
    ),
    timeout_seconds=120,
)
REGISTER_MODEL: Final = LambdaSpec(
    "register_model",
    "Registers the evaluated model as a version of the model's package group (idempotent)",
    RegisterModelSettings,
    (
        # CreateModelPackage is authorized on the package and its group; with Tags also as
        # AddTags. A retry finds the run's package by listing the group and describing.
        Grant(
            "RegisterModelPackages",
            ("sagemaker:CreateModelPackage", "sagemaker:AddTags"),
            (Resource.MODEL_PACKAGES, Resource.MODEL_PACKAGE_GROUP),
        ),
        # The gate's reason as the ApprovalDescription (CreateModelPackage takes none).
        Grant("DescribeRunApproval", ("sagemaker:UpdateModelPackage",), (Resource.MODEL_PACKAGES,)),
        Grant(
            "FindRunModelPackage",
            ("sagemaker:ListModelPackages", "sagemaker:DescribeModelPackage"),
            (Resource.MODEL_PACKAGES, Resource.MODEL_PACKAGE_GROUP),
        ),
    ),
)
EVALUATE_MODEL: Final = LambdaSpec(
    "evaluate_model",
    "Scores the new and the serving model on the run's holdout; decides whether it deploys",
    EvaluateModelSettings,
    (
        Grant("ReadHoldoutRows", ("s3:GetObject",), (Resource.DATA_OBJECTS,)),
        # The holdout manifest is read; the evaluation is written next to it.
        Grant("RecordEvaluation", ("s3:GetObject", "s3:PutObject"), (Resource.MANIFEST_OBJECTS,)),
        DESCRIBE_ENDPOINT,
        Grant("ScoreServingModel", ("sagemaker:InvokeEndpoint",), (Resource.ENDPOINT,)),
    ),
    timeout_seconds=300,
    memory_mb=512,
)
NOTIFY_SLACK: Final = LambdaSpec(
    "notify_slack",
    "Posts the stage/status (or failure) to Slack; never fails the run",
    NotifySlackSettings,
    (Grant("ReadSlackToken", ("secretsmanager:GetSecretValue",), (Resource.SLACK_SECRET,)),),
    layers=("slack_sdk",),
)
STOP_TRAINING_JOB: Final = LambdaSpec(
    "stop_training_job",
    "On a failed run, stops its training job if it is still running (idempotent)",
    CommonSettings,
    (
        Grant(
            "StopRunTrainingJobs",
            ("sagemaker:StopTrainingJob", "sagemaker:DescribeTrainingJob"),
            (Resource.TRAINING_JOBS,),
        ),
    ),
)
UPDATE_PARAMETERS: Final = LambdaSpec(
    "update_parameters",
    "Advances the SSM marker to this run's newest file date (never backwards)",
    UpdateParametersSettings,
    (
        Grant("AdvanceMarker", ("ssm:GetParameter", "ssm:PutParameter"), (Resource.MARKER,)),
        # CopyObject of the run's fingerprints onto the serving model's.
        Grant(
            "PromoteFingerprints", ("s3:GetObject", "s3:PutObject"), (Resource.MANIFEST_OBJECTS,)
        ),
    ),
)
RELEASE_RUN_LOCK: Final = LambdaSpec(
    "release_run_lock",
    "Releases the model's run lock this run holds; starts the follow-up run it was asked for",
    ReleaseRunLockSettings,
    (
        LIST_RUN_LOCK,
        HOLD_RUN_LOCK,
        Grant("StartFollowUpRun", ("states:StartExecution",), (Resource.STATE_MACHINE,)),
    ),
)
DEBOUNCE_UPLOAD: Final = LambdaSpec(
    "debounce_upload",
    "On a new data file, (re)sets a one-time schedule so a burst of uploads starts one run",
    DebounceUploadSettings,
    (
        Grant(
            "SetDebounceSchedule",
            ("scheduler:GetSchedule", "scheduler:CreateSchedule", "scheduler:UpdateSchedule"),
            (Resource.DEBOUNCE_SCHEDULE,),
        ),
        pass_role(Resource.SCHEDULER_ROLE, SCHEDULER_SERVICE),
    ),
    asynchronous=True,
)

# Functions the state machine invokes (placeholders in its definition).
PIPELINE_FUNCTIONS: Final = (
    CHECK_DATA,
    START_TRAINING_JOB,
    GET_STATUS,
    AWAIT_STATUS,
    EVALUATE_MODEL,
    REGISTER_MODEL,
    DEPLOY_MODEL,
    NOTIFY_SLACK,
    UPDATE_PARAMETERS,
    STOP_TRAINING_JOB,
    RELEASE_RUN_LOCK,
)
# Functions started by events, not by the state machine.
EVENT_FUNCTIONS: Final = (ON_SAGEMAKER_EVENT, DEBOUNCE_UPLOAD)
ALL_FUNCTIONS: Final = PIPELINE_FUNCTIONS + EVENT_FUNCTIONS
BY_KEY: Final = {spec.key: spec for spec in ALL_FUNCTIONS}
