"""SageMaker's limits that the stack's config, the Lambdas and the definition all respect."""

from __future__ import annotations

import re
from typing import Final

# MaxRuntimeInSeconds and MaxWaitTimeInSeconds (CreateTrainingJob) are at most 28 days.
SAGEMAKER_MAX_RUNTIME_SECONDS: Final = 28 * 24 * 3600

# HyperParameters (CreateTrainingJob): at most 100 entries, names of at most 256 characters,
# values of at most 2,500.
MAX_HYPERPARAMETERS: Final = 100
MAX_HYPERPARAMETER_KEY: Final = 256
MAX_HYPERPARAMETER_VALUE: Final = 2500

# TrainingJobName, ModelName, EndpointConfigName, EndpointName.
MAX_NAME_LENGTH: Final = 63
NAME_PATTERN: Final = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
# How run resources are named within this limit (and how long a model name may be):
# contract.names.

# InvokeEndpoint: a request body (and a response) of at most 6 MB. The quality gate's scoring
# batches stay well under it (the CSV lines of one request, without the margin).
INVOKE_ENDPOINT_MAX_PAYLOAD_BYTES: Final = 6 * 1024 * 1024
INVOKE_ENDPOINT_BATCH_BYTES: Final = 5 * 1024 * 1024

# Deployment guardrails (UpdateEndpoint's DeploymentConfig). TrafficRoutingConfig:
# WaitIntervalInSeconds 0-3600; a canary of at most 50% of the variant's instances; linear
# steps of 10-50% of them. BlueGreenUpdatePolicy: TerminationWaitInSeconds 0-3600,
# MaximumExecutionTimeoutInSeconds 600-28800 and larger than the waits it holds.
# AutoRollbackConfiguration: 1 to 10 alarms. CapacitySize: a value of at least 1.
ROLLOUT_WAIT_INTERVAL_MAX_SECONDS: Final = 3600
ROLLOUT_TERMINATION_WAIT_MAX_SECONDS: Final = 3600
ROLLOUT_TIMEOUT_MIN_SECONDS: Final = 600
ROLLOUT_TIMEOUT_MAX_SECONDS: Final = 28_800
CANARY_SIZE_MAX_PERCENT: Final = 50
LINEAR_STEP_MIN_PERCENT: Final = 10
LINEAR_STEP_MAX_PERCENT: Final = 50
AUTO_ROLLBACK_MAX_ALARMS: Final = 10
