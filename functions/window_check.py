"""Which window files this run must read, and whether the window holds together.

Changed history
    A window file dated at or before the marker was trained on by the serving model. When
    the serving model's fingerprints (functions.fingerprints) do not list it (a day
    backfilled behind the marker) or list another ETag (the day was overwritten), the
    window's history changed since that model trained. The stack's `changedHistory` decides
    what happens (CheckData): retrain the window, or fail the run naming the files.

Files read again
    Every file new to the serving model (after the marker, backfilled, overwritten), or every
    window file on a first or forced run, is validated in full (functions.csv_validation).
    An unchanged file is not read: its column count is the one recorded when it was trained.

Columns across the window
    SageMaker reads the window as one data set: every file must have the same number of
    columns. The window's count is the one most of its files have; a file with another count
    fails the run before anything is written, naming it and both counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from contract.errors import DataValidationError
from functions.csv_validation import CONSEQUENCE, validate_object
from functions.data_files import DataFile
from functions.drift import ColumnSums
from functions.fingerprints import Fingerprint

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

OVERWRITTEN = "overwritten after the serving model trained on it (its ETag changed)"
BACKFILLED = "added at or before the marker, after the serving model was trained"
MAX_FILES_NAMED = 5


@dataclass(frozen=True)
class ChangedFile:
    key: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "reason": self.reason}


def changed_history(
    files: tuple[DataFile, ...], marker: date | None, serving: dict[str, Fingerprint] | None
) -> tuple[ChangedFile, ...]:
    """Trained days whose content is not what the serving model trained on."""
    if marker is None or serving is None:
        return ()  # nothing trained yet, or trained before fingerprints were recorded
    changed = []
    for data_file in files:
        if data_file.day > marker:
            continue
        known = serving.get(data_file.key)
        if known is None:
            changed.append(ChangedFile(data_file.key, BACKFILLED))
        elif known.etag != data_file.etag:
            changed.append(ChangedFile(data_file.key, OVERWRITTEN))
    return tuple(changed)


def fingerprint_window(
    s3: S3Client,
    bucket: str,
    files: tuple[DataFile, ...],
    to_read: set[str],
    serving: dict[str, Fingerprint] | None,
) -> dict[str, Fingerprint]:
    """Each window file's fingerprint, reading (and validating) those in `to_read`."""
    fingerprints: dict[str, Fingerprint] = {}
    for data_file in files:
        known = (serving or {}).get(data_file.key)
        fingerprint: Fingerprint
        if data_file.key in to_read:
            summary = validate_object(s3, bucket, data_file.key)
            # Its column sums, for the drift report's baseline in later runs.
            stats = ColumnSums(summary.rows, summary.sums, summary.squares)
            fingerprint = Fingerprint(data_file.etag, summary.columns, stats)
        elif known is not None and known.etag == data_file.etag:
            fingerprint = known  # unchanged since it was validated and trained on
        else:
            # Trained before fingerprints were recorded: trusted, as it was.
            fingerprint = Fingerprint(data_file.etag, None)
        fingerprints[data_file.key] = fingerprint
    check_columns(bucket, fingerprints)
    return fingerprints


def check_columns(bucket: str, fingerprints: dict[str, Fingerprint]) -> None:
    counts = Counter(f.columns for f in fingerprints.values() if f.columns is not None)
    if len(counts) <= 1:
        return
    expected, agreeing = counts.most_common(1)[0]
    odd = [(key, f.columns) for key, f in fingerprints.items() if f.columns not in (None, expected)]
    named = "; ".join(
        f"s3://{bucket}/{key} has {columns}" for key, columns in odd[:MAX_FILES_NAMED]
    )
    more = f" (and {len(odd) - MAX_FILES_NAMED} more)" if len(odd) > MAX_FILES_NAMED else ""
    raise DataValidationError(
        f"the window's files do not all have the same number of columns: {named}{more}, where "
        f"{agreeing} of its files have {expected}. SageMaker trains on the window as one data "
        f"set, so every file needs the target then the same features. {CONSEQUENCE}"
    )
