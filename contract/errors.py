"""The errors the functions raise on purpose, and the errors an execution can end with.

Lambda reports an unhandled exception by its class name, and Step Functions uses that name
as the state's error: the names below are taken from the classes, so the definition catches
exactly what the functions raise.

- `SettingsError` (every function, at import = cold start): an environment variable is
  missing or malformed.
- `InputValidationError` (every pipeline function): the event (execution input, payload
  fields) does not have the shape `contract.document` describes.
- `DataValidationError` (check_data): a data file's name or content is unusable; nothing
  was written.
- `ManifestWriteError` (check_data): the run's manifest could not be written to S3; no
  training job was started.
- `MarkerError` (check_data, update_parameters): the SSM marker is not a YYYY-MM-DD date.
- `RunLockError` (check_data, release_run_lock): the model's run lock object is unreadable,
  or stayed contended through every attempt.
- `EndpointNotReadyError` (check_data): the model's endpoint exists but is not InService
  (broken, or busy with a change no run of this pipeline makes): the run stops before it
  takes the run lock, trains or writes anything.
- `TrainingStartError` (start_training_job): the function failed after this run's training
  job may have been created; the message says whether the job was stopped (the failure
  path cannot: a failed task leaves no `$.status` naming the job).
- `EndpointNotUpdatableError` (deploy_model): the endpoint's state refuses this run's
  update (busy with another config, Failed, UpdateRollbackFailed, ...).
- `EvaluationError` (check_data, evaluate_model): the quality gate cannot score the new
  model (no file left to train on after the holdout, an empty holdout, no test metric on
  the training job, the endpoint failing to answer, unreadable rows). It fails closed: the
  run ends in `EvaluationFailed`, nothing is deployed.
- `ModelNotApprovedError` (deploy_model): the model package this run would deploy is not
  Approved in the registry (DescribeModelPackage, just before any change): nothing changed.
- `MarkerWriteError` (update_parameters): SSM refused to read or write the marker (throttled,
  AccessDenied, a 500). The definition retries it; when it lasts, the run ends in
  `MarkerNotAdvanced`: the new model serves, the marker is behind.
"""

from __future__ import annotations

from typing import Final


class SettingsError(Exception):
    """The function's environment is missing a variable or holds a malformed one."""


class InputValidationError(Exception):
    """The event does not have the shape the function's contract requires."""


class DataValidationError(Exception):
    """A training data file cannot be used; the run stops before anything is written."""


class ManifestWriteError(Exception):
    """S3 refused the run's manifest; the message names it. Nothing was trained."""


class MarkerError(Exception):
    """The SSM marker parameter holds a value that is not a YYYY-MM-DD date."""


class RunLockError(Exception):
    """The model's run lock could not be read, taken or released; the message says which."""


class EndpointNotReadyError(Exception):
    """The endpoint is not InService; the message names its status, reason and the remedy."""


class TrainingStartError(Exception):
    """StartTrainingJob failed with the run's job created; the message says if it was stopped."""


class EndpointNotUpdatableError(Exception):
    """The endpoint is busy with someone else's configuration, or broken."""


class EvaluationError(Exception):
    """The quality gate could not score the new model (or the serving one); nothing deploys."""


class OrphanedTrainingStoppingError(Exception):
    """A training job left running by a run that ended without its failure path is still
    stopping; the definition retries CheckData until it has stopped (one training at a time)."""


class ModelNotApprovedError(Exception):
    """The model package to deploy is not Approved; the message names it and its status."""


class MarkerWriteError(Exception):
    """SSM did not let UpdateParameters advance the marker; the message says what serves."""


# --- as Step Functions names them ---------------------------------------------------------
ERROR_SETTINGS: Final = SettingsError.__name__
ERROR_INPUT_VALIDATION: Final = InputValidationError.__name__
ERROR_DATA_VALIDATION: Final = DataValidationError.__name__
ERROR_MANIFEST_WRITE: Final = ManifestWriteError.__name__
ERROR_MARKER: Final = MarkerError.__name__
ERROR_RUN_LOCK: Final = RunLockError.__name__
ERROR_ENDPOINT_NOT_READY: Final = EndpointNotReadyError.__name__
ERROR_TRAINING_START: Final = TrainingStartError.__name__
ERROR_ENDPOINT_NOT_UPDATABLE: Final = EndpointNotUpdatableError.__name__
ERROR_MARKER_WRITE: Final = MarkerWriteError.__name__
ERROR_EVALUATION: Final = EvaluationError.__name__
ERROR_ORPHANED_TRAINING_STOPPING: Final = OrphanedTrainingStoppingError.__name__
ERROR_MODEL_NOT_APPROVED_TO_DEPLOY: Final = ModelNotApprovedError.__name__
# Raised by the definition itself (Fail states inside the wait loop).
ERROR_STATUS_CHECK_TIMED_OUT: Final = "Pipeline.StatusCheckTimedOut"
ERROR_STATUS_UNREADABLE: Final = "Pipeline.StatusUnreadable"
ERROR_EVALUATION_UNREADABLE: Final = "Pipeline.EvaluationUnreadable"
# The errors an execution ends with (its Fail states): what alarms and dashboards see.
ERROR_TRAINING_FAILED: Final = "TrainingFailed"
ERROR_DEPLOYMENT_FAILED: Final = "DeploymentFailed"
# The quality gate could not evaluate the new model: nothing deployed, the marker untouched.
ERROR_EVALUATION_FAILED: Final = "EvaluationFailed"
# The quality gate rejected the new model: the previous one keeps serving, the marker stays.
ERROR_MODEL_REJECTED: Final = "ModelRejected"
# The model package was Rejected in the registry (by a person, or by the approval deadline
# passing): the previous model keeps serving, the marker stays.
ERROR_MODEL_NOT_APPROVED: Final = "ModelNotApproved"
# The new model serves but the marker could not be advanced (a lasting MarkerWriteError).
ERROR_MARKER_NOT_ADVANCED: Final = "MarkerNotAdvanced"
# The new model serves and the marker advanced, but ReleaseRunLock failed (its RunLockError
# says whether the follow-up run started); the next run reclaims the lock.
ERROR_RUN_LOCK_NOT_RELEASED: Final = "RunLockNotReleased"
