"""The status classification covers every status SageMaker can return, exactly once."""

from __future__ import annotations

import botocore.session
import pytest

from contract import status

pytestmark = pytest.mark.unit


def _enum(shape: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return list(model.shape_for(shape).enum)


@pytest.mark.parametrize(
    ("shape", "stage"),
    [
        ("TrainingJobStatus", status.STAGE_TRAINING),
        ("EndpointStatus", status.STAGE_DEPLOYMENT),
        ("ModelApprovalStatus", status.STAGE_APPROVAL),
    ],
)
def test_every_botocore_status_is_classified_exactly_once(shape: str, stage: str) -> None:
    groups = (status.WAITING[stage], status.SUCCEEDED[stage], status.FAILED[stage])
    classified = [value for group in groups for value in group]
    assert len(classified) == len(set(classified)), f"{shape}: a status is in two groups"
    assert sorted(classified) == sorted(_enum(shape)), (
        f"{shape}: botocore and contract/status.py disagree; classify the new status"
    )
    assert sorted(status.KNOWN_STATUSES[stage]) == sorted(classified)


def test_terminal_means_succeeded_or_failed() -> None:
    assert status.is_terminal(status.STAGE_TRAINING, "Completed")
    assert status.is_terminal(status.STAGE_DEPLOYMENT, "UpdateRollbackFailed")
    assert not status.is_terminal(status.STAGE_TRAINING, "InProgress")
    assert not status.is_terminal(status.STAGE_DEPLOYMENT, "RollingBack")
    assert not status.is_terminal("no-such-stage", "Completed")
    assert not status.is_terminal(status.STAGE_TRAINING, "SomethingAWSAddsLater")


@pytest.mark.parametrize("api", _enum("EndpointStatus"))
def test_the_two_spellings_of_an_endpoint_status_convert_both_ways(api: str) -> None:
    event = status.to_event_spelling(api)
    assert event.isupper()
    assert status.from_event_spelling(status.STAGE_DEPLOYMENT, event) == api
    assert status.from_event_spelling(status.STAGE_DEPLOYMENT, api) == api


def test_event_spellings_of_known_and_unknown_statuses() -> None:
    assert status.to_event_spelling("InService") == "IN_SERVICE"
    assert status.to_event_spelling("UpdateRollbackFailed") == "UPDATE_ROLLBACK_FAILED"
    assert status.from_event_spelling(status.STAGE_DEPLOYMENT, "SOME_NEW") == "SomeNew"
    # Training-job events already use the API's spelling: kept as they are.
    assert status.from_event_spelling(status.STAGE_TRAINING, "Completed") == "Completed"
    assert status.from_event_spelling(status.STAGE_TRAINING, "Odd") == "Odd"
