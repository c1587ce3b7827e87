"""Manual approval on the prod stack: the run waits for a person, event-driven, bounded.

A model the gate lets through is registered PendingManualApproval; the run tells Slack what
waits and how to decide, then waits in ONE CheckStatusWait (no polling) until SageMaker's
Model Package State Change event resumes it, or until its approval deadline passes.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from contract import errors, registry
from tests.e2e.runs import states_so_far
from tests.e2e_prod.conftest import LAB_APPROVAL_TIMEOUT_HOURS, ProdLab
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

PROBE = [[12.0, 65.0, 10.0, 0.5, -0.8, 0.0, 0.0]]
# What the run does from the approval request on, until the model is deployed: one wait,
# one look at the package once the event woke it, then the deployment.
APPROVED_PATH = [
    p.NOTIFY_APPROVAL_REQUESTED,
    p.CHECK_STATUS_WAIT,
    p.GET_STATUS,
    p.CHECK_STATUS_BRANCH,
    p.DEPLOY_MODEL,
]
ENDS_NOT_APPROVED = [
    p.NOTIFY_SLACK,
    p.NOTIFY_SLACK_BRANCH,
    p.RELEASE_RUN_LOCK_AFTER_FAILURE,
    p.FAILURE_BRANCH,
    p.MODEL_NOT_APPROVED,
]


def _after_request(states: list[str]) -> list[str]:
    return states[states.index(p.NOTIFY_APPROVAL_REQUESTED) :]


def test_prod_waits_for_approval_without_polling_then_approve_deploys(
    prod_lab: ProdLab, prod_day: date
) -> None:
    lab = prod_lab.lab
    lab.upload_day(prod_day)
    before = lab.endpoint()["EndpointConfigName"]
    served = lab.predict(PROBE)
    run = lab.start()

    package = prod_lab.await_approval_request(run)
    arn = package["ModelPackageArn"]
    # An hour passes: the run waits, nothing polls, the endpoint has not changed.
    lab.cloud.advance_to(lab.cloud.clock.utcnow() + timedelta(hours=1))
    assert lab.cloud.describe(run)["status"] == "RUNNING"
    assert _after_request(states_so_far(lab.cloud, run)) == APPROVED_PATH[:2]
    assert lab.endpoint()["EndpointConfigName"] == before
    assert lab.predict(PROBE) == served
    request = "\n".join(m.text or "" for m in lab.cloud.slack.messages if arn in (m.text or ""))
    assert "waits for manual approval" in request
    assert f"update-model-package --model-package-arn {arn}" in request
    assert "--model-approval-status Approved" in request
    assert "--model-approval-status Rejected" in request

    prod_lab.approve(arn, "looked at the scores: fine")
    lab.cloud.wait(run)
    result = lab.finished(run)

    assert result.status == "SUCCEEDED", result.states
    assert _after_request(result.states)[: len(APPROVED_PATH)] == APPROVED_PATH
    assert result.states.count(p.REGISTER_MODEL) == 1
    # Manual approval adds five transitions to a run, within the budget.
    assert len(result.states) <= 45, len(result.states)
    serving = lab.endpoint()["EndpointConfigName"]
    assert serving != before
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    (variant,) = sagemaker.describe_endpoint_config(EndpointConfigName=serving)[
        "ProductionVariants"
    ]
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    assert model["PrimaryContainer"]["ModelPackageName"] == arn
    assert lab.marker() == prod_day.isoformat()
    deployment = result.document["deployment"]
    assert deployment["modelPackageArn"] == arn and deployment["rollback"] is False


def test_reject_ends_the_run_in_model_not_approved_with_the_old_model_serving(
    prod_lab: ProdLab, prod_day: date
) -> None:
    lab = prod_lab.lab
    lab.upload_day(prod_day)
    marker, before = lab.marker(), lab.endpoint()["EndpointConfigName"]
    served = lab.predict(PROBE)
    run = lab.start()
    arn = prod_lab.await_approval_request(run)["ModelPackageArn"]

    prod_lab.reject(arn, "holiday traffic is not representative")
    lab.cloud.wait(run)
    result = lab.finished(run)

    assert result.status == "FAILED"
    assert result.states[-len(ENDS_NOT_APPROVED) :] == ENDS_NOT_APPROVED
    assert p.DEPLOY_MODEL not in result.states
    described = lab.cloud.describe(run)
    assert described["error"] == errors.ERROR_MODEL_NOT_APPROVED
    assert "rejected by" in described["cause"]
    assert "holiday traffic is not representative" in described["cause"]
    assert lab.endpoint()["EndpointConfigName"] == before
    assert lab.predict(PROBE) == served
    assert lab.marker() == marker
    assert "holiday traffic is not representative" in result.slack_text()


def test_the_approval_deadline_ends_the_run_cleanly(prod_lab: ProdLab, prod_day: date) -> None:
    lab = prod_lab.lab
    lab.upload_day(prod_day)
    marker, before = lab.marker(), lab.endpoint()["EndpointConfigName"]
    run = lab.start()
    arn = prod_lab.await_approval_request(run)["ModelPackageArn"]
    waiting_since = lab.cloud.clock.utcnow()

    lab.cloud.wait(run)  # nobody decides
    result = lab.finished(run)

    assert result.status == "FAILED"
    waited = lab.cloud.clock.utcnow() - waiting_since
    assert timedelta(hours=LAB_APPROVAL_TIMEOUT_HOURS) - timedelta(minutes=5) <= waited
    assert waited < timedelta(hours=LAB_APPROVAL_TIMEOUT_HOURS, minutes=30)
    # One wait for the whole deadline, one look that records its expiry.
    assert _after_request(result.states) == [
        p.NOTIFY_APPROVAL_REQUESTED,
        p.CHECK_STATUS_WAIT,
        p.GET_STATUS,
        p.CHECK_STATUS_BRANCH,
        *ENDS_NOT_APPROVED,
    ]
    package = prod_lab.package(run)
    assert package is not None and package["ModelPackageArn"] == arn
    assert package["ModelApprovalStatus"] == registry.REJECTED
    assert package["ApprovalDescription"].startswith(
        f"approval deadline of {LAB_APPROVAL_TIMEOUT_HOURS} h passed"
    )
    described = lab.cloud.describe(run)
    assert described["error"] == errors.ERROR_MODEL_NOT_APPROVED
    assert "approval deadline" in described["cause"]
    assert lab.endpoint()["EndpointConfigName"] == before
    assert lab.marker() == marker
    assert lab.today() == prod_day  # the deadline passed the same day: no schedule ran
    assert time(7, 0) < lab.cloud.clock.utcnow().astimezone(lab.zone).time()
