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
