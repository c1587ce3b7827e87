"""What every model package of a pipeline's registry carries, and how it gets approved.

Each evaluated model is registered as a version of the model's Model Package Group
(`contract.names.model_package_group_name`) by RegisterModel (functions.register_model),
whatever the quality gate decided, so the registry's history is whole:

- `CustomerMetadataProperties` (string values, SageMaker's limit): the keys below.
- `MetadataProperties`: `CommitId` = the git revision of the deployed stack, `GeneratedBy` =
  the execution ARN.
- `ModelMetrics.ModelQuality.Statistics`: the evaluation report's S3 URI.

The approval statuses are the approval stage's (`contract.status`).
"""

from __future__ import annotations

from typing import Final

from contract.status import APPROVAL_FAILED, APPROVAL_SUCCEEDED, APPROVAL_WAITING

# --- CustomerMetadataProperties keys ------------------------------------------------------
META_EXECUTION: Final = "execution"  # the execution name: how a retry finds its package
META_TRAINING_JOB: Final = "trainingJob"
META_WINDOW_START: Final = "windowStart"
META_WINDOW_END: Final = "windowEnd"
META_FILE_COUNT: Final = "fileCount"
META_NEWEST_DATE: Final = "newestDate"  # the marker's date once this package serves
META_MANIFEST_URI: Final = "manifestUri"
META_HOLDOUT_MANIFEST_URI: Final = "holdoutManifestUri"
META_METRIC: Final = "metric"
META_CHALLENGER_SCORE: Final = "challengerScore"
META_CHAMPION_SCORE: Final = "championScore"  # "none" when nothing served
META_GATE_DECISION: Final = "gateDecision"
META_STACK: Final = "stack"
META_MODEL: Final = "model"
METADATA_KEYS: Final = (
    META_EXECUTION,
    META_TRAINING_JOB,
    META_WINDOW_START,
    META_WINDOW_END,
    META_FILE_COUNT,
    META_NEWEST_DATE,
    META_MANIFEST_URI,
    META_HOLDOUT_MANIFEST_URI,
    META_METRIC,
    META_CHALLENGER_SCORE,
    META_CHAMPION_SCORE,
    META_GATE_DECISION,
    META_STACK,
    META_MODEL,
)
# A metadata value that is absent (no champion, no window): SageMaker wants strings.
META_NONE: Final = "none"

# --- approval modes (the per-model `approval` setting) -------------------------------------
APPROVAL_AUTOMATIC: Final = "automatic"  # the gate's pass approves (dev's default)
APPROVAL_MANUAL: Final = "manual"  # a person approves or rejects (prod's default)
APPROVAL_MODES: Final = (APPROVAL_AUTOMATIC, APPROVAL_MANUAL)

# --- approval statuses (SageMaker's ModelApprovalStatus) -----------------------------------
(PENDING_MANUAL_APPROVAL,) = APPROVAL_WAITING
(APPROVED,) = APPROVAL_SUCCEEDED
(REJECTED,) = APPROVAL_FAILED

# The rollback run input's value for "the package that served before the current one".
ROLLBACK_PREVIOUS: Final = "previous"
# What the git revision says when infra could not tell (not deployed from a checkout).
GIT_REVISION_UNKNOWN: Final = "unknown (not deployed from a git checkout)"
