"""The quality gate's decision and metrics, exhaustively (functions.quality_gate)."""

from __future__ import annotations

import itertools
import math

import pytest

from contract.document import GATE_DEPLOY, GATE_REJECT
from contract.lambdas import QUALITY_METRIC_CHOICES
from functions.quality_gate import TRAINING_METRIC, Bounds, decide, score

pytestmark = pytest.mark.unit

LABELS = (3.0, -1.0, 4.0, 0.5)
PREDICTIONS = (2.0, 1.0, 4.0, -0.5)  # residuals 1, -2, 0, 1


def test_metrics_are_linear_learners_definitions():
    assert score("mse", LABELS, PREDICTIONS) == pytest.approx((1 + 4 + 0 + 1) / 4)
    assert score("rmse", LABELS, PREDICTIONS) == pytest.approx(math.sqrt(6 / 4))
    assert score("mae", LABELS, PREDICTIONS) == pytest.approx((1 + 2 + 0 + 1) / 4)
    # The job's own name of each: what the test channel reports (Linear Learner's docs).
    assert TRAINING_METRIC == {
        "mse": "test:mse",
        "rmse": "test:rmse",
        "mae": "test:absolute_loss",
    }
    assert set(TRAINING_METRIC) == set(QUALITY_METRIC_CHOICES)


@pytest.mark.parametrize(
    ("labels", "predictions", "message"),
    [((), (), "no rows"), ((1.0,), (1.0, 2.0), "1 labels but 2 predictions")],
)
def test_a_score_that_cannot_be_computed_says_why(labels, predictions, message):
    with pytest.raises(ValueError, match=message):
        score("rmse", labels, predictions)


CHALLENGERS = (1.0, 1.05, 1.1, 1.2, 3.0)
CHAMPIONS = (None, 1.0)
MAX_SCORES = (None, 1.1, 2.0)
PERCENTS = (None, 0.0, 10.0)


def expected_decision(challenger, champion, max_score, percent):
    """The rules as the README states them, written independently of the implementation."""
    if max_score is not None and challenger > max_score:
        return GATE_REJECT
    if champion is not None and percent is not None and challenger > champion * (1 + percent / 100):
        return GATE_REJECT
    return GATE_DEPLOY


@pytest.mark.parametrize(
    ("challenger", "champion", "max_score", "percent", "override"),
    list(itertools.product(CHALLENGERS, CHAMPIONS, MAX_SCORES, PERCENTS, (False, True))),
)
def test_decision_over_every_combination(challenger, champion, max_score, percent, override):
    decision = decide(
        metric="rmse",
        challenger=challenger,
        champion=champion,
        bounds=Bounds(max_score, percent),
        override=override,
    )
    would = expected_decision(challenger, champion, max_score, percent)
    assert decision.decision == (GATE_DEPLOY if override else would)
    assert decision.overridden == (override and would == GATE_REJECT)
    if decision.overridden:
        assert decision.reason.startswith("deployed by override")
    elif would == GATE_REJECT:
        assert decision.reason.startswith("rejected: ")
    else:
        assert decision.reason.startswith("deploy: ")
    if champion is not None and percent is not None:
        assert decision.champion_limit == pytest.approx(champion * (1 + percent / 100))
    else:
        assert decision.champion_limit is None


def test_reasons_name_the_scores_and_the_bounds():
    worse = decide(
        metric="rmse", challenger=1.2, champion=1.0, bounds=Bounds(None, 10.0), override=False
    )
    assert worse.reason == (
        "rejected: rmse 1.2 is above 1.1, the serving model's 1 + 10% (qualityMaxRegressionPercent)"
    )
    first = decide(metric="mae", challenger=3.0, champion=None, bounds=Bounds(2.0, 10.0))
    assert first.decision == GATE_REJECT
    assert first.reason == "rejected: mae 3 is above qualityMaxScore 2"
    nothing = decide(metric="mse", challenger=9.0, champion=None, bounds=Bounds(None, 10.0))
    assert nothing.decision == GATE_DEPLOY
    assert "no serving model to compare with and no qualityMaxScore" in nothing.reason


def test_equal_within_tolerance_deploys():
    # Exactly at the limit is within it: "at most N % worse".
    at_limit = decide(metric="rmse", challenger=1.1, champion=1.0, bounds=Bounds(None, 10.0))
    assert at_limit.decision == GATE_DEPLOY


def test_the_drift_seam_rejects_and_can_be_overridden():
    drift = "column 3 shifted by 5 standard deviations"
    rejected = decide(
        metric="rmse", challenger=1.0, champion=1.0, bounds=Bounds(None, 10.0), drift_rejects=drift
    )
    assert (rejected.decision, rejected.reason) == (GATE_REJECT, f"rejected: {drift}")
    overridden = decide(
        metric="rmse",
        challenger=1.0,
        champion=1.0,
        bounds=Bounds(None, 10.0),
        override=True,
        drift_rejects=drift,
    )
    assert (overridden.decision, overridden.overridden) == (GATE_DEPLOY, True)
