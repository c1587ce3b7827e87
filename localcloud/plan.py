"""`make plan STACK=dev|prod`: the resources a stack declares, without AWS or Pulumi CLI.

Runs the real program (`infra.program.define_stack`) with the stack's config file under
`PlanMocks`, prints one line per resource (type, name, key inputs) and writes
`<out-dir>/plan-<stack>.json`: `[{"type", "name", "inputs"}]` with the inputs exactly as
the program passes them, JSON documents (IAM policies, the state machine definition, event
patterns) parsed, secrets masked as "[secret]".

What AWS would answer at deploy time (account, the region's Linear Learner image, ...) is
answered by placeholders here: account 123456789012, made-up registry and secret suffixes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime

from localcloud.deploy.pulumi_program import (
    REPO_ROOT,
    ProgramFailed,
    ProgramRun,
    load_stack_config,
    masked,
    run_program,
)

PLAN_ACCOUNT = "123456789012"
PLAN_ALGORITHM_REGISTRY = "000000000000"
# Inputs that hold a JSON document as text: shown parsed.
JSON_DOCUMENT_INPUTS = frozenset({"policy", "assumeRolePolicy", "definition", "eventPattern"})


def _arn(service: str, region: str, resource: str, account: str = PLAN_ACCOUNT) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


class PlanMocks(pulumi.runtime.Mocks):
    """Deterministic stand-ins for the AWS provider: each resource's outputs are its inputs
    plus the ARN AWS would give it."""

    def __init__(self, region: str, account: str = PLAN_ACCOUNT) -> None:
        self.region = region
        self.account = account

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        region, account = self.region, self.account
        answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": lambda a: {
                "accountId": account,
                "arn": f"arn:aws:iam::{account}:user/plan",
                "userId": "AIDAPLANUSER",
                "id": account,
            },
            "aws:index/getRegion:getRegion": lambda a: {
                "region": region,
                "name": region,
                "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
                "description": region,
            },
            "aws:s3/getBucket:getBucket": lambda a: {
                "id": a["bucket"],
                "bucket": a["bucket"],
                "arn": f"arn:aws:s3:::{a['bucket']}",
                "bucketRegion": region,
                "region": region,
            },
            "aws:s3/getBucketNotification:getBucketNotification": lambda a: {
                "bucket": a["bucket"],
                "eventbridge": True,
                "region": region,
            },
            "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage": lambda a: {
                "id": PLAN_ALGORITHM_REGISTRY,
                "registryId": PLAN_ALGORITHM_REGISTRY,
                "registryPath": (
                    f"{PLAN_ALGORITHM_REGISTRY}.dkr.ecr.{region}.amazonaws.com/"
                    f"{a['repositoryName']}:{a.get('imageTag') or '1'}"
                ),
                "repositoryName": a["repositoryName"],
                "imageTag": a.get("imageTag") or "1",
                "region": region,
            },
        }
        answer = answers.get(args.token)
        if answer is None:
            raise NotImplementedError(f"the plan has no answer for {args.token}")
        return answer(dict(args.args)), []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        name = str(
            inputs.get("name") or inputs.get("bucket") or inputs.get("layerName") or args.name
        )
        state = {**inputs, "id": name}
        arn = self._arn(args.typ, name, inputs)
        if arn is not None:
            state["arn"] = arn
        if args.typ == "aws:lambda/layerVersion:LayerVersion":
            state["layerArn"], state["version"] = arn.rsplit(":", 1) if arn else (None, None)
        return name, state

    def _arn(self, typ: str, name: str, inputs: dict[str, Any]) -> str | None:
        region = self.region
        suffix = hashlib.sha256(name.encode()).hexdigest()[:6]
        formats: dict[str, str] = {
            "aws:iam/role:Role": f"arn:aws:iam::{self.account}:role/{name}",
            "aws:lambda/function:Function": _arn("lambda", region, f"function:{name}"),
            "aws:lambda/layerVersion:LayerVersion": _arn("lambda", region, f"layer:{name}:1"),
            "aws:sfn/stateMachine:StateMachine": _arn("states", region, f"stateMachine:{name}"),
            "aws:cloudwatch/logGroup:LogGroup": _arn("logs", region, f"log-group:{name}"),
            "aws:cloudwatch/eventRule:EventRule": _arn("events", region, f"rule/{name}"),
            "aws:cloudwatch/metricAlarm:MetricAlarm": _arn("cloudwatch", region, f"alarm:{name}"),
            "aws:scheduler/scheduleGroup:ScheduleGroup": _arn(
                "scheduler", region, f"schedule-group/{name}"
            ),
            "aws:scheduler/schedule:Schedule": _arn(
                "scheduler", region, f"schedule/{inputs.get('groupName', 'default')}/{name}"
            ),
            "aws:secretsmanager/secret:Secret": _arn(
                "secretsmanager", region, f"secret:{name}-{suffix}"
            ),
            "aws:sns/topic:Topic": _arn("sns", region, name),
            "aws:s3/bucket:Bucket": f"arn:aws:s3:::{name}",
        }
        return formats.get(typ)


# --- rendering --------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """JSON-friendly: archives and assets become their path (relative to the repository);
    whole numbers, which Pulumi's wire format carries as doubles, are integers again."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        path = Path(value.path)
        shown = path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else path
        kind = "fileArchive" if isinstance(value, pulumi.FileArchive) else "fileAsset"
        return {kind: str(shown)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def plan_entries(run: ProgramRun) -> list[dict[str, Any]]:
    entries = []
    for entry in run.plan():
        inputs = _plain(masked(entry["inputs"]))
        for key in JSON_DOCUMENT_INPUTS & set(inputs):
            if isinstance(inputs[key], str):
                inputs[key] = json.loads(inputs[key])
        entries.append({"type": entry["type"], "name": entry["name"], "inputs": inputs})
    # Resources register concurrently; sorting makes plans of the same code identical, and
    # by name first keeps each model's and each function's resources together.
    return sorted(entries, key=lambda e: (e["name"], e["type"]))


_KEY_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:lambda/function:Function": ("name", "handler", "runtime", "timeout", "memorySize"),
    "aws:iam/role:Role": ("name",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:sfn/stateMachine:StateMachine": ("name", "loggingConfiguration", "tracingConfiguration"),
    "aws:scheduler/schedule:Schedule": ("name", "scheduleExpression", "scheduleExpressionTimezone"),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays"),
    "aws:cloudwatch/eventRule:EventRule": ("name",),
    "aws:s3/bucket:Bucket": ("bucket",),
}


def _summary(entry: dict[str, Any]) -> str:
    inputs = entry["inputs"]
    keys = _KEY_INPUTS.get(entry["type"])
    if keys is None:
        keys = tuple(k for k, v in inputs.items() if isinstance(v, str | int | bool))[:3]
    parts = []
    for key in keys:
        if key not in inputs:
            continue
        value = inputs[key]
        if key == "policy" and isinstance(value, dict):
            actions = sorted(
                {a for s in value.get("Statement", []) for a in _as_list(s.get("Action"))}
            )
            value = f"{len(actions)} actions: {', '.join(actions)}"
        elif isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=True)
        parts.append(f"{key}={value}")
    if entry["type"] == "aws:lambda/function:Function":
        variables = inputs.get("environment", {}).get("variables", {})
        parts.append(f"env={','.join(sorted(variables))}")
    return "  ".join(parts)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def short_type(token: str) -> str:
    """`aws:s3/bucketPolicy:BucketPolicy` → `aws:s3:BucketPolicy` (the table is wide enough)."""
    package, module, name = token.split(":", 2)
    return f"{package}:{module.split('/', 1)[0]}:{name}"


