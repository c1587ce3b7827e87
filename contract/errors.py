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
- `EndpointNotUpdatableError` (deploy_model): the endpoint's state refuses this run's
  update (busy with another config, Failed, UpdateRollbackFailed, ...).
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


class EndpointNotUpdatableError(Exception):
    """The endpoint is busy with someone else's configuration, or broken."""


class MarkerWriteError(Exception):
    """SSM did not let UpdateParameters advance the marker; the message says what serves."""


# --- as Step Functions names them ---------------------------------------------------------
ERROR_SETTINGS: Final = SettingsError.__name__
ERROR_INPUT_VALIDATION: Final = InputValidationError.__name__
ERROR_DATA_VALIDATION: Final = DataValidationError.__name__
ERROR_MANIFEST_WRITE: Final = ManifestWriteError.__name__
ERROR_MARKER: Final = MarkerError.__name__
ERROR_RUN_LOCK: Final = RunLockError.__name__
ERROR_ENDPOINT_NOT_UPDATABLE: Final = EndpointNotUpdatableError.__name__
ERROR_MARKER_WRITE: Final = MarkerWriteError.__name__
# Raised by the definition itself (Fail states inside the wait loop).
ERROR_STATUS_CHECK_TIMED_OUT: Final = "Pipeline.StatusCheckTimedOut"
ERROR_STATUS_UNREADABLE: Final = "Pipeline.StatusUnreadable"
# The errors an execution ends with (its Fail states): what alarms and dashboards see.
ERROR_TRAINING_FAILED: Final = "TrainingFailed"
ERROR_DEPLOYMENT_FAILED: Final = "DeploymentFailed"
# The new model serves but the marker could not be advanced (a lasting MarkerWriteError).
ERROR_MARKER_NOT_ADVANCED: Final = "MarkerNotAdvanced"
# The new model serves and the marker advanced, but ReleaseRunLock failed (its RunLockError
# says whether the follow-up run started); the next run reclaims the lock.
ERROR_RUN_LOCK_NOT_RELEASED: Final = "RunLockNotReleased"
