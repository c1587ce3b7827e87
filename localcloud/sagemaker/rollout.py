"""SageMaker's blue/green deployment with traffic shifting and auto-rollback, on the clock.

UpdateEndpoint with a DeploymentConfig (`deployment_config.Policy`) runs, T being the
endpoint's transition time:

    Updating    green fleet Creating ("Launching N instance(s).")             T
                each step of the policy (canary; linear steps; full capacity):
                  ActivatingTraffic  the step's share of InvokeEndpoint calls goes to green
                  Baking             WaitIntervalInSeconds (the last step:
                                     TerminationWaitInSeconds); the rollback alarms are
                                     evaluated every minute and when the bake ends
    InService   on the new configuration; the blue fleet is terminated

    any rollback alarm in ALARM while baking, or MaximumExecutionTimeoutInSeconds passed:
    RollingBack (all traffic back to blue at once) --T/2--> InService on the OLD configuration

The blue fleet answers every request the green one does not: nobody is turned away. While it
runs DescribeEndpoint shows EndpointStatus Updating, the old EndpointConfigName and the new
fleet under PendingDeploymentSummary (its VariantStatus, with SageMaker's status messages);
LastDeploymentConfig once it ends. Every stage is a "SageMaker Endpoint Deployment State
Change" event (its detail: DescribeEndpoint's shape, as AWS's example shows), and every
EndpointStatus change also the usual "SageMaker Endpoint State Change".
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from localcloud.cloudwatch.alarms import ALARM, EVALUATION_INTERVAL_SECONDS, AlarmEvaluator
from localcloud.sagemaker import hosting
from localcloud.sagemaker.common import moto_now
from localcloud.sagemaker.deployment_config import Policy, Step

if TYPE_CHECKING:
    from localcloud.sagemaker.endpoints import Endpoints, _Endpoint

LOG = logging.getLogger(__name__)


@dataclass
class BlueGreen:
    """One blue/green deployment of an endpoint, from UpdateEndpoint to InService."""

    host: Endpoints
    record: _Endpoint
    policy: Policy
    config_name: str
    instance_count: int
    steps: list[Step]
    started: float
    green: hosting.Deployment | None = None
    share: float = 0.0  # of requests green answers now
    step: int = -1
    ended: bool = False
    alarmed: list[str] = field(default_factory=list)
    _routed: int = 0  # requests routed since the share last changed
    _summary: dict[str, Any] = field(default_factory=dict)

    # --- routing ------------------------------------------------------------------------------
    def route(self, blue: hosting.Deployment) -> hosting.Deployment:
        """Which fleet answers the next request: exactly `share` of them go to green, spread
        evenly (the n-th goes green when floor((n+1)*share) passes floor(n*share))."""
        if self.green is None or self.share <= 0:
            return blue
        count = self._routed
        self._routed += 1
        if math.floor((count + 1) * self.share + 1e-9) > math.floor(count * self.share + 1e-9):
            return self.green
        return blue

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, outcome: tuple[str, str | None] | None) -> None:
        endpoint = self.record.endpoint
        now = moto_now(self.host.clock)
        config = hosting.config_of(self.record.backend, self.config_name)
        self._summary = hosting.pending_summary(self.record.backend, config, now)
        self._variant_status("Creating", f"Launching {self.instance_count} instance(s).", 0)
        endpoint.endpoint_status = "Updating"
        endpoint.last_modified_time = now
        self.host._changed(self.record)
        self._deployment_event()
        self.host._later(
            self.record,
            self.host.transition_seconds,
            "green fleet provisioned",
            lambda: self._provisioned(outcome),
        )
        self.host._later(
            self.record,
            self.policy.maximum_execution_seconds,
            "deployment timeout",
            self._timed_out,
        )

    def _provisioned(self, outcome: tuple[str, str | None] | None) -> None:
        if self.ended:
            return
        backend = self.record.backend
        try:
            if outcome is not None:
                raise hosting.injected_failure(backend, self.config_name, outcome[1])
            self.green = hosting.load_deployment(
                backend, self.config_name, moto_now(self.host.clock)
            )
        except hosting.DeployFailed as error:
            final = (
                "UpdateRollbackFailed"
                if outcome and outcome[0] == "rollback-failed"
                else ("InService")
            )
            self._roll_back(str(error), final)
            return
        self._next_step()

    def _next_step(self) -> None:
        self.step += 1
        if self.step == len(self.steps):
            self._complete()
            return
        step = self.steps[self.step]
        self.share, self._routed = step.share, 0
        capacity = f"{step.capacity} capacity of {step.instances} instance(s)"
        self._variant_status(
            "ActivatingTraffic", f"Activating traffic on {capacity}.", step.instances
        )
        self._deployment_event()
        self._variant_status(
            "Baking",
            f"Baking for {step.bake_seconds} seconds ({step.bake_setting}) with traffic "
            f"enabled on {capacity}.",
            step.instances,
        )
        self._deployment_event()
        LOG.info(
            "endpoint %s: %s, %.0f%% of traffic on the new configuration",
            self.record.endpoint.endpoint_name,
            step.capacity,
            100 * step.share,
        )
        self._watch(self.host.clock.now() + step.bake_seconds)

    def _watch(self, bake_end: float) -> None:
        """Evaluate the rollback alarms now; again at every minute and at the bake's end."""
        if self.ended:
            return
        fired = self._alarms_in_alarm()
        if fired:
            names = ", ".join(fired)
            self._roll_back(
                f"Auto-rollback: CloudWatch alarm(s) {names} in ALARM while baking "
                f"({self.steps[self.step].capacity} capacity); all traffic is back on "
                f"endpoint configuration {self.record.endpoint.endpoint_config_name}.",
                "InService",
            )
            return
        now = self.host.clock.now()
        if now >= bake_end:
            self._next_step()
            return
        minute = (math.floor(now / EVALUATION_INTERVAL_SECONDS) + 1) * EVALUATION_INTERVAL_SECONDS
        self.host._later(
            self.record,
            min(minute, bake_end) - now,
            "rollback alarms evaluated",
            lambda: self._watch(bake_end),
        )

    def _alarms_in_alarm(self) -> list[str]:
        if not self.policy.alarms:
            return []
        backend = self.record.backend
        evaluations = self.alarms.evaluate(
            backend.account_id, backend.region_name, list(self.policy.alarms)
        )
        self.alarmed = [e.alarm_name for e in evaluations if e.state == ALARM]
        return self.alarmed

    @property
    def alarms(self) -> AlarmEvaluator:
        return self.host.alarms

    def _timed_out(self) -> None:
        if self.ended:
            return
        self._roll_back(
            "The deployment did not complete within its MaximumExecutionTimeoutInSeconds "
            f"({self.policy.maximum_execution_seconds} s); all traffic is back on endpoint "
            f"configuration {self.record.endpoint.endpoint_config_name}.",
            "InService",
        )

    def _complete(self) -> None:
        self.ended = True
        record, endpoint = self.record, self.record.endpoint
        assert self.green is not None
        record.serving = self.green
        record.rollout = None
        endpoint.endpoint_config_name = self.config_name
        endpoint.last_deployment_config = self.policy.requested
        self.host._settle(record, "InService", None)
        self._deployment_event(pending=False)

    def _roll_back(self, reason: str, final: str) -> None:
        self.ended = True
        self.share = 0.0  # every request back on blue at once
        record, endpoint = self.record, self.record.endpoint
        if self.green is not None:  # the new fleet, never needed now, goes
            self._variant_status("Deleting", f"Terminating {self.instance_count} instance(s).", 0)
        endpoint.endpoint_status = "RollingBack"
        endpoint.failure_reason = reason
        endpoint.last_modified_time = moto_now(self.host.clock)
        self.host._changed(record)
        self._deployment_event()
        LOG.info("endpoint %s rolling back: %s", endpoint.endpoint_name, reason)

        def rolled_back() -> None:
            record.rollout = None
            endpoint.last_deployment_config = self.policy.requested
            self.host._settle(record, final, reason)
            self._deployment_event(pending=False)

        self.host._later(record, self.host.transition_seconds / 2, "rolled back", rolled_back)

    # --- what DescribeEndpoint and the events show --------------------------------------------
    def _variant_status(self, status: str, message: str, active: int) -> None:
        now: datetime = moto_now(self.host.clock)
        for variant in self._summary.get("ProductionVariants", []):
            variant["VariantStatus"] = [
                {"Status": status, "StatusMessage": message, "StartTime": now}
            ]
            variant["CurrentInstanceCount"] = active
            variant["CurrentWeight"] = round(self.share * variant.get("DesiredWeight", 1.0), 6)
        self.record.endpoint.pending_deployment_summary = self._summary

    def _deployment_event(self, *, pending: bool = True) -> None:
        self.host._deployment_changed(self.record, pending=pending)