def render_table(entries: list[dict[str, Any]]) -> str:
    rows = [(short_type(e["type"]), e["name"], _summary(e)) for e in entries]
    type_width = max((len(r[0]) for r in rows), default=4)
    name_width = max((len(r[1]) for r in rows), default=4)
    lines = [f"{'TYPE':<{type_width}}  {'NAME':<{name_width}}  KEY INPUTS"]
    lines += [f"{t:<{type_width}}  {n:<{name_width}}  {s}" for t, n, s in rows]
    return "\n".join(lines)


def stack_region(stack: str) -> str:
    """The stack's `aws:region`: the plan's mocks answer as that region would."""
    region = load_stack_config(stack).values.get("aws:region")
    if not region:
        raise ValueError(f"Pulumi.{stack}.yaml sets no aws:region")
    return region


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud plan", description=__doc__)
    parser.add_argument("--stack", required=True, help="stack name: Pulumi.<stack>.yaml")
    parser.add_argument("--out-dir", type=Path, default=Path("out"), help="default: out/")
    args = parser.parse_args(argv)
    if not (REPO_ROOT / f"Pulumi.{args.stack}.yaml").is_file():
        print(f"no stack {args.stack!r}: Pulumi.{args.stack}.yaml does not exist", file=sys.stderr)
        return 2
    try:
        run = run_program(args.stack, PlanMocks(region=stack_region(args.stack)))
    except (ProgramFailed, ValueError) as error:
        print(error.__cause__ or error, file=sys.stderr)
        return 1
    entries = plan_entries(run)
    print(render_table(entries))
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"\n{len(entries)} resources; outputs:")
    print(json.dumps(run.outputs, indent=2, sort_keys=True))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"plan-{args.stack}.json"
    out.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
