"""Smoke check of a deployed stack: `pulumi stack output --json | python -m infra.smoke --stack S`.

Run by the deploy workflows right after `pulumi up`. It checks, read-only, that

- the outputs `infra.program` exports are all there (`infra.outputs`), one set per model the
  stack's config declares;
- each state machine is ACTIVE and its deployed definition equals what this checkout renders
  from `Pulumi.<stack>.yaml` and the deployed function ARNs (a mismatch prints a diff);
- the bucket and every pipeline function exist. (The SSM marker is not checked: the pipeline
  creates it on its first successful run; until then its absence means "never trained".)

Exit 0 when all hold, 1 listing every problem otherwise, 2 on unusable input.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import REGION_KEY, ConfigError, parse_settings, pipeline_options
from infra.definition import DefinitionError, render_definition
from infra.outputs import ModelOutputs, OutputsError, StackOutputs, parse_stack_outputs
from infra.stack_file import REPO_ROOT, StackFileError, load_stack_config

ClientFactory = Callable[[str, str], Any]


def _default_client(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)  # type: ignore[call-overload]


def definition_diff(deployed: str, expected: str) -> list[str]:
    """A unified diff of the two definitions, pretty-printed; empty when they are equal JSON."""
    try:
        deployed_doc = json.loads(deployed)
    except json.JSONDecodeError as error:
        return [f"the deployed definition is not JSON: {error}"]
    expected_doc = json.loads(expected)
    if deployed_doc == expected_doc:
        return []
    return list(
        difflib.unified_diff(
            json.dumps(expected_doc, indent=2, sort_keys=True).splitlines(),
            json.dumps(deployed_doc, indent=2, sort_keys=True).splitlines(),
            "rendered by this checkout",
            "deployed",
            lineterm="",
        )
    )


def _call(problems: list[str], what: str, action: Callable[[], Any]) -> Any:
    try:
        return action()
    except (ClientError, BotoCoreError) as error:
        problems.append(f"{what}: {error}")
        return None


def check_model(
    model: ModelOutputs, expected_definition: str, region: str, client: ClientFactory
) -> list[str]:
    problems: list[str] = []
    sfn = client("stepfunctions", region)
    described = _call(
        problems,
        f"state machine {model.state_machine_arn}",
        lambda: sfn.describe_state_machine(stateMachineArn=model.state_machine_arn),
    )
    if described is not None:
        if described.get("status", "ACTIVE") != "ACTIVE":
            problems.append(f"state machine {model.name} is {described['status']}, not ACTIVE")
        diff = definition_diff(described["definition"], expected_definition)
        if diff:
            problems.append(
                f"state machine {model.name}: the deployed definition differs from the "
                "repository's rendering:\n" + "\n".join(diff)
            )
    s3 = client("s3", region)
    _call(problems, f"bucket {model.bucket}", lambda: s3.head_bucket(Bucket=model.bucket))
    functions = client("lambda", region)
    for key, arn in sorted(model.function_arns.items()):
        _call(
            problems,
            f"function {key} ({arn})",
            functools.partial(functions.get_function_configuration, FunctionName=arn),
        )
    return problems


def smoke_check(
    stack: str,
    outputs: dict[str, Any],
    *,
    project_root: Path = REPO_ROOT,
    client: ClientFactory = _default_client,
) -> list[str]:
    """Every problem found with the deployed `stack`; empty when it is healthy."""
    config = load_stack_config(stack, project_root=project_root)
    plain = {k: v for k, v in config.values.items() if k not in config.secret_keys}
    settings = parse_settings(plain, stack=stack)
    parsed: StackOutputs = parse_stack_outputs(outputs)
    problems: list[str] = []
    if parsed.region != settings.region:
        problems.append(
            f"output region is {parsed.region!r} but Pulumi.{stack}.yaml sets "
            f"{REGION_KEY}: {settings.region!r}"
        )
    declared = {m.name for m in settings.models}
    exported = {m.name for m in parsed.models}
    for name in sorted(declared - exported):
        problems.append(f"model {name!r} is declared in Pulumi.{stack}.yaml but not deployed")
    for name in sorted(exported - declared):
        problems.append(f"model {name!r} is deployed but no longer declared in Pulumi.{stack}.yaml")
    for model in parsed.models:
        if model.name not in declared:
            continue
        try:
            expected = render_definition(
                pipeline_options(settings.model(model.name)), model.function_arns
            )
        except DefinitionError as error:
            problems.append(f"model {model.name}: {error}")
            continue
        problems += check_model(model, expected, parsed.region, client)
    return problems


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.smoke",
        description="Check a deployed stack against this checkout (outputs JSON on stdin).",
    )
    parser.add_argument("--stack", required=True, help="the stack's name (Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--outputs", type=Path, help="a file with `pulumi stack output --json` (default: stdin)"
    )
    args = parser.parse_args(argv)
    source = "stdin"
    try:
        if args.outputs is not None:
            source = str(args.outputs)
            text = args.outputs.read_text(encoding="utf-8")
        else:
            text = (stdin or sys.stdin).read()
        outputs = json.loads(text)
        if not isinstance(outputs, dict):
            raise OutputsError(
                f"expected a JSON object of stack outputs, got {type(outputs).__name__}"
            )
        problems = smoke_check(args.stack, outputs)
    except (OSError, json.JSONDecodeError, OutputsError, StackFileError, ConfigError) as error:
        print(
            f"smoke check of stack {args.stack}: unusable input ({source}): {error}",
            file=sys.stderr,
        )
        return 2
    if problems:
        print(f"smoke check of stack {args.stack}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"- {problem}", file=sys.stderr)
        return 1
    print(f"smoke check of stack {args.stack}: outputs present, definitions match, resources exist")
    return 0


if __name__ == "__main__":
    sys.exit(main())
