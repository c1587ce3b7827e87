"""Physical names: explicit, within AWS limits, stable."""

from __future__ import annotations

import pytest

from contract import lambdas
from contract import names as pipeline_names
from contract.limits import MAX_NAME_LENGTH
from contract.names import MAX_MODEL_NAME
from infra.arns import Arns, parse_ecr_image, partition_of
from infra.naming import (
    IAM_ROLE_NAME_MAX,
    LAMBDA_NAME_MAX,
    S3_BUCKET_NAME_MAX,
    STATE_MACHINE_NAME_MAX,
    ModelNames,
    StackNames,
    bounded,
)

pytestmark = pytest.mark.unit

LONGEST_MODEL = "m" * MAX_MODEL_NAME
LONGEST_STACK = "s" * 20
# The longest model name the longest stack accepts (infra.config checks the sum).
LONGEST_SCOPED_MODEL = "m" * (pipeline_names.MAX_SCOPE_LENGTH - len("--") - len(LONGEST_STACK))


def test_bounded_keeps_short_names_and_hashes_long_ones() -> None:
    assert bounded("retraining-dev-x", 64) == "retraining-dev-x"
    long_a, long_b = "a" * 70 + "-one", "a" * 70 + "-two"
    assert len(bounded(long_a, 64)) == 64
    assert bounded(long_a, 64) != bounded(long_b, 64)
    assert bounded(long_a, 64) == bounded(long_a, 64)


def test_every_name_fits_even_for_the_longest_stack_and_model() -> None:
    names = ModelNames(LONGEST_STACK, LONGEST_MODEL)
    for spec in lambdas.ALL_FUNCTIONS:
        assert len(names.function(spec.key)) <= LAMBDA_NAME_MAX
        assert len(names.function_role(spec.key)) <= IAM_ROLE_NAME_MAX
    for role in (names.state_machine_role, names.scheduler_role, names.sagemaker_role):
        assert len(role) <= IAM_ROLE_NAME_MAX
    assert len(names.state_machine) <= STATE_MACHINE_NAME_MAX
    bucket = StackNames(LONGEST_STACK).bucket("123456789012", "ap-southeast-2")
    assert len(bucket) <= S3_BUCKET_NAME_MAX and bucket == bucket.lower()
    # Distinct functions keep distinct names after shortening.
    assert len({names.function(s.key) for s in lambdas.ALL_FUNCTIONS}) == len(lambdas.ALL_FUNCTIONS)


def test_what_the_pipeline_creates_is_named_by_stack_and_model_within_sagemaker_limits() -> None:
    # The IAM patterns (`<stack>--<model>--*`) and the event rule rely on the functions
    # naming every training job / Model / EndpointConfig with this prefix (contract.names).
    names = ModelNames("dev", "linear-learner")
    assert names.endpoint == "dev--linear-learner"
    assert names.run_resource_prefix == "dev--linear-learner--"
    assert names.marker_parameter == "/retraining/dev/models/linear-learner/train/latest"
    longest = ModelNames(LONGEST_STACK, LONGEST_SCOPED_MODEL)
    run_name = pipeline_names.run_resource_name(longest.stack, longest.model, "20260110-0123abcd")
    assert run_name.startswith(longest.run_resource_prefix)
    assert len(run_name) == MAX_NAME_LENGTH
    assert len(longest.endpoint) <= MAX_NAME_LENGTH


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (("dev", "lab"), ("prod", "lab")),  # two stacks in one account
        (("dev", "lab"), ("dev", "lab-b")),  # a model whose name extends ours
        (("dev", "lab-b"), ("dev", "lab")),
        (("dev", "lab"), ("dev-lab", "b")),  # a stack whose name extends ours
        (("dev", "a-b"), ("dev-a", "b")),
    ],
)
def test_no_prefix_of_one_pipeline_starts_another_pipelines_names(ours, theirs) -> None:
    mine, other = ModelNames(*ours), ModelNames(*theirs)
    other_run = pipeline_names.run_resource_name(other.stack, other.model, "20260110-0123abcd")
    assert not other_run.startswith(mine.run_resource_prefix)
    assert not other.endpoint.startswith(mine.run_resource_prefix)
    assert other.endpoint != mine.endpoint
    assert other.marker_parameter != mine.marker_parameter


def test_arns_follow_the_service_formats() -> None:
    arns = Arns(partition="aws", region="eu-west-1", account_id="123456789012")
    assert arns.ssm_parameter("/models/m/train/latest") == (
        "arn:aws:ssm:eu-west-1:123456789012:parameter/models/m/train/latest"
    )
    assert arns.s3_objects("b", "data/m/train/") == "arn:aws:s3:::b/data/m/train/*"
    assert arns.state_machine("sm") == "arn:aws:states:eu-west-1:123456789012:stateMachine:sm"
    assert arns.schedule("g", "s") == "arn:aws:scheduler:eu-west-1:123456789012:schedule/g/s"
    assert partition_of("arn:aws-cn:iam::123456789012:user/x") == "aws-cn"
    assert parse_ecr_image("1234567890l2.dkr.ecr.eu-west-1.amazonaws.com/x:1") is None
    assert parse_ecr_image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1") == (
        "123456789012",
        "eu-west-1",
        "linear-learner",
    )
