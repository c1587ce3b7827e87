"""Physical names of everything the program creates, derived from stack and model names.

Names are explicit (no Pulumi auto-naming suffix) wherever another resource must refer to a
resource before it exists: the state machine's ARN is granted to `check_data` and to the
scheduler role, and set in `debounce_upload`'s environment, while the state machine itself
needs the functions. Building its ARN from region, account and this explicit name breaks
that cycle. Explicit names also make a deployed stack readable in the console.

Every name stays within its AWS length limit: a name that would be too long is cut and
ends with 8 hex digits of the SHA-256 of the full name, so it stays unique and stable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from contract import names

PROJECT = "retraining"

# AWS limits (characters).
LAMBDA_NAME_MAX = 64
IAM_ROLE_NAME_MAX = 64
STATE_MACHINE_NAME_MAX = 80
SCHEDULE_GROUP_NAME_MAX = 64
EVENT_RULE_NAME_MAX = 64
S3_BUCKET_NAME_MAX = 63
SECRET_NAME_MAX = 512
LAYER_NAME_MAX = 64
SNS_TOPIC_NAME_MAX = 256
ALARM_NAME_MAX = 255

_HASH_LENGTH = 8


def bounded(name: str, limit: int) -> str:
    """`name` if it fits in `limit` characters, else a cut of it plus a hash of all of it."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    return f"{name[: limit - _HASH_LENGTH - 1].rstrip('-_./')}-{digest}"


@dataclass(frozen=True)
class StackNames:
    """Names shared by every model pipeline of a stack."""

    stack: str

    @property
    def prefix(self) -> str:
        return f"{PROJECT}-{self.stack}"

    def bucket(self, account_id: str, region: str) -> str:
        # Bucket names are global: the account and region make them unique.
        return bounded(f"{self.prefix}-{account_id}-{region}".lower(), S3_BUCKET_NAME_MAX)

    @property
    def slack_secret(self) -> str:
        return bounded(f"{PROJECT}/{self.stack}/slack-token", SECRET_NAME_MAX)

    @property
    def slack_layer(self) -> str:
        return bounded(f"{self.prefix}-slack-sdk", LAYER_NAME_MAX)

    @property
    def alarm_topic(self) -> str:
        return bounded(f"{self.prefix}-alarms", SNS_TOPIC_NAME_MAX)


@dataclass(frozen=True)
class ModelNames:
    """Names of one model pipeline's resources, and the S3/SSM locations it uses."""

    stack: str
    model: str

    @property
    def prefix(self) -> str:
        return f"{PROJECT}-{self.stack}-{self.model}"

    # --- compute -------------------------------------------------------------------------
    def function(self, key: str) -> str:
        return bounded(f"{self.prefix}-{key.replace('_', '-')}", LAMBDA_NAME_MAX)

    def function_role(self, key: str) -> str:
        return bounded(f"{self.prefix}-{key.replace('_', '-')}", IAM_ROLE_NAME_MAX)

    def function_log_group(self, key: str) -> str:
        return f"/aws/lambda/{self.function(key)}"

    @property
    def state_machine(self) -> str:
        return bounded(self.prefix, STATE_MACHINE_NAME_MAX)

    @property
    def state_machine_role(self) -> str:
        return bounded(f"{self.prefix}-states", IAM_ROLE_NAME_MAX)

    @property
    def state_machine_log_group(self) -> str:
        # The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy (which vended
        # log delivery edits) from growing with every log group.
        return f"/aws/vendedlogs/states/{self.state_machine}"

    @property
    def sagemaker_role(self) -> str:
        return bounded(f"{self.prefix}-sagemaker", IAM_ROLE_NAME_MAX)

    # --- triggers ------------------------------------------------------------------------
    @property
    def schedule_group(self) -> str:
        return bounded(self.prefix, SCHEDULE_GROUP_NAME_MAX)

    @property
    def recurring_schedule(self) -> str:
        return "scheduled-run"

    @property
    def debounce_schedule(self) -> str:
        return "upload-debounce"

    @property
    def scheduler_role(self) -> str:
        return bounded(f"{self.prefix}-scheduler", IAM_ROLE_NAME_MAX)

    @property
    def training_events_rule(self) -> str:
        return bounded(f"{self.prefix}-training-events", EVENT_RULE_NAME_MAX)

    @property
    def endpoint_events_rule(self) -> str:
        return bounded(f"{self.prefix}-endpoint-events", EVENT_RULE_NAME_MAX)

    @property
    def model_package_events_rule(self) -> str:
        return bounded(f"{self.prefix}-model-package-events", EVENT_RULE_NAME_MAX)

    @property
    def deployment_events_rule(self) -> str:
        return bounded(f"{self.prefix}-deployment-events", EVENT_RULE_NAME_MAX)

    @property
    def upload_rule(self) -> str:
        return bounded(f"{self.prefix}-uploads", EVENT_RULE_NAME_MAX)

    def rollback_alarm_name(self, metric: str) -> str:
        """The rollback alarm on `metric` (contract.names: DeployModel and GetStatus agree)."""
        return names.rollback_alarm_name(self.stack, self.model, metric)

    @property
    def rollback_alarms(self) -> tuple[str, ...]:
        return names.rollback_alarm_names(self.stack, self.model)

    @property
    def failure_alarm(self) -> str:
        return bounded(f"{self.prefix}-executions-failed", ALARM_NAME_MAX)

    # --- what the pipeline itself creates or writes (contract.names: scoped by stack) ---
    @property
    def endpoint(self) -> str:
        """`<stack>--<model>`: each stack serves its own endpoint, even in a shared account."""
        return names.scope(self.stack, self.model)

    @property
    def run_resource_prefix(self) -> str:
        """Training jobs, Models and EndpointConfigs are `<stack>--<model>--<run suffix>`."""
        return names.run_resource_prefix(self.stack, self.model)

    @property
    def model_package_group(self) -> str:
        """The model's registry: every evaluated model is a version of it."""
        return names.model_package_group_name(self.stack, self.model)

    @property
    def marker_parameter(self) -> str:
        return names.marker_parameter(self.stack, self.model)

    @property
    def data_prefix(self) -> str:
        return f"data/{self.model}/train/"

    @property
    def manifest_prefix(self) -> str:
        return f"data/{self.model}/manifests/"

    @property
    def artifact_prefix(self) -> str:
        return f"data/{self.model}/artifacts/"

    @property
    def callback_prefix(self) -> str:
        return f"data/{self.model}/callbacks/"

    @property
    def run_lock_prefix(self) -> str:
        return f"data/{self.model}/lock/"

    @property
    def run_lock_key(self) -> str:
        """The model's single-flight run lock (functions.run_lock)."""
        return f"{self.run_lock_prefix}run.lock"
