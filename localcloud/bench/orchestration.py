"""Orchestration cost per run, measured side by side on the embedded runtime.

One `LocalCloud` (virtual clock, local SageMaker that really trains, endpoint transitions of
10 virtual minutes) holds the deployed stacks (the Pulumi program into moto) and, next to
them, the *baseline*: a second state machine with the original topology
(`localcloud.bench.baseline`), rendered with the same deployed function ARNs. Runs go one at a time;
each is started with `{"force": true}` so that back-to-back runs all train the window.

Deployment overrides, each for the measurement and none changing the state machine's
routing: trainingMaxRuntimeSeconds (and the spot MaxWait) are raised to SageMaker's
maximum, 28 days, so that every measured training duration is allowed. The schedules are
disabled (through the Scheduler API) and the data files are written without S3 event
notifications (the upload trigger stays deployed but is not fired), so the measured run is
the only one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from contract import lambdas, names, registry
from contract.document import KEY_TRAINING
from contract.limits import SAGEMAKER_MAX_RUNTIME_SECONDS
from contract.status import STAGE_DEPLOYMENT, STAGE_TRAINING, TERMINAL_STATUSES
from infra.config import NAMESPACE, model_settings_fields, setting_of
from localcloud import data
from localcloud.bench.baseline import ORIGINAL_POLL_SECONDS, build_baseline
from localcloud.bench.cost import BilledInvocation, lambda_usd, step_functions_usd
from localcloud.internals.moto_private import s3_backends
from localcloud.runtime import ACCOUNT, LocalCloud, ModelStack, Run
from localcloud.sagemaker.hosting import event_status
from workflow import pipeline as p

START = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
DEPLOYMENT_SECONDS = 600.0
BASELINE = "baseline"
TRAINING_TERMINAL = tuple(TERMINAL_STATUSES[STAGE_TRAINING])
# The quality gate's own states (workflow/pipeline.py): what it adds to a run is counted in
# the run's measured history, so no second definition without it is needed.
GATE_STATES = frozenset(
    {
        p.EVALUATE_MODEL,
        p.QUALITY_GATE_BRANCH,
        p.NOTIFY_MODEL_REJECTED,
        p.MODEL_REJECTED,
        p.EVALUATION_FAILED,
    }
)
# Endpoint events spell statuses as AWS's events do (IN_SERVICE), not as Describe does.
ENDPOINT_TERMINAL = tuple(event_status(s) for s in TERMINAL_STATUSES[STAGE_DEPLOYMENT])


def config_key(field_name: str) -> str:
    """The stack-config key of a ModelSettings field (its one home is infra.config)."""
    for f in model_settings_fields():
        if f.name == field_name:
            return f"{NAMESPACE}:{setting_of(f).key}"
    raise KeyError(f"infra.config.ModelSettings has no setting field {field_name!r}")


def measurement_overrides() -> dict[str, str]:
    longest = str(SAGEMAKER_MAX_RUNTIME_SECONDS)
    return {
        config_key("training_max_runtime_seconds"): longest,
        config_key("training_max_wait_seconds"): longest,
    }


@dataclass(frozen=True)
class Topology:
    label: str
    state_machine_arn: str
    model: ModelStack
    functions: frozenset[str]  # Lambda names this topology pays for
    poll_max_seconds: int  # the longest time a lost state-change event goes unnoticed


@dataclass(frozen=True)
class RunCost:
    topology: str
    training_seconds: float
    status: str
    transitions: int
    history_events: int
    lambda_invocations: int
    lambda_usd: float
    virtual_seconds: float
    training_lag_seconds: float | None
    deployment_lag_seconds: float | None
    wall_seconds: float
    # The quality gate's share of this run: its states entered, its Lambda's invocations, and
    # the virtual time from entering its first state to leaving its last.
    gate_transitions: int = 0
    gate_lambda_invocations: int = 0
    gate_virtual_seconds: float = 0.0

    @property
    def usd(self) -> float:
        return step_functions_usd(self.transitions) + self.lambda_usd


class OrchestrationBench:
    """Deployed stacks + the baseline in one embedded cloud; `measure()` runs one of them."""

    def __init__(self, cloud: LocalCloud, stacks: tuple[str, ...] = ("dev",)) -> None:
        self.cloud = cloud
        self.topologies: dict[str, Topology] = {}
        self._billing: dict[str, tuple[int, str]] = {}  # Lambda name -> (MB, architecture)
        self.environments: dict[str, dict[str, str]] = {}  # catalog key -> deployed env
        for stack in stacks:
            model = cloud.deploy(stack, config_overrides=measurement_overrides())[0]
            self._describe_functions(model)
            self.topologies[stack] = self._ours(stack, model)
        first = self.topologies[stacks[0]].model
        self.topologies[BASELINE] = self._baseline(first)
        self._disable_schedules({t.model.region for t in self.topologies.values()})

    # --- setup --------------------------------------------------------------------------------
    def _describe_functions(self, model: ModelStack) -> None:
        lambdas = self.cloud.client("lambda", model.region)
        for key, arn in model.function_arns.items():
            config = lambdas.get_function_configuration(FunctionName=arn)
            name = str(config["FunctionName"])
            self._billing[name] = (int(config["MemorySize"]), str(config["Architectures"][0]))
            self.environments.setdefault(key, dict(config["Environment"]["Variables"]))

    def _definition(self, arn: str, region: str) -> dict[str, Any]:
        sfn = self.cloud.client("stepfunctions", region)
        return dict(json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]))

    def _ours(self, stack: str, model: ModelStack) -> Topology:
        definition = self._definition(model.state_machine_arn, model.region)
        polling = definition["States"][p.GET_STATUS]["Parameters"]["polling"]
        # The event function is part of our design (EventBridge target), so we pay for it.
        keys = {spec.key for spec in lambdas.PIPELINE_FUNCTIONS} | {lambdas.ON_SAGEMAKER_EVENT.key}
        return Topology(
            label=f"ours ({stack})",
            state_machine_arn=model.state_machine_arn,
            model=model,
            functions=frozenset(_name(model.function_arns[k]) for k in keys),
            poll_max_seconds=int(polling["maxSeconds"]),
        )

    def _baseline(self, model: ModelStack) -> Topology:
        machine = build_baseline(model.model)
        keys = sorted(machine.placeholders())
        sfn = self.cloud.client("stepfunctions", model.region)
        role = sfn.describe_state_machine(stateMachineArn=model.state_machine_arn)["roleArn"]
        arn = sfn.create_state_machine(
            name=f"{model.state_machine_arn.rsplit(':', 1)[-1]}-baseline",
            definition=machine.to_json(resolve={k: model.function_arns[k] for k in keys}),
            roleArn=role,
            type="STANDARD",
        )["stateMachineArn"]
        # The original had no event rule: the stack's on_sagemaker_event, which fires for
        # the baseline's jobs too because it is deployed alongside, is not the baseline's cost.
        return Topology(
            label=BASELINE,
            state_machine_arn=str(arn),
            model=model,
            functions=frozenset(_name(model.function_arns[k]) for k in keys),
            poll_max_seconds=ORIGINAL_POLL_SECONDS,
        )

    def _disable_schedules(self, regions: set[str]) -> None:
        for region in sorted(regions):
            scheduler = self.cloud.client("scheduler", region)
            for page in scheduler.get_paginator("list_schedules").paginate():
                for summary in page["Schedules"]:
                    full = scheduler.get_schedule(
                        Name=summary["Name"], GroupName=summary["GroupName"]
                    )
                    kept = {
                        k: full[k]
                        for k in (
                            "Name",
                            "GroupName",
                            "ScheduleExpression",
                            "ScheduleExpressionTimezone",
                            "FlexibleTimeWindow",
                            "Target",
                            "ActionAfterCompletion",
                            "Description",
                            "StartDate",
                            "EndDate",
                        )
                        if k in full
                    }
                    scheduler.update_schedule(**kept, State="DISABLED")

    # --- one run --------------------------------------------------------------------------------
    def measure(
        self, topology: str, training_seconds: float, *, lose_events: bool = False
    ) -> RunCost:
        """One run of `topology` whose training lasts `training_seconds` (virtual)."""
        chosen = self.topologies[topology]
        cloud, model = self.cloud, chosen.model
        self._upload_recent_days(model)
        cloud.sagemaker.training_duration = lambda request: training_seconds
        first_invocation = len(cloud.lambdas.invocations)
        first_change = len(cloud.sagemaker.state_changes)
        name = f"bench-{topology}-{int(training_seconds)}s-{len(cloud.lambdas.invocations)}"
        started = time.perf_counter()
        with _events_lost(cloud, model, lose_events):
            arn = cloud.client("stepfunctions", model.region).start_execution(
                stateMachineArn=chosen.state_machine_arn,
                name=name,
                input=json.dumps({"force": True}),
            )["executionArn"]
            run = Run(str(arn), name, model)
            # A stack that approves manually (prod) waits for a person: one approves at once.
            described = cloud.wait(run, on_idle=lambda: _approve_waiting_packages(cloud, model))[0]
            # Deliver what is due at this very instant (a state change published as the run
            # ended), so that it is counted with this run, not the next.
            cloud.clock.advance(0)
        wall = time.perf_counter() - started
        events = cloud.history(run)
        entered = {
            e["stateEnteredEventDetails"]["name"]: e["timestamp"]
            for e in events
            if "stateEnteredEventDetails" in e
        }
        invocations = [
            i
            for i in cloud.lambdas.invocations[first_invocation:]
            if i.function_name in chosen.functions
        ]
        billed = [
            BilledInvocation(*self._billing[i.function_name], seconds=i.wall_seconds)
            for i in invocations
        ]
        gate_function = _name(model.function_arns[lambdas.EVALUATE_MODEL.key])
        output = json.loads(described.get("output") or "{}")
        job = (output.get(KEY_TRAINING) or {}).get("trainingJobName")
        changes = cloud.sagemaker.state_changes[first_change:]
        return RunCost(
            topology=chosen.label,
            training_seconds=training_seconds,
            status=str(described["status"]),
            transitions=sum(1 for e in events if "stateEnteredEventDetails" in e),
            history_events=len(events),
            lambda_invocations=len(invocations),
            lambda_usd=lambda_usd(billed),
            virtual_seconds=(described["stopDate"] - described["startDate"]).total_seconds(),
            training_lag_seconds=_lag(
                changes,
                resource=("TrainingJobName", job),
                status=("TrainingJobStatus", TRAINING_TERMINAL),
                noticed=entered.get(p.JOB_COMPLETED),
            ),
            deployment_lag_seconds=_lag(
                changes,
                resource=("EndpointName", model.endpoint_name),
                status=("EndpointStatus", ENDPOINT_TERMINAL),
                noticed=entered.get(p.DEPLOYMENT_COMPLETED),
            ),
            wall_seconds=round(wall, 2),
            gate_transitions=sum(1 for name, _ in _entered(events) if name in GATE_STATES),
            gate_lambda_invocations=sum(1 for i in invocations if i.function_name == gate_function),
            gate_virtual_seconds=_seconds_in(_entered(events), GATE_STATES, described["stopDate"]),
        )

    def _upload_recent_days(self, model: ModelStack) -> None:
        """The three days before the run date, straight into the embedded S3 without an event
        notification: the stack's upload trigger must not start a second run."""
        bucket = s3_backends[ACCOUNT]["aws"]
        today = self.cloud.clock.utcnow().date()
        for back in (3, 2, 1):
            day = today - timedelta(days=back)
            body = "".join(
                ",".join(repr(float(v)) for v in row) + "\n" for row in data.daily_rows(day)
            )
            bucket.put_object(
                model.bucket,
                f"{model.data_prefix}{day.isoformat()}.csv",
                body.encode(),
                disable_notification=True,
            )


