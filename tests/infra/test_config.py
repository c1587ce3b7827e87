"""infra.config: typed settings, every problem reported with its key."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from contract.names import MAX_MODEL_NAME, MAX_SCOPE_LENGTH
from infra.config import (
    DEFAULT_HYPERPARAMETERS,
    ConfigError,
    known_keys,
    parse_settings,
    pipeline_options,
)
from localcloud.deploy.pulumi_program import load_stack_config
from workflow.options import PipelineOptions

pytestmark = pytest.mark.unit

BASE = {"aws:region": "eu-west-1"}


def problems_of(raw: dict[str, Any], stack: str = "dev") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings({**BASE, **raw}, stack=stack)
    return caught.value.problems


def test_defaults_give_one_linear_learner_regression_model() -> None:
    settings = parse_settings(BASE, stack="dev")
    (model,) = settings.models
    assert model.name == "linear-learner"
    assert dict(model.hyperparameters)["predictor_type"] == "regressor"
    assert dict(model.hyperparameters) == dict(DEFAULT_HYPERPARAMETERS)
    assert settings.bucket_name is None and not settings.protect_data


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stack_files_are_valid_and_use_only_known_keys(stack: str) -> None:
    values = load_stack_config(stack).values
    assert set(values) <= known_keys()
    settings = parse_settings(values, stack=stack)
    assert settings.region == "eu-west-1"


def test_dev_and_prod_really_differ() -> None:
    dev = parse_settings(load_stack_config("dev").values, stack="dev")
    prod = parse_settings(load_stack_config("prod").values, stack="prod")
    dev_model, prod_model = dev.models[0], prod.models[0]
    assert prod_model.endpoint_instance_count > dev_model.endpoint_instance_count
    assert prod_model.training_instance_type != dev_model.training_instance_type
    assert prod.protect_data and not dev.protect_data
    assert prod.alarm_enabled and not dev.alarm_enabled
    assert prod.log_retention_days > dev.log_retention_days
    assert prod_model.slack_channel != dev_model.slack_channel
    assert not prod.state_machine_log_execution_data


def test_a_missing_required_key_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({}, stack="dev")
    assert caught.value.problems == ["aws:region is required"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "retraining:trainingWindowDays",
            "x",
            'retraining:trainingWindowDays must be an integer from 1 to 36500, got "x"',
        ),
        (
            "retraining:trainingWindowDays",
            "0",
            'retraining:trainingWindowDays must be an integer from 1 to 36500, got "0"',
        ),
        ("retraining:trainingUseSpot", "yes", "retraining:trainingUseSpot must be true or false"),
        (
            "retraining:scheduleTimeZone",
            "Mars/Olympus",
            "retraining:scheduleTimeZone must be an IANA",
        ),
        ("retraining:schedule", "cron(0 3 * * *)", "retraining:schedule must be a recurring"),
        (
            "retraining:schedule",
            "at(2026-01-01T00:00:00)",
            "retraining:schedule must be a recurring",
        ),
        ("retraining:schedule", "rate(1 days)", "retraining:schedule must be a recurring"),
        ("retraining:logRetentionDays", "10", "retraining:logRetentionDays must be one of 1, 3"),
        (
            "retraining:stateMachineLogLevel",
            "DEBUG",
            "retraining:stateMachineLogLevel must be one of",
        ),
        ("retraining:hyperparameters", '{"epochs": 5}', "retraining:hyperparameters must be a map"),
        ("retraining:hyperparameters", "[1]", "retraining:hyperparameters must be a map"),
        (
            "retraining:algorithmImage",
            "linear-learner:1",
            "retraining:algorithmImage must be an ECR",
        ),
        (
            "retraining:sagemakerRoleArn",
            "my-role",
            "retraining:sagemakerRoleArn must be an IAM role",
        ),
        (
            "retraining:slackApiUrl",
            "localhost:8000",
            "retraining:slackApiUrl must be an http(s) URL",
        ),
        (
            "retraining:tags",
            '{"aws:owner": "me"}',
            "retraining:tags must not use the reserved prefix",
        ),
        ("retraining:bucketName", "My_Bucket", "retraining:bucketName must be an S3 bucket name"),
        ("aws:region", "Europe", "aws:region must be an AWS region"),
    ],
)
def test_an_invalid_value_is_named_with_the_value(key: str, value: str, expected: str) -> None:
    problems = problems_of({key: value})
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]
    assert json.dumps(value) in problems[0]


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        {
            "retraining:trainingWindowDays": "x",
            "retraining:scheduleTimeZone": "Nowhere/City",
            "retraining:traningWindowDays": "3",
        }
    )
    assert len(problems) == 3
    assert any(
        p.startswith("retraining:traningWindowDays is not a known setting") for p in problems
    )


def test_spot_training_needs_a_max_wait_of_at_least_the_runtime() -> None:
    assert problems_of({"retraining:trainingUseSpot": "true"}) == [
        "retraining:trainingMaxWaitSeconds is required when retraining:trainingUseSpot is true"
    ]
    (problem,) = problems_of(
        {
            "retraining:trainingUseSpot": "true",
            "retraining:trainingMaxRuntimeSeconds": "7200",
            "retraining:trainingMaxWaitSeconds": "3600",
        }
    )
    assert problem.startswith(
        "retraining:trainingMaxWaitSeconds must be at least retraining:trainingMaxRuntimeSeconds"
    )


def test_polling_bounds_are_checked_together() -> None:
    (problem,) = problems_of(
        {"retraining:pollInitialSeconds": "900", "retraining:pollMaxSeconds": "600"}
    )
    assert problem.startswith(
        "retraining:pollInitialSeconds must be at most retraining:pollMaxSeconds"
    )


def test_a_model_name_too_long_for_its_stack_names_the_key_and_the_length() -> None:
    # `<stack>--<model>--<yyyymmdd>-<8 hex>` must fit SageMaker's 63 characters.
    stack = "s" * 20
    fits = "m" * (MAX_SCOPE_LENGTH - len("--") - len(stack))
    models = json.dumps([{"name": fits}, {"name": fits + "x"}])
    (problem,) = problems_of({"retraining:models": models}, stack=stack)
    assert problem.startswith(f"retraining:models[1].name ('{fits}x') makes run resource names")
    assert "of 64 characters" in problem and "more than SageMaker's 63" in problem
    assert f"at most {len(fits)} characters" in problem


def test_allowed_account_ids_are_read_for_the_stacks_provider() -> None:
    # aws:allowedAccountIds (documented in the stack files) configures the AWS provider.
    settings = parse_settings(
        {**BASE, "aws:allowedAccountIds": '["123456789012", "012345678901"]'}, stack="dev"
    )
    assert settings.allowed_account_ids == ("123456789012", "012345678901")
    assert parse_settings(BASE, stack="dev").allowed_account_ids == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["12345"]', 'item 0 ("12345") must be a 12-digit account ID written as a string'),
        # YAML's unquoted 012345678901 is a number: the leading zero would be lost.
        ("[12345678901]", "item 0 (12345678901) must be a 12-digit account ID written as a"),
        ('"123456789012"', "must be a list of 12-digit AWS account IDs"),
        ("[]", "must list at least one account ID"),
    ],
)
def test_bad_allowed_account_ids_name_the_key_and_the_value(value: str, expected: str) -> None:
    (problem,) = problems_of({"aws:allowedAccountIds": value})
    assert problem.startswith("aws:allowedAccountIds ") and expected in problem, problem


def test_models_override_stack_defaults_and_problems_name_the_item() -> None:
    raw = {
        "retraining:trainingInstanceType": "ml.m5.large",
        "retraining:models": json.dumps(
            [{"name": "demand"}, {"name": "churn", "trainingInstanceType": "ml.c5.xlarge"}]
        ),
    }
    settings = parse_settings({**BASE, **raw}, stack="dev")
    assert [m.training_instance_type for m in settings.models] == ["ml.m5.large", "ml.c5.xlarge"]

    problems = problems_of(
        {
            "retraining:models": json.dumps(
                [
                    {"name": "Demand"},
                    {"name": "churn", "trainingWindowDays": "many", "colour": "red"},
                    {"name": "churn"},
                    {},
                ]
            )
        }
    )
    assert any(
        p.startswith(f"retraining:models[0].name must be at most {MAX_MODEL_NAME} lower-case")
        for p in problems
    )
    assert (
        'retraining:models[1].trainingWindowDays must be an integer from 1 to 36500, got "many"'
        in problems
    )
    assert "retraining:models[1].colour is not a known per-model setting" in problems
    assert "retraining:models[3].name is required" in problems


def test_duplicate_and_empty_model_lists_are_refused() -> None:
    dup = json.dumps([{"name": "a"}, {"name": "a"}])
    assert problems_of({"retraining:models": dup}) == ["retraining:models names 'a' more than once"]
    (problem,) = problems_of({"retraining:models": "[]"})
    assert problem.startswith("retraining:models must list at least one model")


def test_values_nested_in_objects_keep_their_json_types() -> None:
    models = json.dumps([{"name": "m", "trainingWindowDays": 7, "trainingUseSpot": False}])
    (model,) = parse_settings({**BASE, "retraining:models": models}, stack="dev").models
    assert model.training_window_days == 7 and model.training_use_spot is False
    # A boolean is not an integer, even though Python thinks so.
    bad = json.dumps([{"name": "m", "trainingWindowDays": True}])
    (problem,) = problems_of({"retraining:models": bad})
    assert (
        problem
        == "retraining:models[0].trainingWindowDays must be an integer from 1 to 36500, got true"
    )


def test_hyperparameters_must_be_strings_as_sagemaker_takes_them() -> None:
    (problem,) = problems_of(
        {"retraining:hyperparameters": '{"predictor_type": "regressor", "epochs": 5}'}
    )
    assert "the value of 'epochs' is 5, not a string" in problem
    settings = parse_settings(
        {**BASE, "retraining:hyperparameters": '{"predictor_type": "regressor", "epochs": "5"}'},
        stack="dev",
    )
    assert settings.models[0].hyperparameters_json == '{"epochs":"5","predictor_type":"regressor"}'


def test_the_stack_name_must_fit_in_resource_names() -> None:
    (problem,) = problems_of({}, stack="Prod.EU")
    assert problem.startswith("the stack name must be at most 20 lower-case letters")


def test_slack_token_and_secret_arn_are_exclusive() -> None:
    token = pulumi.Output.secret("xoxb-whatever")
    with pytest.raises(ConfigError) as caught:
        parse_settings(
            {
                **BASE,
                "retraining:slackTokenSecretArn": (
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf"
                ),
            },
            stack="dev",
            slack_token=token,
        )
    (problem,) = caught.value.problems
    assert "retraining:slackToken and retraining:slackTokenSecretArn are exclusive" in problem


def test_an_alarm_email_needs_the_alarm() -> None:
    assert problems_of({"retraining:alarmEmail": "oncall@example.com"}) == [
        "retraining:alarmEmail requires retraining:alarmEnabled: true"
    ]


def test_pipeline_options_carry_the_models_shaping_settings() -> None:
    raw = {
        "retraining:trainingMaxRuntimeSeconds": "3600",
        "retraining:trainingUseSpot": "true",
        "retraining:trainingMaxWaitSeconds": "7200",
        "retraining:pollInitialSeconds": "120",
        "retraining:pollMaxSeconds": "960",
        "retraining:deploymentTimeoutSeconds": "1800",
        "retraining:models": json.dumps([{"name": "demand"}]),
    }
    (model,) = parse_settings({**BASE, **raw}, stack="dev").models
    assert pipeline_options(model) == PipelineOptions(
        model_name="demand",
        training_max_runtime_seconds=3600,
        training_max_wait_seconds=7200,
        deployment_timeout_seconds=1800,
        poll_initial_seconds=120,
        poll_max_seconds=960,
    )
    # Without spot the max wait is not SageMaker's concern, nor the definition's.
    on_demand = parse_settings({**BASE, **raw, "retraining:trainingUseSpot": "false"}, stack="dev")
    assert pipeline_options(on_demand.models[0]).training_max_wait_seconds is None


def test_the_keys_the_embedded_runtime_sets_are_real_settings() -> None:
    from infra.config import known_keys
    from localcloud.runtime import SLACK_API_URL_KEY, SLACK_TOKEN_KEY

    assert {SLACK_TOKEN_KEY, SLACK_API_URL_KEY} <= known_keys()
