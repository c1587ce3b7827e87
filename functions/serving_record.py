"""What a deployed model leaves behind once it serves: the marker and the serving fingerprints.

UpdateParameters does both after DeploymentCompleted; CheckData does them again when a run's
model went into service but its marker write failed for good (MarkerNotAdvanced), so that the
next run does not train the same data (functions.serving_endpoint). Never backwards, but
for an older window deployed on purpose (UpdateParameters only).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from functions import fingerprints
from functions.logs import StructuredLogger
from functions.markers import read_marker, write_marker

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient


def advance_marker(
    ssm: SSMClient,
    parameter: str,
    newest: date,
    log: StructuredLogger,
    *,
    older_window_deployed: bool = False,
) -> dict[str, Any]:
    """The marker moves to `newest`, never backwards, except when the run deployed an older
    window on purpose (`allowOlderWindow`): the serving model then covers only `newest`, and
    a marker left ahead would make the next run skip the newer days it lacks."""
    before = read_marker(ssm, parameter)
    if before is not None and before > newest and older_window_deployed:
        write_marker(ssm, parameter, newest)
        log.warning(
            "marker moved back: this run deployed an older window on purpose",
            before=before,
            after=newest,
        )
        return {"before": before.isoformat(), "after": newest.isoformat(), "advanced": True}
    if before is not None and before >= newest:
        log.info(
            "marker kept: it is already at or after this run's newest date",
            before=before,
            newestDate=newest,
        )
        return {"before": before.isoformat(), "after": before.isoformat(), "advanced": False}
    write_marker(ssm, parameter, newest)
    log.info("marker advanced", before=before, after=newest)
    return {
        "before": before.isoformat() if before else None,
        "after": newest.isoformat(),
        "advanced": True,
    }


def promote_fingerprints(
    s3: S3Client, bucket: str, manifest_prefix: str, execution_name: str, log: StructuredLogger
) -> bool:
    """The run's file fingerprints become the serving model's (functions.fingerprints).

    Before the marker: a failure here leaves the previous record, so the next run sees this
    run's files as changed history and says so (retrain or report), never silently. It is
    not the run's failure: the new model serves and the marker must still advance. True when
    they were promoted.
    """
    try:
        target = fingerprints.promote(s3, bucket, manifest_prefix, execution_name)
    except ClientError as error:
        log.warning(
            "the run's fingerprints were not recorded as the serving model's; the next run "
            "will report this run's files as changed history",
            execution=execution_name,
            error=str(error),
        )
        return False
    log.info("fingerprints recorded as the serving model's", fingerprints=target)
    return True
