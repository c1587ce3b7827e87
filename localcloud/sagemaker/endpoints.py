"""Real-time endpoints of the local SageMaker: deployments on the virtual clock, real inference.

An endpoint is stored as moto's FakeEndpoint (ListEndpoints, tags and DescribeEndpoint keep
working on it) and driven here:

    CreateEndpoint  Creating --T--> InService (model loaded from the Model's ModelDataUrl)
                             \\---> Failed (artefact unusable, or fail_next_endpoint_creation)
    UpdateEndpoint  Updating --T--> InService on the new config
                             \\---> RollingBack --T/2--> InService on the OLD config
                                                    \\--> UpdateRollbackFailed
    DeleteEndpoint  Deleting --min(T, 60 s)--> gone

UpdateEndpoint with a DeploymentConfig runs SageMaker's blue/green traffic shifting with
auto-rollback instead (`localcloud.sagemaker.rollout`). Every InvokeEndpoint records
SageMaker's invocation metrics in CloudWatch (`localcloud.sagemaker.invocation_metrics`).

T is `transition_seconds`. During Updating and RollingBack the OLD config keeps answering
InvokeEndpoint (SageMaker's blue/green update: "there is no availability loss");
DescribeEndpoint shows the old EndpointConfigName and the new one under
PendingDeploymentSummary. Every status change is a "SageMaker Endpoint State Change" event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from localcloud.clock import Clock, Timer
from localcloud.cloudwatch.alarms import AlarmEvaluator, AlarmNotEvaluable, UnknownAlarm
from localcloud.internals.moto_private import FakeEndpoint, SageMakerModelBackend
from localcloud.sagemaker import deployment_config, hosting, invocation_metrics, linear
from localcloud.sagemaker.common import (
    ENDPOINT_DEPLOYMENT_STATE_CHANGE,
    ENDPOINT_STATE_CHANGE,
    Emit,
    RuntimeValidationError,
    StateChange,
    check_name,
    event_ready,
    moto_now,
    tag_map,
    validation_error,
)
from localcloud.sagemaker.rollout import BlueGreen
from localcloud.sagemaker.variant_faults import VariantFault

LOG = logging.getLogger(__name__)

# Statuses in which the endpoint has instances that answer InvokeEndpoint.
SERVING = ("InService", "Updating", "RollingBack", "UpdateRollbackFailed", "SystemUpdating")
IN_PROGRESS = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting")
OUTCOMES = ("rollback", "rollback-failed")
DELETE_SECONDS = 60.0


class LocalEndpoint(FakeEndpoint):
    """moto's endpoint plus what DescribeEndpoint shows while a deployment is in progress."""

    failure_reason: str | None  # type: ignore[assignment]  # moto declares it always None
    production_variants: list[dict[str, Any]] | None  # type: ignore[assignment]  # None: undeployed
    pending_deployment_summary: dict[str, Any] | None
    last_deployment_config: dict[str, Any] | None

    def is_created(self) -> bool:  # CloudFormationModel's abstract member
        return True


@dataclass(frozen=True)
class Invocation:
    """One InvokeEndpoint call: which configuration answered it, at which virtual time."""

    at: float
    endpoint_name: str
    endpoint_status: str | None  # None: no such endpoint
    endpoint_config_name: str | None  # the configuration whose model answered
    variant_name: str | None
    records: int
    ok: bool
    error: str | None = None
    model_latency_seconds: float = 0.0  # what ModelLatency recorded (an injected delay too)

    @property
    def answered_at(self) -> float:
        return self.at + self.model_latency_seconds


@dataclass
class _Endpoint:
    endpoint: LocalEndpoint
    backend: SageMakerModelBackend
    serving: hosting.Deployment | None = None
    timers: list[Timer] = field(default_factory=list)
    rollout: BlueGreen | None = None  # a blue/green deployment in progress
    # Misbehaviour of the variant a configuration deploys (canary-5xx, canary-slow).
    variant_faults: dict[str, VariantFault] = field(default_factory=dict)


