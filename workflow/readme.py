"""README.md sections generated from the pipeline (diagram, routing table).

A section is the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from workflow import routing
from workflow.asl import StateMachine


def _mermaid(machine: StateMachine) -> str:
    return "```mermaid\n" + machine.to_mermaid().rstrip("\n") + "\n```\n"


SECTIONS: dict[str, Callable[[StateMachine], str]] = {
    "pipeline-diagram": _mermaid,
    "routing-table": routing.routing_table_markdown,
}


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with the generated section `name` holding `body`; an error if it has none."""
    pattern = re.compile(
        rf"(<!-- generated:{name} -->\n)(.*?)(<!-- /generated:{name} -->)", re.DOTALL
    )
    if not pattern.search(text):
        raise ValueError(f"README has no generated section '{name}'")
    return pattern.sub(lambda match: match.group(1) + body + match.group(3), text)


def refresh_generated_sections(text: str, machine: StateMachine) -> str:
    for name, render in SECTIONS.items():
        text = replace_section(text, name, render(machine))
    return text
