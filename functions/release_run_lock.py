"""ReleaseRunLock: give back the model's run lock at the end of a run, success or failure.

Event: `{execution: {name, id}}`. Result (`$.lock`): `{released, heldBy, followUp}`:
`released` when this run held the lock (a run that stood aside, or failed before taking
it, holds none: `heldBy` names the holder, if any); `followUp` is the run started for the
runs that stood aside with new data (`{name, arn, requestedBy}`), or null. The lock and the
follow-up rule live in `functions.run_lock`.
"""

from __future__ import annotations

from typing import Any

from contract.lambdas import RELEASE_RUN_LOCK
from functions import clients
from functions.cold_start import cold_start
from functions.payload import field
from functions.run_lock import Owner, release

# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(RELEASE_RUN_LOCK)
S3, SFN = clients.s3(), clients.stepfunctions()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    run = Owner(field(event, "execution.name", str), field(event, "execution.id", str))
    result = release(
        s3=S3,
        sfn=SFN,
        bucket=SETTINGS.bucket,
        key=SETTINGS.run_lock_key,
        run=run,
        state_machine_arn=SETTINGS.state_machine_arn,
    )
    LOG.info("run lock released" if result["released"] else "run lock not held", **result)
    return result