class Endpoints:
    """Create/Update/Delete of endpoints, InvokeEndpoint, fault controls and records."""

    def __init__(
        self,
        clock: Clock,
        lock: threading.RLock,
        emit: Emit,
        transition_seconds: float,
        alarms: AlarmEvaluator | None = None,
    ):
        self._clock = clock
        self.clock = clock
        self.alarms = alarms or AlarmEvaluator(clock)
        self._lock = lock
        self._emit = emit
        self.transition_seconds = transition_seconds
        self._records: dict[str, _Endpoint] = {}  # by endpoint ARN
        self._fail_creation: deque[str | None] = deque()
        self._fail_update: deque[tuple[str, str | None]] = deque()
        self._fail_invocation: deque[str] = deque()
        self._new_variant_faults: deque[VariantFault] = deque()
        self.invocations: list[Invocation] = []

    # --- controls -----------------------------------------------------------------------------
    def fail_next_creation(self, reason: str | None) -> None:
        with self._lock:
            self._fail_creation.append(reason)

    def fail_next_update(self, outcome: str, reason: str | None) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
        with self._lock:
            self._fail_update.append((outcome, reason))

    def pending_faults(self) -> tuple[int, dict[str, int]]:
        """(creation failures, update failures by outcome) not consumed yet."""
        with self._lock:
            updates = dict.fromkeys(OUTCOMES, 0)
            for outcome, _ in self._fail_update:
                updates[outcome] += 1
            return len(self._fail_creation), updates

    def fail_next_invocation(self, reason: str) -> None:
        with self._lock:
            self._fail_invocation.append(reason)

    def pending_invocation_faults(self) -> int:
        with self._lock:
            return len(self._fail_invocation)

    def fail_next_new_variant(self, fault: VariantFault) -> None:
        """The new variant of the next UpdateEndpoint misbehaves as `fault` says."""
        with self._lock:
            self._new_variant_faults.append(fault)

    def pending_new_variant_faults(self) -> dict[str, int]:
        with self._lock:
            pending = dict.fromkeys(VariantFault.KINDS, 0)
            for fault in self._new_variant_faults:
                pending[fault.kind] += 1
            return pending

    def clear_faults(self) -> int:
        """Drop the injected faults no CreateEndpoint/UpdateEndpoint/InvokeEndpoint has
        consumed yet."""
        with self._lock:
            pending = len(self._fail_creation) + len(self._fail_update)
            pending += len(self._fail_invocation) + len(self._new_variant_faults)
            self._fail_creation.clear()
            self._fail_update.clear()
            self._fail_invocation.clear()
            self._new_variant_faults.clear()
            # A misbehaving variant already deployed behaves again: test isolation.
            for record in self._records.values():
                record.variant_faults.clear()
            return pending

    def cancel_all(self) -> None:
        with self._lock:
            for record in self._records.values():
                _cancel(record)

    # --- API ----------------------------------------------------------------------------------
    def create(
        self, backend: SageMakerModelBackend, name: str, config_name: str, tags: Any
    ) -> LocalEndpoint:
        check_name(name, "endpointName")
        with self._lock:
            if name in backend.endpoints:
                arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
                raise validation_error(f'Cannot create already existing endpoint "{arn}".')
            config = hosting.config_of(backend, config_name)
            endpoint = LocalEndpoint(
                account_id=backend.account_id,
                region_name=backend.region_name,
                endpoint_name=name,
                endpoint_config_name=config_name,
                production_variants=config.production_variants,
                data_capture_config=config.data_capture_config,
                tags=tags,
            )
            now = moto_now(self._clock)
            endpoint.creation_time = endpoint.last_modified_time = now
            endpoint.endpoint_status = "Creating"
            endpoint.production_variants = None  # nothing is deployed yet
            endpoint.pending_deployment_summary = hosting.pending_summary(backend, config, now)
            endpoint.last_deployment_config = None
            backend.endpoints[name] = endpoint
            record = _Endpoint(endpoint, backend)
            self._records[endpoint.arn] = record
            failure = (
                (True, self._fail_creation.popleft()) if self._fail_creation else (False, None)
            )
            self._later(
                record,
                self.transition_seconds,
                "in service",
                lambda: self._created(record, *failure),
            )
            self._changed(record)
            return endpoint

    def update(
        self,
        backend: SageMakerModelBackend,
        name: str,
        config_name: str,
        requested_deployment: dict[str, Any] | None = None,
    ) -> str:
        with self._lock:
            record = self._record(backend, name)
            config = hosting.config_of(backend, config_name)
            endpoint = record.endpoint
            status = endpoint.endpoint_status
            if status in IN_PROGRESS:
                raise validation_error(f'Cannot update in-progress endpoint "{endpoint.arn}".')
            if status not in ("InService", "UpdateRollbackFailed"):
                raise validation_error(f'Cannot update failed endpoint "{endpoint.arn}".')
            if requested_deployment is not None:
                return self._blue_green(record, config_name, requested_deployment)
            now = moto_now(self._clock)
            endpoint.endpoint_status = "Updating"
            endpoint.last_modified_time = now
            endpoint.pending_deployment_summary = hosting.pending_summary(backend, config, now)
            outcome = self._fail_update.popleft() if self._fail_update else None
            self._arm_new_variant(record, config_name)
            self._later(
                record,
                self.transition_seconds,
                "updated",
                lambda: self._updated(record, config_name, outcome),
            )
            self._changed(record)
            return str(endpoint.arn)

    def _blue_green(self, record: _Endpoint, config_name: str, requested: dict[str, Any]) -> str:
        """UpdateEndpoint with a DeploymentConfig: validated before anything changes."""
        backend = record.backend
        variants = hosting.config_of(backend, config_name).production_variants
        if len(variants) != 1:
            raise validation_error(
                "localcloud's SageMaker shifts traffic for endpoint configurations with one "
                f"production variant; {config_name} has {len(variants)}."
            )
        instance_count = int(variants[0].get("InitialInstanceCount") or 1)

        def alarm_problem(alarm_name: str) -> str | None:
            try:
                alarm = self.alarms.find(backend.account_id, backend.region_name, alarm_name)
                self.alarms.check_evaluable(alarm)
            except UnknownAlarm as error:
                return str(error)
            except AlarmNotEvaluable as error:
                return str(error)
            return None

        policy = deployment_config.parse(requested, instance_count, alarm_problem)
        outcome = self._fail_update.popleft() if self._fail_update else None
        self._arm_new_variant(record, config_name)
        rollout = BlueGreen(
            host=self,
            record=record,
            policy=policy,
            config_name=config_name,
            instance_count=instance_count,
            steps=policy.steps(instance_count),
            started=self._clock.now(),
        )
        record.rollout = rollout
        rollout.start(outcome)
        return str(record.endpoint.arn)

    def _arm_new_variant(self, record: _Endpoint, config_name: str) -> None:
        if self._new_variant_faults:
            record.variant_faults[config_name] = self._new_variant_faults.popleft()

    def delete(self, backend: SageMakerModelBackend, name: str) -> None:
        with self._lock:
            record = self._record(backend, name)
            endpoint = record.endpoint
            if endpoint.endpoint_status in IN_PROGRESS:
                raise validation_error(f'Cannot update in-progress endpoint "{endpoint.arn}".')
            _cancel(record)
            record.serving = None
            record.rollout = None
            endpoint.endpoint_status = "Deleting"
            endpoint.last_modified_time = moto_now(self._clock)
            self._later(
                record,
                min(self.transition_seconds, DELETE_SECONDS),
                "deleted",
                lambda: self._gone(record),
            )
            self._changed(record)

    def invoke(
        self,
        *,
        account: str,
        region: str,
        name: str,
        body: bytes,
        content_type: str,
        accept: str | None,
    ) -> tuple[bytes, str, str]:
        received = time.perf_counter_ns()
        with self._lock:
            arn = FakeEndpoint.arn_formatter(name, account, region)
            record = self._records.get(arn)
            status = record.endpoint.endpoint_status if record is not None else None
            serving = record.serving if record is not None and status in SERVING else None
            at = self._clock.now()
            if record is None or serving is None:
                self.invocations.append(
                    Invocation(at, name, status, None, None, 0, False, "not found")
                )
                raise RuntimeValidationError(f"Endpoint {name} of account {account} not found.")
            # During a blue/green deployment the new fleet answers its share of requests.
            answering = record.rollout.route(serving) if record.rollout else serving
            config, variant = answering.config_name, answering.variant
            fault = record.variant_faults.get(config)
            metrics = invocation_metrics.Measure(received)
            try:
                metrics.container_started()
                if self._fail_invocation:
                    # The model container failing (a crash, out of memory): SageMaker's
                    # ModelError with the container's 500.
                    raise linear.InferenceError(500, self._fail_invocation.popleft())
                if fault is not None:
                    fault.strike(metrics)  # raises its 500, or answers late
                rows = linear.parse_request(body, content_type, answering.model.feature_dim)
                predictions = answering.model.predict(rows)
                answer, answer_type = linear.render_predictions(predictions, accept)
            except linear.InferenceError as error:
                metrics.container_answered(error.status)
                metrics.record(record.backend, name, variant, moto_now(self._clock))
                self.invocations.append(
                    Invocation(
                        at,
                        name,
                        status,
                        config,
                        variant,
                        0,
                        False,
                        str(error),
                        metrics.model_latency_seconds,
                    )
                )
                raise hosting.model_error(account, region, name, error) from error
            metrics.container_answered(200)
            metrics.record(record.backend, name, variant, moto_now(self._clock))
            self.invocations.append(
                Invocation(
                    at,
                    name,
                    status,
                    config,
                    variant,
                    len(rows),
                    True,
                    None,
                    metrics.model_latency_seconds,
                )
            )
        # A slow answer takes its virtual time for a caller taking part in the simulation.
        if metrics.injected_delay_seconds and self._clock.is_actor():
            self._clock.sleep(metrics.injected_delay_seconds)
        return answer, answer_type, variant

    # --- transitions --------------------------------------------------------------------------
    def _created(self, record: _Endpoint, injected: bool, reason: str | None) -> None:
        endpoint = record.endpoint
        config_name = endpoint.endpoint_config_name
        try:
            if injected:
                raise hosting.injected_failure(record.backend, config_name, reason)
            record.serving = hosting.load_deployment(
                record.backend, config_name, moto_now(self._clock)
            )
        except hosting.DeployFailed as error:
            self._settle(record, "Failed", str(error))
            return
        self._settle(record, "InService", None)

    def _updated(
        self, record: _Endpoint, config_name: str, outcome: tuple[str, str | None] | None
    ) -> None:
        try:
            if outcome is not None:
                raise hosting.injected_failure(record.backend, config_name, outcome[1])
            new = hosting.load_deployment(record.backend, config_name, moto_now(self._clock))
        except hosting.DeployFailed as error:
            # The old instances never stopped serving; SageMaker rolls traffic back to them.
            reason = str(error)
            record.endpoint.endpoint_status = "RollingBack"
            record.endpoint.failure_reason = reason
            record.endpoint.last_modified_time = moto_now(self._clock)
            self._changed(record)
            final = (
                "UpdateRollbackFailed"
                if outcome and outcome[0] == "rollback-failed"
                else "InService"
            )
            self._later(
                record,
                self.transition_seconds / 2,
                "rolled back",
                lambda: self._settle(record, final, reason),
            )
            return
        record.serving = new
        record.endpoint.endpoint_config_name = config_name
        self._settle(record, "InService", None)

    def _settle(self, record: _Endpoint, status: str, reason: str | None) -> None:
        endpoint = record.endpoint
        now = moto_now(self._clock)
        endpoint.endpoint_status = status
        endpoint.failure_reason = reason
        endpoint.pending_deployment_summary = None
        endpoint.last_modified_time = now
        if record.serving is not None:
            endpoint.production_variants = record.serving.summaries
        self._changed(record)
        LOG.info(
            "endpoint %s %s%s", endpoint.endpoint_name, status, f": {reason}" if reason else ""
        )

    def _gone(self, record: _Endpoint) -> None:
        backend, endpoint = record.backend, record.endpoint
        if backend.endpoints.get(endpoint.endpoint_name) is endpoint:
            del backend.endpoints[endpoint.endpoint_name]
        self._records.pop(endpoint.arn, None)

    # --- helpers ------------------------------------------------------------------------------
    def _later(self, record: _Endpoint, delay: float, what: str, action: Any) -> Timer:
        def fire() -> None:
            with self._lock:
                if self._records.get(record.endpoint.arn) is record:
                    action()

        name = record.endpoint.endpoint_name
        timer = self._clock.call_later(delay, fire, f"endpoint {name} {what}")
        record.timers.append(timer)
        return timer

    def _record(self, backend: SageMakerModelBackend, name: str) -> _Endpoint:
        endpoint = backend.endpoints.get(name)
        record = self._records.get(endpoint.arn) if endpoint is not None else None
        if record is None:
            arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
            raise validation_error(f"Could not find endpoint '{arn}'.")
        return record

    def _changed(self, record: _Endpoint) -> None:
        self._publish(record, ENDPOINT_STATE_CHANGE, self._detail(record))

    def _deployment_changed(self, record: _Endpoint, *, pending: bool) -> None:
        """A "SageMaker Endpoint Deployment State Change": the endpoint's detail plus the
        deployment in progress (PendingDeploymentSummary), as AWS's example shows."""
        detail = self._detail(record)
        summary = record.endpoint.pending_deployment_summary
        if pending and summary is not None:
            detail["PendingDeploymentSummary"] = event_ready(summary)
        self._publish(record, ENDPOINT_DEPLOYMENT_STATE_CHANGE, detail)

    def _detail(self, record: _Endpoint) -> dict[str, Any]:
        endpoint = record.endpoint
        detail = event_ready(
            {
                "EndpointName": endpoint.endpoint_name,
                "EndpointArn": endpoint.arn,
                "EndpointConfigName": endpoint.endpoint_config_name,
                "ProductionVariants": endpoint.production_variants,
                # Events spell statuses as IN_SERVICE, UPDATE_ROLLBACK_FAILED, ...
                "EndpointStatus": hosting.event_status(endpoint.endpoint_status),
                "FailureReason": endpoint.failure_reason,
                "CreationTime": endpoint.creation_time,
                "LastModifiedTime": endpoint.last_modified_time,
            }
        )
        detail["Tags"] = tag_map(endpoint.tags)
        return dict(detail)

    def _publish(self, record: _Endpoint, detail_type: str, detail: dict[str, Any]) -> None:
        self._emit(
            StateChange(
                record.backend.account_id,
                record.backend.region_name,
                detail_type,
                detail,
                [record.endpoint.arn],
                self._clock.now(),
            )
        )


def _cancel(record: _Endpoint) -> None:
    for timer in record.timers:
        timer.cancel()
    record.timers.clear()
