"""A mocked Step Functions (moto) that runs state machines and reports where they went."""

from __future__ import annotations

import gc
import itertools
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import boto3
from moto import mock_aws

from localcloud.stepfunctions.interpreter import install_interpreter_caches

ROLE = "arn:aws:iam::123456789012:role/differential"
# Which Succeed state an execution entered: get_execution_history would say, but moto
# spends ~11 ms serialising each history, a third of the time budget. Instead every input
# carries {"T0": {"entered": "T0"}, ...} under this key and each Succeed state's OutputPath
# selects its own entry, so describe_execution's output names the state. (An object, not
# the bare name: moto returns a string output unencoded, which is not JSON.) No rule reads
# this key (only "$" sees it, and every comparison on an object is false in both).
ROUTE_KEY = "route"


class Moto:
    """One mocked Step Functions for the whole module; executions run on moto's threads."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.names = itertools.count()
        self.machines: dict[str, str] = {}  # definition -> state machine ARN

    def outcomes(self, definition: str, inputs: list[Any]) -> list[str]:
        return [self._as_aws_names(outcome) for outcome in self.raw_outcomes(definition, inputs)]

    def raw_outcomes(self, definition: str, inputs: list[Any]) -> list[tuple[str, str]]:
        """(Succeed state entered or error name, cause) per input, as moto reports them."""
        number = next(self.names)
        # Hypothesis revisits small rule sets often; their machine is already there.
        if definition not in self.machines:
            self.machines[definition] = self.client.create_state_machine(
                name=f"differential-{number}", definition=definition, roleArn=ROLE
            )["stateMachineArn"]
        arn = self.machines[definition]
        executions = [
            # An explicit unique name: without one moto names every execution "None" and
            # the second start fails as a duplicate.
            self.client.start_execution(
                stateMachineArn=arn, name=f"run-{number}-{index}", input=json.dumps(raw)
            )["executionArn"]
            for index, raw in enumerate(inputs)
        ]
        # Not deleted afterwards: a delete costs as much as a poll and moto keeps up with a
        # few thousand machines.
        return [self._outcome(execution) for execution in executions]

    @staticmethod
    def _as_aws_names(outcome: tuple[str, str]) -> str:
        name, cause = outcome
        # moto reports an unmatched Choice as States.Runtime ("No branching option
        # reached"); AWS names it States.NoChoiceMatched (spec, Choice State).
        if name == "States.Runtime" and "No branching option reached" in cause:
            return "States.NoChoiceMatched"
        return name

    def _outcome(self, execution: str) -> tuple[str, str]:
        while (described := self.client.describe_execution(executionArn=execution))[
            "status"
        ] == "RUNNING":
            time.sleep(0.005)
        if described["status"] == "SUCCEEDED":
            # The Succeed state's OutputPath selects its own entry (see ROUTE_KEY).
            return str(json.loads(described["output"])["entered"]), ""
        return str(described.get("error", "")), str(described.get("cause", ""))


def running_moto() -> Iterator[Moto]:
    """For a module-scoped fixture: one mock, one client, for the module's tests."""
    # moto logs every evaluation error it turns into an execution failure; the failures are
    # the data here, not news.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    # moto's ANTLR parser allocates heavily, and with Hypothesis's bookkeeping on the heap
    # every full collection is long: rarer collections make the ci run ~30% faster.
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            # The embedded runtime's caches: one ANTLR parse per definition, not per execution.
            uninstall = install_interpreter_caches()
            try:
                yield Moto(boto3.client("stepfunctions", region_name="eu-west-1"))
            finally:
                uninstall()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
