"""What the serving model was trained on: each window file's ETag, column count and column sums.

Why
    Files at or before the marker are not re-read (a 730-day window would cost 730 GETs a
    run), yet such a file may change after training: overwritten with new content (a header
    row SageMaker then rejects, other columns), or a day backfilled behind the marker. The
    listing CheckData makes anyway carries each object's ETag, which changes with the
    content, so comparing ETags finds every such file at no extra S3 request, and only the
    files that are new or changed are read again.

Where
    CheckData writes the run's fingerprints (every window file it trains on: key -> ETag,
    column count) next to the manifest, `<manifest prefix><execution>.fingerprints.json`.
    UpdateParameters, once the new model serves, copies them to
    `<manifest prefix>serving/fingerprints.json` (a `/` no execution name can contain): the
    files the serving model trained on. A failed run never touches the serving ones.

A stack upgraded from a version without fingerprints has none: old files are then trusted as
before (their columns unknown) until the first successful run records them.

Format versions
    1: `{etag, columns}` per file. 2 adds `stats` (`functions.drift.ColumnSums`: rows, and per
    column the sum and sum of squares), recorded when a file is first read, for the drift
    report's baseline. A version-1 record, or a file trusted without being read, has no stats:
    the drift report leaves it out of the baseline and counts it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contract.errors import DataValidationError
from functions.drift import ColumnSums

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SERVING_NAME = "serving/fingerprints.json"
FORMAT_VERSION = 2


@dataclass(frozen=True)
class Fingerprint:
    etag: str
    columns: int | None  # None: a file trusted from before fingerprints, never re-read
    stats: ColumnSums | None = None  # None: recorded before version 2, or never read


def run_key(manifest_prefix: str, execution_name: str) -> str:
    return f"{manifest_prefix}{execution_name}.fingerprints.json"


def serving_key(manifest_prefix: str) -> str:
    return f"{manifest_prefix}{SERVING_NAME}"


def read_serving(s3: S3Client, bucket: str, manifest_prefix: str) -> dict[str, Fingerprint] | None:
    """The serving model's fingerprints by data key; None when none were ever recorded."""
    key = serving_key(manifest_prefix)
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    try:
        document = json.loads(body)
        return {
            data_key: Fingerprint(
                str(entry["etag"]),
                None if entry["columns"] is None else int(entry["columns"]),
                None if entry.get("stats") is None else ColumnSums.from_dict(entry["stats"]),
            )
            for data_key, entry in document["files"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DataValidationError(
            f"s3://{bucket}/{key} is not a fingerprints document ({error!r}): delete it and run "
            "with force to retrain and record the window again"
        ) from None


def write_run(
    s3: S3Client,
    bucket: str,
    manifest_prefix: str,
    execution_name: str,
    fingerprints: dict[str, Fingerprint],
) -> str:
    key = run_key(manifest_prefix, execution_name)
    document: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "execution": execution_name,
        "files": {
            data_key: {
                "etag": f.etag,
                "columns": f.columns,
                "stats": None if f.stats is None else f.stats.as_dict(),
            }
            for data_key, f in sorted(fingerprints.items())
        },
    }
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(document, indent=0).encode("utf-8"),
        ContentType="application/json",
    )
    return key


def copy_run(
    s3: S3Client, bucket: str, manifest_prefix: str, from_execution: str, to_execution: str
) -> str:
    """A rollback run's fingerprints: those of the run that trained the model it redeploys."""
    target = run_key(manifest_prefix, to_execution)
    s3.copy_object(
        Bucket=bucket,
        Key=target,
        CopySource={"Bucket": bucket, "Key": run_key(manifest_prefix, from_execution)},
        ContentType="application/json",
        MetadataDirective="REPLACE",
    )
    return target


def promote(s3: S3Client, bucket: str, manifest_prefix: str, execution_name: str) -> str:
    """The run's fingerprints become the serving model's (after a successful deployment)."""
    target = serving_key(manifest_prefix)
    s3.copy_object(
        Bucket=bucket,
        Key=target,
        CopySource={"Bucket": bucket, "Key": run_key(manifest_prefix, execution_name)},
        ContentType="application/json",
        MetadataDirective="REPLACE",
    )
    return target