def _approve_waiting_packages(cloud: LocalCloud, model: ModelStack) -> None:
    """What a person does on a manual-approval stack: approve what waits in the registry."""
    sagemaker = cloud.client("sagemaker", model.region)
    group = names.model_package_group_name(model.stack, model.model)
    waiting = sagemaker.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus=registry.PENDING_MANUAL_APPROVAL
    )["ModelPackageSummaryList"]
    for package in waiting:
        sagemaker.update_model_package(
            ModelPackageArn=package["ModelPackageArn"],
            ModelApprovalStatus=registry.APPROVED,
            ApprovalDescription="approved at once by the bench's operator",
        )


def _entered(events: list[dict[str, Any]]) -> list[tuple[str, datetime]]:
    """(state name, when entered) of each state the run entered, in order."""
    return [
        (e["stateEnteredEventDetails"]["name"], e["timestamp"])
        for e in events
        if "stateEnteredEventDetails" in e
    ]


def _seconds_in(
    entered: list[tuple[str, datetime]], states: frozenset[str], end: datetime
) -> float:
    """Virtual seconds the run spent in `states`: each from its entry to the next entry."""
    ends = [when for _, when in entered[1:]] + [end]
    return sum(
        (left - when).total_seconds()
        for (name, when), left in zip(entered, ends, strict=True)
        if name in states
    )


