"""Settings: read once at cold start; a missing or malformed variable is named."""

from __future__ import annotations

import importlib
import sys

import pytest

from contract import lambdas
from contract.errors import SettingsError
from contract.settings import read_settings

from .conftest import env_for

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("key", "variable"),
    [
        (spec.key, variable.name)
        for spec in lambdas.ALL_FUNCTIONS
        for variable in spec.variables
        if variable.required
    ],
)
def test_a_missing_required_variable_is_named(key, variable):
    with pytest.raises(SettingsError, match=rf"\b{variable} is required but not set"):
        read_settings(lambdas.BY_KEY[key], env_for(key, **{variable: None}))


@pytest.mark.parametrize(
    ("key", "variable", "value", "message"),
    [
        (
            "start_training_job",
            "TRAINING_INSTANCE_COUNT",
            "two",
            "TRAINING_INSTANCE_COUNT must be a positive integer, got 'two'",
        ),
        (
            "start_training_job",
            "TRAINING_INSTANCE_COUNT",
            "0",
            "TRAINING_INSTANCE_COUNT must be a positive integer, got '0'",
        ),
        (
            "start_training_job",
            "TRAINING_MAX_RUNTIME_SECONDS",
            "99999999",
            "TRAINING_MAX_RUNTIME_SECONDS must be at most 2419200, got '99999999'",
        ),
        (
            "start_training_job",
            "TRAINING_USE_SPOT",
            "yes",
            "TRAINING_USE_SPOT must be 'true' or 'false', got 'yes'",
        ),
        (
            "start_training_job",
            "HYPERPARAMETERS",
            '{"epochs": 10}',
            "HYPERPARAMETERS['epochs'] must be a string, got 10",
        ),
        (
            "start_training_job",
            "HYPERPARAMETERS",
            "[1, 2]",
            "HYPERPARAMETERS must be a JSON object of strings, got list",
        ),
        (
            "start_training_job",
            "HYPERPARAMETERS",
            "{epochs: 1}",
            "HYPERPARAMETERS must be a JSON object of strings, got invalid JSON",
        ),
        (
            "start_training_job",
            "SAGEMAKER_ROLE_ARN",
            "sagemaker-role",
            "SAGEMAKER_ROLE_ARN must be an ARN of service 'iam', got 'sagemaker-role'",
        ),
        (
            "check_data",
            "TIME_ZONE",
            "Mars/Olympus",
            "TIME_ZONE must be an IANA time zone such as 'Europe/Paris', got 'Mars/Olympus'",
        ),
        (
            "check_data",
            "DATA_PREFIX",
            "/data/train",
            "DATA_PREFIX must be a folder-like S3 key prefix",
        ),
        (
            "check_data",
            "TRAINING_WINDOW_DAYS",
            "-3",
            "TRAINING_WINDOW_DAYS must be a positive integer, got '-3'",
        ),
        ("check_data", "LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of DEBUG"),
        (
            "deploy_model",
            "KEEP_PREVIOUS_VERSIONS",
            "many",
            "KEEP_PREVIOUS_VERSIONS must be an integer ≥ 0, got 'many'",
        ),
        (
            "notify_slack",
            "SLACK_API_URL",
            "localhost:9999",
            "SLACK_API_URL must be an http(s) URL, got 'localhost:9999'",
        ),
        (
            "notify_slack",
            "SLACK_TOKEN_SECRET_ARN",
            "xoxb-a-token-by-mistake",
            "SLACK_TOKEN_SECRET_ARN must be an ARN of service 'secretsmanager'",
        ),
        (
            "debounce_upload",
            "STATE_MACHINE_ARN",
            f"arn:aws:lambda:eu-west-1:{'1' * 12}:function:x",
            "STATE_MACHINE_ARN must be an ARN of service 'states'",
        ),
        (
            "debounce_upload",
            "DEBOUNCE_SECONDS",
            "1.5",
            "DEBOUNCE_SECONDS must be a positive integer, got '1.5'",
        ),
    ],
)
def test_a_malformed_variable_is_named_with_its_value(key, variable, value, message):
    with pytest.raises(SettingsError) as raised:
        read_settings(lambdas.BY_KEY[key], env_for(key, **{variable: value}))
    assert message in str(raised.value)


def test_every_problem_is_reported_at_once():
    env = env_for("start_training_job", TRAINING_INSTANCE_COUNT="two", TRAINING_VOLUME_GB=None)
    with pytest.raises(SettingsError) as raised:
        read_settings(lambdas.START_TRAINING_JOB, env)
    assert "TRAINING_INSTANCE_COUNT must be a positive integer" in str(raised.value)
    assert "TRAINING_VOLUME_GB is required but not set" in str(raised.value)


def test_spot_training_needs_a_max_wait_at_least_the_max_runtime():
    env = env_for("start_training_job", TRAINING_USE_SPOT="true")
    with pytest.raises(SettingsError, match="TRAINING_MAX_WAIT_SECONDS is required when"):
        read_settings(lambdas.START_TRAINING_JOB, env)
    env["TRAINING_MAX_WAIT_SECONDS"] = "1800"
    with pytest.raises(
        SettingsError,
        match=r"TRAINING_MAX_WAIT_SECONDS must be at least TRAINING_MAX_RUNTIME_SECONDS \(3600\)",
    ):
        read_settings(lambdas.START_TRAINING_JOB, env)
    env["TRAINING_MAX_WAIT_SECONDS"] = "7200"
    parsed = read_settings(lambdas.START_TRAINING_JOB, env)
    assert (parsed.use_spot, parsed.max_wait_seconds) == (True, 7200)


def test_slack_enabled_needs_the_secret_arn_but_disabled_does_not():
    with pytest.raises(
        SettingsError, match="SLACK_TOKEN_SECRET_ARN is required when SLACK_ENABLED"
    ):
        read_settings(lambdas.NOTIFY_SLACK, env_for("notify_slack", SLACK_TOKEN_SECRET_ARN=None))
    disabled = read_settings(
        lambdas.NOTIFY_SLACK,
        env_for("notify_slack", SLACK_ENABLED="false", SLACK_TOKEN_SECRET_ARN=None),
    )
    assert disabled.enabled is False


def test_parsed_values_have_their_types():
    parsed = read_settings(lambdas.CHECK_DATA, env_for("check_data"))
    assert parsed.training_window_days == 30
    assert parsed.time_zone.key == "Europe/Paris"
    training = read_settings(lambdas.START_TRAINING_JOB, env_for("start_training_job"))
    assert dict(training.hyperparameters)["predictor_type"] == "regressor"
    assert training.max_wait_seconds is None


def test_a_malformed_variable_fails_the_cold_start(load_module):
    with pytest.raises(
        SettingsError, match="TRAINING_INSTANCE_COUNT must be a positive integer, got 'two'"
    ):
        load_module("start_training_job", TRAINING_INSTANCE_COUNT="two")
    assert "functions.start_training_job" not in sys.modules


@pytest.mark.parametrize("key", sorted(lambdas.BY_KEY))
def test_a_missing_variable_fails_the_import_of_each_handler(load_module, key):
    spec = lambdas.BY_KEY[key]
    with pytest.raises(SettingsError, match=lambdas.MODEL_NAME.name):
        load_module(key, MODEL_NAME=None)
    module = load_module(key)  # and the same module imports cleanly once it is set
    assert callable(module.handler)
    before = module.SETTINGS
    reloaded = importlib.reload(module)  # another cold start builds equal settings anew
    assert before == reloaded.SETTINGS
    assert reloaded.SETTINGS is not before
    assert spec.handler == f"{module.__name__}.handler"
