"""What a guarded (canary) rollout adds to a run: state transitions and virtual time.

One embedded cloud holds the prod stack with two models that differ only in their update
strategy: `bench-canary` (prod's canary: 50 % of two instances, 10 minutes of baking, a
5-minute termination wait) and `bench-all-at-once`. Each model's first run creates its
endpoint (never guarded); the measured runs then update it, with a training of 1 h (and
24 h), a quality gate and prod's manual approval, approved as soon as it waits (what the
operator does, with UpdateModelPackage). The difference between the two models' update
runs is what the canary costs; the canary's own runs are held to the budget (1 h: ≤ 45
transitions, 24 h: ≤ 65).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from contract import names, rollout
from localcloud import data
from localcloud.bench.orchestration import config_key, measurement_overrides
from localcloud.bench.results import Goal, Row
from localcloud.runtime import LocalCloud, ModelStack

START = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CANARY, ALL_AT_ONCE = "bench-canary", "bench-all-at-once"
HOUR, DAY = 3600.0, 86_400.0
# The budget (the project's rules): transitions of a run with the gate, manual approval and
# a canary rollout.
TRANSITION_BUDGET = {HOUR: 45, DAY: 65}


@dataclass(frozen=True)
class UpdateRun:
    status: str
    transitions: int
    virtual_seconds: float


@dataclass
class RolloutBench:
    runs: dict[tuple[str, float], UpdateRun] = field(default_factory=dict)


def _approve_waiting(cloud: LocalCloud, models: list[ModelStack]) -> Callable[[], None]:
    def approve() -> None:
        for model in models:
            sagemaker = cloud.client("sagemaker", model.region)
            waiting = sagemaker.list_model_packages(
                ModelPackageGroupName=names.model_package_group_name(model.stack, model.model),
                ModelApprovalStatus="PendingManualApproval",
            )["ModelPackageSummaryList"]
            for package in waiting:
                sagemaker.update_model_package(
                    ModelPackageArn=package["ModelPackageArn"],
                    ModelApprovalStatus="Approved",
                    ApprovalDescription="approved by the bench",
                )

    return approve


def _run(cloud: LocalCloud, model: ModelStack, approve: Callable[[], None]) -> UpdateRun:
    today = cloud.clock.utcnow().date()
    for back in (3, 2, 1):
        day = today - timedelta(days=back)
        cloud.upload_csv(model, day.isoformat(), data.daily_rows(day))
    run = cloud.start_run(model, {"force": True})
    (described,) = cloud.wait(run, on_idle=approve)
    events = cloud.history(run)
    return UpdateRun(
        status=str(described["status"]),
        transitions=sum(1 for e in events if "stateEnteredEventDetails" in e),
        virtual_seconds=(described["stopDate"] - described["startDate"]).total_seconds(),
    )


def measure_rollout(
    progress: Callable[[str], None], durations: tuple[float, ...] = (HOUR, DAY)
) -> RolloutBench:
    result = RolloutBench()
    models = [
        {"name": CANARY, "qualityMaxRegressionPercent": 1000},
        {
            "name": ALL_AT_ONCE,
            "qualityMaxRegressionPercent": 1000,
            "updateStrategy": rollout.STRATEGY_ALL_AT_ONCE,
        },
    ]
    overrides = {
        **measurement_overrides(),
        config_key("update_strategy"): rollout.STRATEGY_CANARY,
        "retraining:models": json.dumps(models),
    }
    with LocalCloud(start=START, endpoint_transition_seconds=600.0) as cloud:
        deployed = {m.model: m for m in cloud.deploy("prod", config_overrides=overrides)}
        approve = _approve_waiting(cloud, list(deployed.values()))
        cloud.sagemaker.training_duration = lambda request: 600.0
        for name, model in deployed.items():
            progress(f"  run: {name} first deployment (creates the endpoint)")
            _run(cloud, model, approve)
        for seconds in durations:
            cloud.sagemaker.training_duration = lambda request, s=seconds: s
            for name, model in deployed.items():
                run = result.runs[(name, seconds)] = _run(cloud, model, approve)
                progress(
                    f"  run: {name} update, training {seconds:,.0f} s: {run.status}, "
                    f"{run.transitions} transitions, {run.virtual_seconds:,.0f} s virtual"
                )
    return result


def rollout_rows(bench: RolloutBench) -> list[Row]:
    rows: list[Row] = []
    for seconds, label in ((HOUR, "1 h"), (DAY, "24 h")):
        canary, at_once = bench.runs.get((CANARY, seconds)), bench.runs.get((ALL_AT_ONCE, seconds))
        if canary is None or at_once is None:
            continue
        what = f"prod, {label} training + gate + manual approval"
        rows += [
            Row(
                f"state transitions, {what} + canary rollout ({canary.status})",
                canary.transitions,
                None,
                "states",
                Goal(TRANSITION_BUDGET[seconds]),
            ),
            Row(
                f"transitions the canary adds, {what} (vs allAtOnce: {at_once.transitions})",
                canary.transitions - at_once.transitions,
                None,
                "states",
            ),
            Row(
                f"virtual time the canary adds, {what} (vs allAtOnce: "
                f"{at_once.virtual_seconds / 60:,.1f} min)",
                round((canary.virtual_seconds - at_once.virtual_seconds) / 60, 2),
                None,
                "min virtual",
            ),
        ]
    return rows