def _name(function_arn: str) -> str:
    return function_arn.rsplit(":", 1)[-1]


def _lag(
    changes: list[Any],
    *,
    resource: tuple[str, str | None],
    status: tuple[str, tuple[str, ...]],
    noticed: datetime | None,
) -> float | None:
    """Virtual seconds from SageMaker's terminal status (the last state-change event of the
    resource with a terminal status) to the state that acts on it."""
    name_field, name = resource
    status_field, terminal = status
    if name is None or noticed is None:
        return None
    reached = [
        change.at
        for change in changes
        if change.detail.get(name_field) == name
        and change.detail.get(status_field) in terminal
        and change.at <= noticed.timestamp()
    ]
    if not reached:
        return None
    return round(noticed.timestamp() - reached[-1], 3)


@contextmanager
def _events_lost(cloud: LocalCloud, model: ModelStack, lose: bool) -> Iterator[None]:
    """Lose every SageMaker state-change event: the event function does nothing, so only
    the safety poll can notice completion."""
    if not lose:
        yield
        return
    name = _name(model.function_arns[lambdas.ON_SAGEMAKER_EVENT.key])
    cloud.lambdas.stub(name, lambda event: {"lost": True})
    try:
        yield
    finally:
        cloud.lambdas.stub(name, None)


@contextmanager
def orchestration_bench(stacks: tuple[str, ...] = ("dev",)) -> Iterator[OrchestrationBench]:
    with LocalCloud(start=START, endpoint_transition_seconds=DEPLOYMENT_SECONDS) as cloud:
        yield OrchestrationBench(cloud, stacks)
