"""UpdateParameters: advance the SSM marker to this run's newest file date, never backwards.

Event: `{newestDate, execution: {name}}`. Result (`$.marker`): `{before, after,
advanced}`. Reached only after DeploymentCompleted. If the marker already holds a date
at or after `newestDate` (another run got further), it is kept as it is.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from contract.document import DATA_NEWEST_DATE
from contract.lambdas import UPDATE_PARAMETERS
from functions import clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.markers import read_marker, write_marker
from functions.payload import field, parse_date

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


def advance_marker(
    ssm: SSMClient, parameter: str, newest: date, log: StructuredLogger
) -> dict[str, Any]:
    before = read_marker(ssm, parameter)
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


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(UPDATE_PARAMETERS)
SSM = clients.ssm()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    newest = parse_date(
        event.get(DATA_NEWEST_DATE) if isinstance(event, dict) else None,
        f"event field {DATA_NEWEST_DATE}",
    )
    field(event, "execution.name", str)
    return advance_marker(SSM, SETTINGS.marker_parameter, newest, LOG)
