"""Stacks sharing one account, and models whose names extend each other, stay apart.

Both stacks' plans are rendered (the real program under the plan mocks); every IAM resource
pattern and every EventBridge pattern of one pipeline is matched, with IAM's wildcard and
EventBridge's prefix semantics, against the ARNs and names of another pipeline: those its
plan declares and those its Lambdas create at run time (contract.names).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fnmatch import fnmatchcase

import pytest

from contract import names as pipeline_names
from infra.arns import Arns
from infra.naming import ModelNames
from localcloud.deploy.pulumi_program import ProgramRun
from tests.infra.conftest import run_stack

pytestmark = pytest.mark.unit

ARNS = Arns(partition="aws", region="eu-west-1", account_id="123456789012")
MODEL = "linear-learner"
# Actions authorized on a log stream; the other CloudWatch Logs actions granted here act on
# the group (`<group>:*` then names the group, whatever else the wildcard could match).
STREAM_ACTIONS = frozenset({"logs:CreateLogStream", "logs:PutLogEvents"})


@pytest.fixture(scope="module")
def lab_models() -> ProgramRun:
    return run_stack(
        "dev",
        config_overrides={"retraining:models": json.dumps([{"name": "lab"}, {"name": "lab-b"}])},
    )


def pipeline_created(stack: str, model: str, bucket: str) -> dict[str, set[str]]:
    """What one model pipeline creates at run time, as ARNs (`iam`) and names (`events`)."""
    names = ModelNames(stack, model)
    run = pipeline_names.run_resource_name(stack, model, "20260110-0123abcd")
    endpoint_logs = f"/aws/sagemaker/Endpoints/{names.endpoint}"
    arns = {
        ARNS.sagemaker("training-job", run),
        ARNS.sagemaker("model", run),
        ARNS.sagemaker("endpoint-config", run),
        ARNS.sagemaker("endpoint", names.endpoint),
        ARNS.sagemaker("model-package", f"{names.model_package_group}/3"),
        ARNS.ssm_parameter(names.marker_parameter),
        f"{ARNS.log_group(endpoint_logs)}:log-stream:AllTraffic/i-0123456789abcdef0",
        f"{ARNS.log_group('/aws/sagemaker/TrainingJobs')}:log-stream:{run}/algo-1-1767996000",
        ARNS.s3_objects(bucket, names.data_prefix).rstrip("*") + "2026-01-10.csv",
        ARNS.s3_objects(bucket, names.manifest_prefix).rstrip("*") + f"{run}.manifest",
        ARNS.s3_objects(bucket, names.artifact_prefix).rstrip("*") + f"{run}/output/model.tar.gz",
        ARNS.s3_objects(bucket, names.callback_prefix).rstrip("*") + f"{run}.json",
        ARNS._regional("states", f"execution:{names.state_machine}:run-2026-01-10-0600"),
    }
    return {
        "arns": arns,
        "training_jobs": {run},
        "endpoints": {names.endpoint},
        "package_groups": {names.model_package_group},
        "buckets": {bucket},
        "data_keys": {f"{names.data_prefix}2026-01-10.csv"},
    }


def owner(logical_name: str, models: list[str]) -> str | None:
    """The model whose pipeline declared the resource (logical names start `<model>-`)."""
    owners = [m for m in models if logical_name.startswith(f"{m}-")]
    return max(owners, key=len) if owners else None


def created_by(run: ProgramRun, stack: str, models: list[str]) -> dict[str, set[str]]:
    """What a plan's pipelines of `models` declare (their resources' ARNs) and create."""
    every_model = list(run.outputs["models"])
    bucket = run.outputs["models"][models[0]]["bucket"]
    found: dict[str, set[str]] = {"arns": set(), "training_jobs": set(), "endpoints": set()}
    found |= {"package_groups": set(), "buckets": set(), "data_keys": set()}
    for resource in run.resources:
        arn = resource.state.get("arn")
        shared = len(models) == len(every_model)  # the stack's own bucket, topic, secret
        if not (isinstance(arn, str) and arn.startswith("arn:")):
            continue
        if owner(resource.name, every_model) in models or (
            shared and owner(resource.name, every_model) is None
        ):
            found["arns"].add(arn)
            if resource.type == "aws:cloudwatch/logGroup:LogGroup":
                found["arns"].add(f"{arn}:log-stream:2026/01/10/[$LATEST]0123abcd")
    for model in models:
        assert run.outputs["models"][model]["endpointName"] == ModelNames(stack, model).endpoint
        for key, values in pipeline_created(stack, model, bucket).items():
            found[key] |= values
    return found


def iam_patterns(run: ProgramRun, only_policies_of: str | None = None) -> Iterator[tuple]:
    """(policy, sid, actions, resource pattern) of every identity policy in the plan."""
    for resource in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        if (
            only_policies_of
            and owner(resource.name, list(run.outputs["models"])) != only_policies_of
        ):
            continue
        for statement in json.loads(resource.inputs["policy"])["Statement"]:
            actions = statement["Action"]
            actions = set(actions if isinstance(actions, list) else [actions])
            patterns = statement["Resource"]
            for pattern in patterns if isinstance(patterns, list) else [patterns]:
                if pattern != "*":  # actions IAM cannot scope (contract.grants says why)
                    yield resource.name, statement.get("Sid"), actions, pattern


def iam_overlaps(run: ProgramRun, theirs: dict[str, set[str]], model: str | None) -> list[str]:
    overlaps = []
    for policy, sid, actions, pattern in iam_patterns(run, model):
        for arn in theirs["arns"]:
            if ":log-stream:" in arn and not actions & STREAM_ACTIONS:
                continue
            if fnmatchcase(arn, pattern):
                overlaps.append(f"{policy} {sid}: {pattern} matches {arn}")
    return overlaps


def event_overlaps(run: ProgramRun, theirs: dict[str, set[str]], model: str | None) -> list[str]:
    overlaps = []
    for rule in run.of_type("aws:cloudwatch/eventRule:EventRule"):
        if model and owner(rule.name, list(run.outputs["models"])) != model:
            continue
        detail = json.loads(rule.inputs["eventPattern"])["detail"]
        for matcher in detail.get("TrainingJobName", []):
            prefix = matcher["prefix"]
            overlaps += [
                f"{rule.name}: {j}" for j in theirs["training_jobs"] if j.startswith(prefix)
            ]
        for name in detail.get("EndpointName", []):
            overlaps += [f"{rule.name}: {name}" for e in theirs["endpoints"] if e == name]
        for group in detail.get("ModelPackageGroupName", []):
            overlaps += [f"{rule.name}: {group}" for g in theirs["package_groups"] if g == group]
        if "bucket" in detail:
            buckets = set(detail["bucket"]["name"])
            prefixes = [m["prefix"] for m in detail["object"]["key"]]
            overlaps += [
                f"{rule.name}: {bucket}/{key}"
                for bucket in theirs["buckets"] & buckets
                for key in theirs["data_keys"]
                if any(key.startswith(p) for p in prefixes)
            ]
    return overlaps


@pytest.mark.parametrize(("ours", "theirs"), [("dev", "prod"), ("prod", "dev")])
def test_no_pattern_of_one_stack_matches_the_other_stacks_resources(
    runs: dict[str, ProgramRun], ours: str, theirs: str
) -> None:
    other = created_by(runs[theirs], theirs, [MODEL])
    assert iam_overlaps(runs[ours], other, None) == []
    assert event_overlaps(runs[ours], other, None) == []
    # The check has teeth: each stack's patterns do match its own resources.
    own = created_by(runs[ours], ours, [MODEL])
    assert len(iam_overlaps(runs[ours], own, None)) > 20
    rules = runs[ours].of_type("aws:cloudwatch/eventRule:EventRule")
    assert len(event_overlaps(runs[ours], own, None)) == len(rules)


def test_model_lab_reaches_nothing_of_model_lab_b(lab_models: ProgramRun) -> None:
    lab_b = created_by(lab_models, "dev", ["lab-b"])
    assert iam_overlaps(lab_models, lab_b, "lab") == []
    assert event_overlaps(lab_models, lab_b, "lab") == []
    lab = created_by(lab_models, "dev", ["lab"])
    assert iam_overlaps(lab_models, lab, "lab-b") == []
    assert event_overlaps(lab_models, lab, "lab-b") == []
    assert len(iam_overlaps(lab_models, lab, "lab")) > 20
