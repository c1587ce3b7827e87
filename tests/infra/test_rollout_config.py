"""The guarded rollout's settings (issue 16): SageMaker's limits, checked with the key."""

from __future__ import annotations

from typing import Any

import pytest

from contract import rollout
from contract.errors import SettingsError
from contract.lambdas import DEPLOY_MODEL
from contract.settings import read_settings
from infra.config import ConfigError, parse_settings, pipeline_options
from localcloud.deploy.pulumi_program import load_stack_config
from tests.functions.conftest import env_for

pytestmark = pytest.mark.unit

BASE = {"aws:region": "eu-west-1"}
CANARY = {
    "retraining:updateStrategy": "canary",
    "retraining:endpointInstanceCount": "2",
    "retraining:canarySizePercent": "50",
}


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings({**BASE, **raw}, stack="prod")
    return caught.value.problems


def test_prod_rolls_out_a_canary_and_dev_all_at_once() -> None:
    prod = parse_settings(load_stack_config("prod").values, stack="prod").models[0]
    dev = parse_settings(load_stack_config("dev").values, stack="dev").models[0]
    assert (prod.update_strategy, dev.update_strategy) == ("canary", "allAtOnce")
    # The canary is one of prod's instances: a part of the fleet, never all of it.
    assert prod.endpoint_instance_count * prod.canary_size_percent // 100 == 1


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("canarySizePercent", "60", "retraining:canarySizePercent must be an integer from 1 to 50"),
        ("linearStepPercent", "5", "retraining:linearStepPercent must be an integer from 10 to 50"),
        ("trafficWaitSeconds", "3601", 'must be an integer from 0 to 3600, got "3601"'),
        ("terminationWaitSeconds", "-1", "retraining:terminationWaitSeconds must be an integer"),
        ("rolloutTimeoutSeconds", "599", 'must be an integer from 600 to 28800, got "599"'),
        ("rolloutTimeoutSeconds", "28801", "must be an integer from 600 to 28800"),
        ("updateStrategy", "blueGreen", "must be one of allAtOnce, canary, linear"),
        ("rollbackErrorThreshold", "0", "retraining:rollbackErrorThreshold must be"),
        ("rollbackLatencyThresholdMs", "fast", "retraining:rollbackLatencyThresholdMs must be"),
    ],
)
def test_each_value_is_held_to_sagemakers_limit(key: str, value: str, expected: str) -> None:
    problem = problems_of({**CANARY, f"retraining:{key}": value})[0]
    assert expected in problem


def test_a_canary_needs_a_fleet_it_can_split() -> None:
    (problem,) = problems_of({**CANARY, "retraining:endpointInstanceCount": "1"})
    assert "retraining:updateStrategy canary" in problem
    assert "retraining:endpointInstanceCount (1)" in problem
    assert "at least 2 instances" in problem and "allAtOnce" in problem
    (problem,) = problems_of(
        {**CANARY, "retraining:endpointInstanceCount": "5", "retraining:canarySizePercent": "10"}
    )
    assert "less than one instance" in problem and "at least 10 instances" in problem
    # Linear steps too; all at once does not care.
    assert problems_of(
        {
            "retraining:updateStrategy": "linear",
            "retraining:linearStepPercent": "25",
            "retraining:endpointInstanceCount": "2",
        }
    )
    parse_settings({**BASE, "retraining:endpointInstanceCount": "1"}, stack="dev")


def test_the_rollouts_waits_must_fit_its_timeout() -> None:
    (problem,) = problems_of(
        {
            **CANARY,
            "retraining:trafficWaitSeconds": "1800",
            "retraining:terminationWaitSeconds": "600",
            "retraining:rolloutTimeoutSeconds": "3600",
        }
    )
    assert problem.startswith("retraining:rolloutTimeoutSeconds (3600) must be larger")
    assert "2 shifts of traffic" in problem and "= 4200 s" in problem
    # Linear: one bake per step (4 steps of 25 %).
    (problem,) = problems_of(
        {
            "retraining:updateStrategy": "linear",
            "retraining:linearStepPercent": "25",
            "retraining:endpointInstanceCount": "4",
            "retraining:trafficWaitSeconds": "900",
            "retraining:rolloutTimeoutSeconds": "3600",
        }
    )
    assert "4 shifts of traffic" in problem and "= 3600 s" in problem


def test_a_per_model_strategy_names_the_models_key() -> None:
    problems = problems_of(
        {"retraining:models": [{"name": "demand", "updateStrategy": "canary"}]},
    )
    assert any(p.startswith("retraining:models[0].updateStrategy canary") for p in problems)


def test_the_deployment_deadline_covers_a_guarded_rollout() -> None:
    canary = parse_settings({**BASE, **CANARY}, stack="prod").models[0]
    options = pipeline_options(canary)
    assert options.rollout_timeout_seconds == canary.rollout_timeout_seconds == 3600
    assert options.deployment_deadline_seconds == canary.deployment_timeout_seconds + 3600
    all_at_once = parse_settings(BASE, stack="dev").models[0]
    assert pipeline_options(all_at_once).deployment_deadline_seconds == (
        all_at_once.deployment_timeout_seconds
    )


def test_deploy_models_settings_check_the_same_rules() -> None:
    env = env_for(
        "deploy_model",
        UPDATE_STRATEGY="canary",
        CANARY_SIZE_PERCENT="50",
        ENDPOINT_INSTANCE_COUNT="1",
    )
    with pytest.raises(SettingsError, match=r"UPDATE_STRATEGY canary shifts CANARY_SIZE_PERCENT"):
        read_settings(DEPLOY_MODEL, env)
    settings = read_settings(DEPLOY_MODEL, {**env, "ENDPOINT_INSTANCE_COUNT": "2"})
    assert rollout.is_guarded(settings.update_strategy)
