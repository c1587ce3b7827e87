"""The Lambda functions this package provides and the environment each one reads.

Infra builds one Lambda (and one IAM role) per entry and sets exactly these variables;
the state-machine definition refers to a function by its key (as a deploy-time
placeholder); the settings parser of each handler reads these names. Standard library
only, like `contract`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# --- environment variable names --------------------------------------------------------------
MODEL_NAME: Final = "MODEL_NAME"
STACK_NAME: Final = "STACK_NAME"
LOG_LEVEL: Final = "LOG_LEVEL"
BUCKET: Final = "BUCKET"
DATA_PREFIX: Final = "DATA_PREFIX"  # e.g. data/<model>/train/
MANIFEST_PREFIX: Final = "MANIFEST_PREFIX"  # e.g. data/<model>/manifests/
ARTIFACT_PREFIX: Final = "ARTIFACT_PREFIX"  # e.g. data/<model>/artifacts/
CALLBACK_PREFIX: Final = "CALLBACK_PREFIX"  # e.g. data/<model>/callbacks/
MARKER_PARAMETER: Final = "MARKER_PARAMETER"  # /models/<model>/train/latest
TRAINING_WINDOW_DAYS: Final = "TRAINING_WINDOW_DAYS"
TIME_ZONE: Final = "TIME_ZONE"  # IANA name, e.g. Europe/Paris
TRAINING_IMAGE: Final = "TRAINING_IMAGE"
INFERENCE_IMAGE: Final = "INFERENCE_IMAGE"
SAGEMAKER_ROLE_ARN: Final = "SAGEMAKER_ROLE_ARN"
TRAINING_INSTANCE_TYPE: Final = "TRAINING_INSTANCE_TYPE"
TRAINING_INSTANCE_COUNT: Final = "TRAINING_INSTANCE_COUNT"
TRAINING_VOLUME_GB: Final = "TRAINING_VOLUME_GB"
TRAINING_MAX_RUNTIME_SECONDS: Final = "TRAINING_MAX_RUNTIME_SECONDS"
TRAINING_USE_SPOT: Final = "TRAINING_USE_SPOT"  # "true" / "false"
TRAINING_MAX_WAIT_SECONDS: Final = "TRAINING_MAX_WAIT_SECONDS"  # spot only
HYPERPARAMETERS: Final = "HYPERPARAMETERS"  # JSON object of strings
ENDPOINT_NAME: Final = "ENDPOINT_NAME"
ENDPOINT_INSTANCE_TYPE: Final = "ENDPOINT_INSTANCE_TYPE"
ENDPOINT_INSTANCE_COUNT: Final = "ENDPOINT_INSTANCE_COUNT"
KEEP_PREVIOUS_VERSIONS: Final = "KEEP_PREVIOUS_VERSIONS"  # Models/EndpointConfigs kept
SLACK_ENABLED: Final = "SLACK_ENABLED"  # "true" / "false"
SLACK_CHANNEL: Final = "SLACK_CHANNEL"
SLACK_TOKEN_SECRET_ARN: Final = "SLACK_TOKEN_SECRET_ARN"  # noqa: S105 (a variable name; Secrets Manager holds the token)
SLACK_API_URL: Final = "SLACK_API_URL"  # optional override (local Slack-compatible API)
STATE_MACHINE_ARN: Final = "STATE_MACHINE_ARN"
SCHEDULER_ROLE_ARN: Final = "SCHEDULER_ROLE_ARN"
SCHEDULE_GROUP: Final = "SCHEDULE_GROUP"
DEBOUNCE_SCHEDULE_NAME: Final = "DEBOUNCE_SCHEDULE_NAME"
DEBOUNCE_SECONDS: Final = "DEBOUNCE_SECONDS"

COMMON: Final = (MODEL_NAME, STACK_NAME, LOG_LEVEL)


@dataclass(frozen=True)
class FunctionSpec:
    key: str  # placeholder name in the definition, suffix of the Lambda's name
    module: str  # functions.<module>; the handler is functions.<module>.handler
    description: str
    required_env: tuple[str, ...]
    optional_env: tuple[str, ...] = ()
    # Lambda timeout; the state machine's task timeout is derived from it.
    timeout_seconds: int = 30
    memory_mb: int = 256

    @property
    def handler(self) -> str:
        return f"functions.{self.module}.handler"


CHECK_DATA: Final = FunctionSpec(
    "check_data",
    "check_data",
    "Selects the training window, compares it with the marker, writes the manifest",
    (
        *COMMON,
        BUCKET,
        DATA_PREFIX,
        MANIFEST_PREFIX,
        MARKER_PARAMETER,
        TRAINING_WINDOW_DAYS,
        TIME_ZONE,
    ),
    timeout_seconds=300,
    memory_mb=512,
)
START_TRAINING_JOB: Final = FunctionSpec(
    "start_training_job",
    "start_training_job",
    "Starts the SageMaker training job of this run (idempotent)",
    (
        *COMMON,
        BUCKET,
        ARTIFACT_PREFIX,
        TRAINING_IMAGE,
        SAGEMAKER_ROLE_ARN,
        TRAINING_INSTANCE_TYPE,
        TRAINING_INSTANCE_COUNT,
        TRAINING_VOLUME_GB,
        TRAINING_MAX_RUNTIME_SECONDS,
        TRAINING_USE_SPOT,
        HYPERPARAMETERS,
    ),
    (TRAINING_MAX_WAIT_SECONDS,),
    timeout_seconds=60,
)
GET_STATUS: Final = FunctionSpec(
    "get_status",
    "get_status",
    "Describes the training job or endpoint being watched",
    (*COMMON, ENDPOINT_NAME),
)
AWAIT_STATUS: Final = FunctionSpec(
    "await_status",
    "await_status",
    "Registers CheckStatusWait's task token; answers at once if already terminal",
    (*COMMON, BUCKET, CALLBACK_PREFIX),
)
ON_SAGEMAKER_EVENT: Final = FunctionSpec(
    "on_sagemaker_event",
    "on_sagemaker_event",
    "Resumes CheckStatusWait when SageMaker reports a terminal status",
    (*COMMON, BUCKET, CALLBACK_PREFIX),
)
DEPLOY_MODEL: Final = FunctionSpec(
    "deploy_model",
    "deploy_model",
    "Creates Model + EndpointConfig for this run, then creates or updates the endpoint",
    (
        *COMMON,
        ENDPOINT_NAME,
        INFERENCE_IMAGE,
        SAGEMAKER_ROLE_ARN,
        ENDPOINT_INSTANCE_TYPE,
        ENDPOINT_INSTANCE_COUNT,
        KEEP_PREVIOUS_VERSIONS,
    ),
    timeout_seconds=120,
)
NOTIFY_SLACK: Final = FunctionSpec(
    "notify_slack",
    "notify_slack",
    "Posts the stage/status (or failure) to Slack; never fails the run",
    (*COMMON, SLACK_ENABLED, SLACK_CHANNEL),
    (SLACK_TOKEN_SECRET_ARN, SLACK_API_URL),
)
UPDATE_PARAMETERS: Final = FunctionSpec(
    "update_parameters",
    "update_parameters",
    "Advances the SSM marker to this run's newest file date (never backwards)",
    (*COMMON, MARKER_PARAMETER),
)
DEBOUNCE_UPLOAD: Final = FunctionSpec(
    "debounce_upload",
    "debounce_upload",
    "On a new data file, (re)sets a one-time schedule so a burst of uploads starts one run",
    (
        *COMMON,
        STATE_MACHINE_ARN,
        SCHEDULER_ROLE_ARN,
        SCHEDULE_GROUP,
        DEBOUNCE_SCHEDULE_NAME,
        DEBOUNCE_SECONDS,
        TIME_ZONE,
    ),
)

# Functions the state machine invokes (placeholders in its definition).
PIPELINE_FUNCTIONS: Final = (
    CHECK_DATA,
    START_TRAINING_JOB,
    GET_STATUS,
    AWAIT_STATUS,
    DEPLOY_MODEL,
    NOTIFY_SLACK,
    UPDATE_PARAMETERS,
)
# Functions started by events, not by the state machine.
EVENT_FUNCTIONS: Final = (ON_SAGEMAKER_EVENT, DEBOUNCE_UPLOAD)
ALL_FUNCTIONS: Final = PIPELINE_FUNCTIONS + EVENT_FUNCTIONS
BY_KEY: Final = {spec.key: spec for spec in ALL_FUNCTIONS}
