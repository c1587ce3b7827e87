"""UpdateParameters: advance the SSM marker to this run's newest file date, never backwards.

Event: `{newestDate, execution: {name}}`. Result (`$.marker`): `{before, after,
advanced}`. Reached only after DeploymentCompleted. If the marker already holds a date
at or after `newestDate` (another run got further), it is kept as it is.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from functions import clients, contract
from functions.logs import StructuredLogger
from functions.markers import read_marker, write_marker
from functions.payload import field, parse_date
from functions.settings import UpdateParametersSettings

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


# --- Lambda entry point (cold start: settings and clients) --------------------------------
SETTINGS = UpdateParametersSettings.from_env()
LOG = StructuredLogger("update_parameters", SETTINGS.common.log_level)
SSM = clients.ssm()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with LOG.invocation(event):
        newest = parse_date(
            event.get(contract.DATA_NEWEST_DATE) if isinstance(event, dict) else None,
            f"event field {contract.DATA_NEWEST_DATE}",
        )
        field(event, "execution.name", str)
        return advance_marker(SSM, SETTINGS.marker_parameter, newest, LOG)
