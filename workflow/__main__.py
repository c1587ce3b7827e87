"""`python -m workflow`: the pipeline's definition for humans and CI.

python -m workflow asl [--pretty]        ASL JSON (placeholders as example ARNs)
python -m workflow mermaid               Mermaid flowchart
python -m workflow route STATE 'JSON'    next state of a Choice state, or the AWS error
python -m workflow table                 the routing table (Markdown)
python -m workflow readme --write|--check README.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workflow import pipeline, routing
from workflow.asl import StatesError
from workflow.readme import refresh_generated_sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflow", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    asl = commands.add_parser("asl", help="print the ASL definition")
    asl.add_argument("--pretty", action="store_true", help="indent (not the deployed bytes)")
    commands.add_parser("mermaid", help="print the Mermaid flowchart")
    route = commands.add_parser("route", help="evaluate a Choice state on a JSON document")
    route.add_argument("state", choices=pipeline.CHOICE_STATES)
    route.add_argument("document", help="the state's input, as JSON")
    commands.add_parser("table", help="print the routing table")
    readme = commands.add_parser("readme", help="refresh README's generated sections")
    mode = readme.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    readme.add_argument("path", type=Path)
    args = parser.parse_args(argv)

    machine = pipeline.build_pipeline()
    if args.command == "asl":
        text = machine.to_json()
        print(json.dumps(json.loads(text), indent=2, sort_keys=True) if args.pretty else text)
    elif args.command == "mermaid":
        print(machine.to_mermaid(), end="")
    elif args.command == "route":
        try:
            document = json.loads(args.document)
        except json.JSONDecodeError as error:
            print(f"error: the document is not JSON: {error}", file=sys.stderr)
            return 2
        try:
            print(machine.route(args.state, document))
        except StatesError as error:
            print(f"{error.error}: {error.cause}")
            return 1
    elif args.command == "table":
        print(routing.routing_table_markdown(machine), end="")
    elif args.command == "readme":
        current = args.path.read_text(encoding="utf-8")
        refreshed = refresh_generated_sections(current, machine)
        if args.check:
            if refreshed != current:
                print(
                    f"{args.path} is stale: run `make readme` and commit the result",
                    file=sys.stderr,
                )
                return 1
            return 0
        args.path.write_text(refreshed, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
