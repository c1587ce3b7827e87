"""docs/configuration.md, generated from the settings declared in infra.config.

    python -m infra.config_docs --write docs/configuration.md   # regenerate
    python -m infra.config_docs --check docs/configuration.md   # exit 1 when stale
    python -m infra.config_docs --readme README.md              # README's copy of the tables

A test fails when the file differs from what this module renders.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.config import (
    ALLOWED_ACCOUNT_IDS_KEY,
    DEFAULT_MODEL_NAME,
    MODELS_KEY,
    NAMESPACE,
    REGION_KEY,
    model_name_field,
    model_settings_fields,
    setting_of,
    stack_settings_fields,
)
from workflow.readme import replace_section

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

_HEADER = f"""# Configuration

<!-- Generated from infra/config.py by `python -m infra.config_docs --write
docs/configuration.md`. Edit the settings there, not this file: a test fails when it is
stale. -->

Each stack reads its settings from `Pulumi.<stack>.yaml`, keys in the `{NAMESPACE}`
namespace. Everything is checked before any resource is declared, and every problem is
reported at once, naming its key, e.g.
`{NAMESPACE}:trainingWindowDays must be an integer from 1 to 36500, got "x"`.
Keys that are not listed here are reported too (a misspelled key is never silently ignored).

Set values with `pulumi config set {NAMESPACE}:<key> <value> --stack <stack>`, objects and
lists with `--path` or by editing the YAML. The Slack token is a secret:
`pulumi config set --secret {NAMESPACE}:slackToken <token>` stores it encrypted; it reaches
AWS only as the value of a Secrets Manager secret, never as an environment variable, a
stack output or a log line.
"""

_MODELS_INTRO = f"""
## Model pipelines

`{NAMESPACE}:{MODELS_KEY}` lists the model pipelines of the stack (default: one, named
`{DEFAULT_MODEL_NAME}`). Each item needs a `name` and may override any per-model key:

```yaml
config:
  {NAMESPACE}:trainingInstanceType: ml.m5.large   # default of every model
  {NAMESPACE}:{MODELS_KEY}:
    - name: demand
    - name: churn
      trainingInstanceType: ml.m5.xlarge   # this model only
```
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(value: Any, required: bool) -> str:
    if required:
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):  # maps are stored as sorted (key, value) pairs
        return f"`{json.dumps(dict(value), separators=(', ', ': '))}`" if value else "`{}`"
    return f"`{value}`"


def _row(key: str, kind: str, default: str, meaning: str) -> str:
    return f"| `{key}` | {_cell(kind)} | {_cell(default)} | {_cell(meaning)} |"


def _table(rows: list[str]) -> list[str]:
    return ["| key | type | default | meaning |", "|---|---|---|---|", *rows]


def _tables() -> tuple[list[str], list[str]]:
    stack_rows = [
        _row(REGION_KEY, "AWS region", "required", "Region of every resource (AWS provider)."),
        _row(
            ALLOWED_ACCOUNT_IDS_KEY,
            "list of AWS account IDs",
            "any account",
            "The only accounts the stack's AWS providers deploy to (quoted 12-digit "
            "strings); they refuse credentials of any other.",
        ),
        _row(
            f"{NAMESPACE}:{MODELS_KEY}",
            "list of objects",
            f'`[{{"name": "{DEFAULT_MODEL_NAME}"}}]`',
            "The model pipelines (see below).",
        ),
    ]
    for field in stack_settings_fields():
        spec = setting_of(field)
        stack_rows.append(
            _row(
                f"{NAMESPACE}:{spec.key}",
                spec.kind.label,
                _default(field.default, spec.required),
                spec.doc,
            )
        )
    name_spec = setting_of(model_name_field())
    model_rows = [_row("name", name_spec.kind.label, "required", name_spec.doc)]
    for field in model_settings_fields():
        spec = setting_of(field)
        model_rows.append(
            _row(spec.key, spec.kind.label, _default(field.default, spec.required), spec.doc)
        )
    return stack_rows, model_rows


def render() -> str:
    stack_rows, model_rows = _tables()
    lines = [
        _HEADER,
        "## Stack-wide settings",
        "",
        *_table(stack_rows),
        _MODELS_INTRO,
        "## Per-model settings",
        "",
        f"Set as `{NAMESPACE}:<key>` for every model of the stack, or as `<key>` in an item "
        f"of `{NAMESPACE}:{MODELS_KEY}` for one model (`name` only there).",
        "",
        *_table(model_rows),
        "",
    ]
    return "\n".join(lines)


README_SECTION = "configuration"


def render_readme_section() -> str:
    """The README's copy of the reference: both tables, under the README's own headings."""
    stack_rows, model_rows = _tables()
    return "\n".join(
        [
            "#### Stack-wide settings",
            "",
            *_table(stack_rows),
            "",
            "#### Per-model settings",
            "",
            f"As `{NAMESPACE}:<key>` for every model, or in an item of `{NAMESPACE}:{MODELS_KEY}`.",
            "",
            *_table(model_rows),
            "",
        ]
    )


def refresh_readme(text: str) -> str:
    """`text` (README.md) with its generated configuration section re-rendered."""
    return replace_section(text, README_SECTION, render_readme_section())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.config_docs")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", type=Path, metavar="PATH")
    action.add_argument("--check", type=Path, metavar="PATH")
    action.add_argument("--readme", type=Path, metavar="PATH", help="refresh README's section")
    args = parser.parse_args(argv)
    if args.readme is not None:
        args.readme.write_text(refresh_readme(args.readme.read_text(encoding="utf-8")))
        return 0
    text = render()
    if args.write is not None:
        args.write.write_text(text, encoding="utf-8")
        return 0
    if args.check.read_text(encoding="utf-8") != text:
        print(f"{args.check} is stale: run python -m infra.config_docs --write {args.check}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
