"""The errors the functions raise on purpose.

Lambda reports an unhandled exception by its class name, and Step Functions uses that
name as the state's error: these class names ARE the error names the state machine sees
(the ones in `contract` are spelled there so the definition can catch them by name).

- `SettingsError` (every module, at import = cold start): an environment variable is
  missing or malformed.
- `InputValidationError` (every pipeline function): the event (execution input, payload
  fields) does not have the contract's shape.
- `DataValidationError` (check_data): a data file's name or content is unusable; nothing
  was written.
- `ManifestWriteError` (check_data): the run's manifest could not be written to S3; no
  training job was started.
- `MarkerError` (check_data, update_parameters): the SSM marker is not a YYYY-MM-DD date.
- `EndpointNotUpdatableError` (deploy_model): the endpoint's state refuses this run's
  update (busy with another config, Failed, UpdateRollbackFailed, ...).
"""

from __future__ import annotations


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


class EndpointNotUpdatableError(Exception):
    """The endpoint is busy with someone else's configuration, or broken."""
