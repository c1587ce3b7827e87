"""The model's run lock (functions.run_lock) against moto's S3 conditional writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contract.document import INPUT_TRIGGER, TRIGGER_FOLLOW_UP
from contract.errors import RunLockError
from functions import run_lock
from functions.run_lock import Claim, Owner

from .conftest import BUCKET, RUN_LOCK_KEY

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 10, 5, 0, tzinfo=UTC)
TIMEOUT = 30_600
SAME = Claim("2026-01-09", 3)
NEWER = Claim("2026-01-10", 4)


@pytest.fixture
def machine(sfn) -> str:
    return str(
        sfn.create_state_machine(
            name="retraining-dev",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
    )


@pytest.fixture
def start(sfn, machine):
    def run(name: str) -> Owner:
        return Owner(name, sfn.start_execution(stateMachineArn=machine, name=name)["executionArn"])

    return run


def acquire(s3, sfn, run: Owner, claim: Claim = SAME, now: datetime = NOW) -> run_lock.Acquisition:
    return run_lock.acquire(
        s3=s3,
        sfn=sfn,
        bucket=BUCKET,
        key=RUN_LOCK_KEY,
        run=run,
        now=now,
        timeout_seconds=TIMEOUT,
        claim=claim,
    )


def release(s3, sfn, run: Owner, machine: str) -> dict[str, Any]:
    return run_lock.release(
        s3=s3, sfn=sfn, bucket=BUCKET, key=RUN_LOCK_KEY, run=run, state_machine_arn=machine
    )


def lock_body(s3) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=RUN_LOCK_KEY)["Body"].read())


def lock_exists(s3) -> bool:
    return "Contents" in s3.list_objects_v2(Bucket=BUCKET, Prefix=RUN_LOCK_KEY)


def test_the_first_run_takes_the_lock_with_its_owner_and_expiry(s3, sfn, start):
    owner = start("owner")
    assert acquire(s3, sfn, owner) == run_lock.Acquisition(acquired=True, owner="owner")
    body = lock_body(s3)
    assert body["owner"] == {"name": "owner", "arn": owner.arn}
    assert body["acquiredAt"] == "2026-01-10T05:00:00Z"
    assert body["expiresAt"] == "2026-01-10T13:30:00Z"  # + the state machine's timeout
    assert body["followUp"] is None
    # A retried CheckData of the same run still holds it.
    assert acquire(s3, sfn, owner).acquired


def test_a_run_with_the_same_data_stands_aside_naming_the_owner(s3, sfn, start):
    acquire(s3, sfn, start("owner"))
    aside = acquire(s3, sfn, start("another"))
    assert aside == run_lock.Acquisition(acquired=False, owner="owner")
    assert lock_body(s3)["followUp"] is None


def test_a_run_with_newer_data_asks_the_owner_for_a_follow_up_once(s3, sfn, start):
    acquire(s3, sfn, start("owner"))
    upload = start("upload")
    assert acquire(s3, sfn, upload, NEWER).follow_up_requested
    assert acquire(s3, sfn, upload, NEWER).follow_up_requested  # a retry adds nothing
    assert acquire(s3, sfn, start("schedule"), NEWER).follow_up_requested
    # One follow-up trains everyone's data: later runs ride on the first request, unwritten, so
    # fifty stand-asides never race each other for the lock object.
    assert lock_body(s3)["followUp"] == {"requestedBy": ["upload"]}


def test_the_lock_of_an_owner_that_no_longer_runs_is_reclaimed(s3, sfn, start):
    stopped = start("stopped")
    acquire(s3, sfn, stopped)
    sfn.stop_execution(executionArn=stopped.arn)  # aborted: it never reaches a release
    next_run = start("next")
    taken = acquire(s3, sfn, next_run)
    assert taken == run_lock.Acquisition(acquired=True, owner="next", reclaimed_from="stopped")
    assert lock_body(s3)["owner"]["name"] == "next"


def test_an_expired_lock_is_reclaimed_even_if_its_owner_looks_running(s3, sfn, start):
    acquire(s3, sfn, start("old"))
    later = NOW + timedelta(seconds=TIMEOUT)
    assert acquire(s3, sfn, start("next"), now=later).reclaimed_from == "old"


def test_two_reclaimers_of_one_stale_lock_end_with_one_owner(s3, sfn, start):
    stale = start("stale")
    acquire(s3, sfn, stale)
    sfn.stop_execution(executionArn=stale.arn)
    first, second = start("first"), start("second")

    class RacingS3:
        """S3 whose first reclaiming write lets `first` reclaim the same lock just before."""

        def __init__(self) -> None:
            self.raced = False

        def __getattr__(self, name: str) -> Any:
            return getattr(s3, name)

        def put_object(self, **kwargs: Any) -> Any:
            if "IfMatch" in kwargs and not self.raced:
                self.raced = True
                assert acquire(s3, sfn, first).acquired
            return s3.put_object(**kwargs)

    outcome = acquire(RacingS3(), sfn, second)  # type: ignore[arg-type]
    assert outcome == run_lock.Acquisition(acquired=False, owner="first")
    assert lock_body(s3)["owner"]["name"] == "first"


def test_only_the_owner_releases_and_then_the_next_run_takes_it(s3, sfn, start, machine):
    owner, aside = start("owner"), start("aside")
    acquire(s3, sfn, owner)
    acquire(s3, sfn, aside)
    assert release(s3, sfn, aside, machine) == {
        "released": False,
        "heldBy": "owner",
        "followUp": None,
    }
    assert lock_exists(s3)
    assert release(s3, sfn, owner, machine) == {"released": True, "heldBy": None, "followUp": None}
    assert not lock_exists(s3)
    assert release(s3, sfn, owner, machine)["released"] is False  # a retried release
    assert acquire(s3, sfn, start("next")).acquired


def test_releasing_a_lock_with_a_follow_up_request_starts_the_follow_up_run(
    s3, sfn, start, machine
):
    owner = start("owner")
    acquire(s3, sfn, owner)
    acquire(s3, sfn, start("upload"), NEWER)
    released = release(s3, sfn, owner, machine)
    assert released["released"] and not lock_exists(s3)
    follow_up = released["followUp"]
    assert follow_up["name"] == "follow-up-owner"
    assert follow_up["requestedBy"] == ["upload"]
    described = sfn.describe_execution(executionArn=follow_up["arn"])
    assert json.loads(described["input"]) == {INPUT_TRIGGER: TRIGGER_FOLLOW_UP}


def test_a_follow_up_request_landing_during_the_release_is_not_lost(s3, sfn, start, machine):
    owner = start("owner")
    acquire(s3, sfn, owner)

    class RequestDuringRelease:
        def __getattr__(self, name: str) -> Any:
            return getattr(s3, name)

        def delete_object(self, **kwargs: Any) -> Any:
            if not getattr(self, "requested", False):
                self.requested = True
                assert acquire(s3, sfn, start("late"), NEWER).follow_up_requested
            return s3.delete_object(**kwargs)

    released = release(RequestDuringRelease(), sfn, owner, machine)  # type: ignore[arg-type]
    assert released["followUp"]["requestedBy"] == ["late"]


def test_a_lock_that_is_not_json_is_an_error_naming_it(s3, sfn, start):
    s3.put_object(Bucket=BUCKET, Key=RUN_LOCK_KEY, Body=b"garbage")
    with pytest.raises(RunLockError, match=f"s3://{BUCKET}/{RUN_LOCK_KEY} is not JSON"):
        acquire(s3, sfn, start("run"))


def test_follow_up_names_fit_step_functions_limit():
    assert run_lock.follow_up_name("x" * 80).startswith("follow-up-xxx")
    assert len(run_lock.follow_up_name("x" * 80)) == 80
    assert run_lock.follow_up_name("a" * 80) != run_lock.follow_up_name("a" * 79 + "b")
