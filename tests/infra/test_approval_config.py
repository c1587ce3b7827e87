"""Model approval settings: per-stack defaults, validation, and what they shape."""

from __future__ import annotations

import json
import re

import pytest

from contract import names
from infra.config import ConfigError, parse_settings, pipeline_options
from localcloud.deploy.pulumi_program import ProgramRun, load_stack_config
from tests.infra.test_functions import functions_of

pytestmark = pytest.mark.unit

BASE = {"aws:region": "eu-west-1"}


def test_prod_approves_manually_and_every_other_stack_automatically() -> None:
    prod = parse_settings(load_stack_config("prod").values, stack="prod")
    dev = parse_settings(load_stack_config("dev").values, stack="dev")
    assert [m.approval for m in prod.models] == ["manual"]
    assert [m.approval for m in dev.models] == ["automatic"]
    assert parse_settings(BASE, stack="staging").models[0].approval == "automatic"
    # Either stack may say otherwise, stack-wide or per model.
    overridden = parse_settings(
        {
            **BASE,
            "retraining:approval": "automatic",
            "retraining:models": json.dumps([{"name": "a"}, {"name": "b", "approval": "manual"}]),
        },
        stack="prod",
    )
    assert [m.approval for m in overridden.models] == ["automatic", "manual"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("approval", "sometimes", r"retraining:approval\b.*sometimes"),
        ("approvalTimeoutHours", "0", r"retraining:approvalTimeoutHours"),
        ("approvalTimeoutHours", "721", r"retraining:approvalTimeoutHours"),
    ],
)
def test_a_bad_approval_setting_names_the_key(key: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings({**BASE, f"retraining:{key}": value}, stack="dev")
    assert any(re.search(expected, problem) for problem in raised.value.problems), raised.value


def test_the_state_machine_timeout_covers_a_manual_approval_deadline() -> None:
    raw = {**BASE, "retraining:approvalTimeoutHours": "100"}
    manual = pipeline_options(parse_settings(raw, stack="prod").models[0])
    automatic = pipeline_options(parse_settings(raw, stack="dev").models[0])
    assert manual.state_machine_timeout_seconds - automatic.state_machine_timeout_seconds == (
        100 * 3600
    )
    assert manual.approval_timeout_seconds == 100 * 3600


def test_register_model_reads_its_group_mode_and_the_deployed_revision(
    runs: dict[str, ProgramRun],
) -> None:
    for stack, approval in (("dev", "automatic"), ("prod", "manual")):
        variables = functions_of(runs[stack])["register_model"]["environment"]["variables"]
        assert variables["APPROVAL"] == approval
        assert variables["MODEL_PACKAGE_GROUP"] == names.model_package_group_name(
            stack, "linear-learner"
        )
        assert re.fullmatch(r"[0-9a-f]{40}", variables["GIT_REVISION"])
        (group,) = runs[stack].of_type("aws:sagemaker/modelPackageGroup:ModelPackageGroup")
        assert group.inputs["modelPackageGroupName"] == variables["MODEL_PACKAGE_GROUP"]
