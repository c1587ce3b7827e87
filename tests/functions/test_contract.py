"""The status classification must cover every status SageMaker can return, exactly once."""

from __future__ import annotations

import botocore.session
import pytest

from functions import contract

pytestmark = pytest.mark.unit


def _enum(shape: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return list(model.shape_for(shape).enum)


@pytest.mark.parametrize(
    ("shape", "groups"),
    [
        (
            "TrainingJobStatus",
            (contract.TRAINING_WAITING, contract.TRAINING_SUCCEEDED, contract.TRAINING_FAILED),
        ),
        (
            "EndpointStatus",
            (contract.ENDPOINT_WAITING, contract.ENDPOINT_SUCCEEDED, contract.ENDPOINT_FAILED),
        ),
    ],
)
def test_every_botocore_status_is_classified_exactly_once(shape, groups):
    classified = [status for group in groups for status in group]
    assert len(classified) == len(set(classified)), f"{shape}: a status is in two groups"
    assert sorted(classified) == sorted(_enum(shape)), (
        f"{shape}: botocore and functions/contract.py disagree; classify the new status"
    )


def test_terminal_means_succeeded_or_failed():
    assert contract.is_terminal(contract.STAGE_TRAINING, "Completed")
    assert contract.is_terminal(contract.STAGE_DEPLOYMENT, "UpdateRollbackFailed")
    assert not contract.is_terminal(contract.STAGE_TRAINING, "InProgress")
    assert not contract.is_terminal(contract.STAGE_DEPLOYMENT, "RollingBack")
    assert not contract.is_terminal("no-such-stage", "Completed")
    assert not contract.is_terminal(contract.STAGE_TRAINING, "SomethingAWSAddsLater")
