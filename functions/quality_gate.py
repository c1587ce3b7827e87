"""The quality gate's arithmetic: the metrics, and the decision. Pure: numbers in, a decision out.

Both models are scored on the same held-out rows with the same definitions, Linear
Learner's own (SageMaker's "Metrics computed by the linear learner algorithm"):

- `mse`  mean squared error                       (the job's `test:mse`)
- `rmse` its square root                          (`test:rmse`)
- `mae`  mean absolute error, `absolute_loss`     (`test:absolute_loss`)

The challenger's score is the one the training job reports on its `test` channel (scored
after training, never trained on: `validation` would also steer early stopping and model
selection, so its score would be optimistic); the champion's is computed here from the
serving endpoint's predictions for the same rows.

The rules, in order (`decide`):

1. a drift rejection (a later check's verdict on the data, passed in) rejects;
2. `maxScore` set: the challenger must score at most it;
3. a champion exists and `maxRegressionPercent` is set: the challenger must score at most
   champion * (1 + N/100) (lower is better for every metric here);
4. otherwise (no champion, no absolute bound): nothing to compare with, it deploys.

`override` (the run input `overrideQualityGate`) makes the gate advisory: a model the rules
reject still deploys, and the evaluation says it was overridden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from contract.document import GATE_DEPLOY, GATE_REJECT
from contract.lambdas import QUALITY_METRIC_MAE, QUALITY_METRIC_MSE, QUALITY_METRIC_RMSE

# The training job's final metric of each gate metric (the `test` channel's).
TRAINING_METRIC: Final = {
    QUALITY_METRIC_MSE: "test:mse",
    QUALITY_METRIC_RMSE: "test:rmse",
    QUALITY_METRIC_MAE: "test:absolute_loss",
}


def score(metric: str, labels: Sequence[float], predictions: Sequence[float]) -> float:
    """`metric` of `predictions` against `labels` (as Linear Learner defines it)."""
    if metric not in TRAINING_METRIC:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(TRAINING_METRIC)}")
    if len(labels) != len(predictions):
        raise ValueError(f"{len(labels)} labels but {len(predictions)} predictions")
    if not labels:
        raise ValueError("no rows to score")
    residuals = [label - prediction for label, prediction in zip(labels, predictions, strict=True)]
    if metric == QUALITY_METRIC_MAE:
        return math.fsum(abs(r) for r in residuals) / len(residuals)
    mse = math.fsum(r * r for r in residuals) / len(residuals)
    return mse if metric == QUALITY_METRIC_MSE else math.sqrt(mse)


@dataclass(frozen=True)
class Bounds:
    max_score: float | None
    max_regression_percent: float | None


@dataclass(frozen=True)
class Decision:
    decision: str  # GATE_DEPLOY / GATE_REJECT
    reason: str
    overridden: bool
    # The score the challenger had to stay at or under against the champion (None: no such
    # bound applied).
    champion_limit: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "reason": self.reason,
            "overridden": self.overridden,
            "championLimit": self.champion_limit,
        }


def decide(
    *,
    metric: str,
    challenger: float,
    champion: float | None,
    bounds: Bounds,
    override: bool = False,
    drift_rejects: str | None = None,
) -> Decision:
    """Deploy or reject the challenger (see the module's rules); the reason says why."""
    failures: list[str] = []
    passes: list[str] = []
    if drift_rejects:
        failures.append(drift_rejects)
    if bounds.max_score is not None:
        verdict = f"{metric} {challenger:.6g} {{}} qualityMaxScore {bounds.max_score:g}"
        if challenger > bounds.max_score:
            failures.append(verdict.format("is above"))
        else:
            passes.append(verdict.format("is within"))
    limit = None
    if champion is not None and bounds.max_regression_percent is not None:
        limit = champion * (1 + bounds.max_regression_percent / 100)
        verdict = (
            f"{metric} {challenger:.6g} {{}} {limit:.6g}, the serving model's {champion:.6g} "
            f"+ {bounds.max_regression_percent:g}% (qualityMaxRegressionPercent)"
        )
        if challenger > limit:
            failures.append(verdict.format("is above"))
        else:
            passes.append(verdict.format("is within"))
    if failures:
        if override:
            return Decision(
                GATE_DEPLOY,
                "deployed by override (overrideQualityGate): the gate would have rejected it: "
                + "; ".join(failures),
                True,
                limit,
            )
        return Decision(GATE_REJECT, "rejected: " + "; ".join(failures), False, limit)
    if not passes:
        nothing = (
            "no serving model to compare with and no qualityMaxScore"
            if champion is None
            else "no bound is set (qualityMaxScore, qualityMaxRegressionPercent)"
        )
        return Decision(GATE_DEPLOY, f"deploy: {nothing}", False, limit)
    if champion is None and bounds.max_regression_percent is not None:
        passes.append("no serving model to compare with")
    return Decision(GATE_DEPLOY, "deploy: " + "; ".join(passes), False, limit)
