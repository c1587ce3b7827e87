"""Render each stack's definitions with fixed example ARNs (see test_rendered_definitions.py).

python -m tests.infra.golden_definitions --write   refresh tests/infra/golden/
"""

from __future__ import annotations

import argparse
from pathlib import Path

from infra.config import parse_settings, pipeline_options
from infra.definition import pipeline_function_keys, render_definition
from infra.stack_file import load_stack_config

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
STACKS = ("dev", "prod")
EXAMPLE_ACCOUNT = "123456789012"


def render_stack(stack: str) -> dict[str, str]:
    """File name -> the definition of each model of `stack`, as infra renders it at deploy."""
    config = load_stack_config(stack)
    plain = {k: v for k, v in config.values.items() if k not in config.secret_keys}
    settings = parse_settings(plain, stack=stack)
    rendered = {}
    for model in settings.models:
        arns = {
            key: f"arn:aws:lambda:{settings.region}:{EXAMPLE_ACCOUNT}:function:"
            f"{stack}-{model.name}-{key}"
            for key in sorted(pipeline_function_keys())
        }
        rendered[f"{stack}-{model.name}.asl.json"] = render_definition(
            pipeline_options(model), arns
        )
    return rendered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", required=True)
    parser.parse_args()
    GOLDEN_DIR.mkdir(exist_ok=True)
    for stack in STACKS:
        for name, text in render_stack(stack).items():
            (GOLDEN_DIR / name).write_text(text, encoding="utf-8")
            print(f"wrote {GOLDEN_DIR / name}")


if __name__ == "__main__":
    main()
