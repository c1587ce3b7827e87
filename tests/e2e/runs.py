"""Reading a finished run the way an operator would: its states, documents, Slack messages.

Everything comes from what AWS (here moto) and Slack recorded — the execution history, the
execution's output, the messages the local Slack API accepted — never from the functions'
internals, so a test passes only if the run is visible as it should be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from localcloud.runtime import LocalCloud, Run
from localcloud.slack.api import Message

# moto's history event types that carry a state's failed Lambda call (direct or SDK task).
_TASK_FAILED = ("LambdaFunctionFailed", "TaskFailed")


@dataclass
class Finished:
    """One ended execution, read back from its history and from Slack."""

    run: Run
    status: str
    states: list[str]  # every state entered, in order
    document: dict[str, Any]  # the output, or the Fail state's input on failure
    exits: list[tuple[str, dict[str, Any]]]  # (state, document it left) in order
    task_failures: list[tuple[str, str]]  # (state, error) of each failed task attempt
    slack: list[Message] = field(repr=False)

    @property
    def name(self) -> str:
        return self.run.name

    def left(self, state: str) -> dict[str, Any]:
        """The document as `state` left it the first time (its ResultPath applied)."""
        for name, document in self.exits:
            if name == state:
                return document
        raise AssertionError(f"{self.name} never left {state}; states: {self.states}")

    def slack_text(self) -> str:
        """Every message posted for this run: text and blocks, for `in` checks."""
        return "\n".join(f"{m.text or ''} {json.dumps(m.blocks or [])}" for m in self.slack)

    def error_message(self) -> str:
        """What the failed task reported: the Catch's `$.error`, Lambda's errorMessage unpacked."""
        error = self.document.get("error") or {}
        cause = error.get("Cause") or ""
        try:
            parsed = json.loads(cause)
        except (TypeError, json.JSONDecodeError):
            parsed = None
        message = parsed.get("errorMessage") if isinstance(parsed, dict) else cause
        return f"{error.get('Error')}: {message}"


def finished(cloud: LocalCloud, run: Run) -> Finished:
    described = cloud.describe(run)
    if described["status"] == "RUNNING":
        raise AssertionError(f"{run.name} is still running")
    events = cloud.history(run)
    states: list[str] = []
    exits: list[tuple[str, dict[str, Any]]] = []
    failures: list[tuple[str, str]] = []
    last_input: dict[str, Any] = {}
    for event in events:
        entered = event.get("stateEnteredEventDetails")
        if entered:
            states.append(entered["name"])
            last_input = json.loads(entered.get("input") or "{}")
        exited = event.get("stateExitedEventDetails")
        if exited:
            exits.append((exited["name"], json.loads(exited.get("output") or "{}")))
        if event["type"] in _TASK_FAILED:
            details = event.get("lambdaFunctionFailedEventDetails") or event.get(
                "taskFailedEventDetails", {}
            )
            failures.append((states[-1] if states else "?", str(details.get("error"))))
    output = described.get("output")
    document = json.loads(output) if output else last_input
    slack = [
        m
        for m in cloud.slack.messages
        if run.name in (m.text or "") or run.name in json.dumps(m.blocks or [])
    ]
    return Finished(run, str(described["status"]), states, document, exits, failures, slack)


def wait(cloud: LocalCloud, *runs: Run) -> list[Finished]:
    cloud.wait(*runs)
    return [finished(cloud, run) for run in runs]


def states_so_far(cloud: LocalCloud, run: Run) -> list[str]:
    """The states a run (perhaps still running) has entered, in order."""
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in cloud.history(run)
        if "stateEnteredEventDetails" in e
    ]
