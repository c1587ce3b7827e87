"""A local SageMaker that really trains and serves, on virtual time.

moto's SageMaker completes training jobs the instant they are created, has no UpdateEndpoint
or StopTrainingJob, and its sagemaker-runtime answers canned bodies. `LocalSageMaker.install()`
patches moto (backend and response classes, so boto3 calls inside `mock_aws` reach it) so that:

- CreateTrainingJob starts a job that moves through SageMaker's statuses on the virtual clock
  and, when its time comes, reads the manifest's CSV files from the embedded S3, fits a linear
  regression (Linear Learner's regressor), writes a real model.tar.gz where SageMaker writes it,
  and reports Linear Learner's metrics (`localcloud.sagemaker.training`);
- CreateEndpoint / UpdateEndpoint / DeleteEndpoint deploy on the clock, with blue/green
  zero-downtime updates and rollbacks, and InvokeEndpoint computes predictions with the model
  currently serving (`localcloud.sagemaker.endpoints`); UpdateEndpoint's DeploymentConfig
  shifts traffic (canary, linear) and rolls back on its CloudWatch alarms
  (`localcloud.sagemaker.rollout`, alarms evaluated by `localcloud.cloudwatch`), and every
  InvokeEndpoint records SageMaker's invocation metrics;
- model package groups and versions behave as SageMaker's Model Registry, and a Model can be
  created from an approved package (`localcloud.sagemaker.registry`);
- every status change is published as SageMaker's EventBridge state-change event.

Models, endpoint configurations, tags and list/delete stay moto's. Timestamps moto stamps on
SageMaker resources read the virtual clock.

Thread-safety: moto's API calls arrive on any thread (Lambda handlers run on the Step
Functions interpreter's threads) and the clock's callbacks on the thread driving it; one
re-entrant lock guards all SageMaker state. Events are never sent under that lock: each is
scheduled on the clock at the instant of the change and delivered by the driver, so they stay
in order and are asynchronous to the API call that caused them, as in AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

from localcloud.clock import Clock
from localcloud.cloudwatch.alarms import AlarmEvaluator
from localcloud.eventbridge.router import EventRouter
from localcloud.internals.moto_private import (
    ActionResult,
    EmptyResult,
    SageMakerModelBackend,
    SageMakerResponse,
    SageMakerRuntimeResponse,
    sagemaker_models,
)
from localcloud.sagemaker.common import SOURCE, StateChange, moto_now
from localcloud.sagemaker.endpoints import Endpoints, Invocation
from localcloud.sagemaker.registry import ModelRegistry
from localcloud.sagemaker.training import DEFAULT_FAILURE, Duration, TrainingJobs
from localcloud.sagemaker.variant_faults import VariantFault

__all__ = ["Invocation", "LocalSageMaker", "StateChange"]

_MISSING = object()


class LocalSageMaker:
    """SageMaker training and hosting for the embedded runtime (see the module docstring)."""

    _installed: ClassVar[LocalSageMaker | None] = None

    def __init__(
        self,
        clock: Clock,
        events: EventRouter,
        *,
        training_duration: Duration | None = None,
        endpoint_transition_seconds: float = 480.0,
    ) -> None:
        self._clock = clock
        self._events = events
        self._lock = threading.RLock()
        self._saved: list[tuple[object, str, object]] = []
        self._closed = False
        self.training = TrainingJobs(clock, self._lock, self._emit)
        self.training.duration = training_duration
        self.endpoints = Endpoints(clock, self._lock, self._emit, endpoint_transition_seconds)
        self.registry = ModelRegistry(clock, self._lock, self._emit)
        # Every state-change event, in the order it was published.
        self.state_changes: list[StateChange] = []

    # --- settings (replaceable at any time) ---------------------------------------------------
    @property
    def training_duration(self) -> Duration | None:
        """`f(CreateTrainingJob request) -> virtual seconds`; None: a default from the data size."""
        return self.training.duration

    @training_duration.setter
    def training_duration(self, duration: Duration | None) -> None:
        with self._lock:
            self.training.duration = duration

    @property
    def endpoint_transition_seconds(self) -> float:
        return self.endpoints.transition_seconds

    @endpoint_transition_seconds.setter
    def endpoint_transition_seconds(self, seconds: float) -> None:
        with self._lock:
            self.endpoints.transition_seconds = seconds

    # --- fault injection ----------------------------------------------------------------------
    def fail_next_training(self, reason: str = DEFAULT_FAILURE) -> None:
        """The next training job created fails when its duration is over, with `reason`."""
        self.training.fail_next(reason)

    def stop_next_training(self) -> None:
        """Someone stops the next training job created halfway through (StopTrainingJob)."""
        self.training.stop_next()

    def fail_next_endpoint_creation(self, reason: str | None = None) -> None:
        """The next CreateEndpoint ends Failed instead of InService."""
        self.endpoints.fail_next_creation(reason)

    def fail_next_endpoint_update(
        self, outcome: str = "rollback", reason: str | None = None
    ) -> None:
        """The next UpdateEndpoint fails: `rollback` (RollingBack, then InService on the old
        configuration) or `rollback-failed` (RollingBack, then UpdateRollbackFailed)."""
        self.endpoints.fail_next_update(outcome, reason)

    def pending_faults(self) -> dict[str, int]:
        """Injected faults not consumed yet, by the control that injected them."""
        failures, stops = self.training.pending_faults()
        creations, updates = self.endpoints.pending_faults()
        return {
            "fail_next_training": failures,
            "stop_next_training": stops,
            "fail_next_endpoint_creation": creations,
            **{f"fail_next_endpoint_update:{outcome}": n for outcome, n in updates.items()},
            "fail_next_endpoint_invocation": self.endpoints.pending_invocation_faults(),
            **{
                f"fail_next_new_variant:{kind}": n
                for kind, n in self.endpoints.pending_new_variant_faults().items()
            },
        }

    def fail_next_endpoint_invocation(
        self, reason: str = "Worker died while processing the request"
    ) -> None:
        """The next InvokeEndpoint on an endpoint that serves fails: its model container
        answers 500, which SageMaker reports as a ModelError."""
        self.endpoints.fail_next_invocation(reason)

    def fail_next_new_variant(self, fault: VariantFault) -> None:
        """The variant the next UpdateEndpoint deploys misbehaves: answers 5XX (a ModelError)
        or slowly for `fault.share` of its requests, for as long as it is deployed."""
        self.endpoints.fail_next_new_variant(fault)

    @property
    def alarms(self) -> AlarmEvaluator:
        """The CloudWatch alarm evaluator blue/green deployments consult."""
        return self.endpoints.alarms

    def clear_faults(self) -> int:
        """Drop every injected fault not consumed yet (test isolation); how many there were."""
        return self.training.clear_faults() + self.endpoints.clear_faults()

    # --- records ------------------------------------------------------------------------------
    @property
    def invocations(self) -> list[Invocation]:
        """Every InvokeEndpoint call, with the virtual time and the config that answered."""
        with self._lock:
            return list(self.endpoints.invocations)

    # --- wiring into moto ---------------------------------------------------------------------
    def install(self) -> None:
        if LocalSageMaker._installed is not None:
            raise RuntimeError("another LocalSageMaker is installed; close() it first")
        if self._closed:
            raise RuntimeError("this LocalSageMaker was closed")
        LocalSageMaker._installed = self
        local, lock = self, self._lock
        training, endpoints = self.training, self.endpoints

        # Resources moto stamps itself (models, endpoint configs) get virtual timestamps.
        self._patch(sagemaker_models, "utcnow", lambda: moto_now(self._clock))

        # --- responses: actions moto lacks, and the full CreateTrainingJob request ------------
        def create_training_job(response: SageMakerResponse) -> ActionResult:
            job = training.create(response.sagemaker_backend, dict(response.params))
            return ActionResult({"TrainingJobArn": job.arn})

        # The backend methods these two call are the ones added below (unknown to moto's types).
        def stop_training_job(response: SageMakerResponse) -> EmptyResult:
            backend: Any = response.sagemaker_backend
            backend.stop_training_job(response._get_param("TrainingJobName"))
            return EmptyResult()

        def update_endpoint(response: SageMakerResponse) -> ActionResult:
            backend: Any = response.sagemaker_backend
            arn = backend.update_endpoint(
                endpoint_name=response._get_param("EndpointName"),
                endpoint_config_name=response._get_param("EndpointConfigName"),
                deployment_config=response._get_param("DeploymentConfig"),
            )
            return ActionResult({"EndpointArn": arn})

        self._patch(SageMakerResponse, "create_training_job", create_training_job)
        self._patch(SageMakerResponse, "stop_training_job", stop_training_job)
        self._patch(SageMakerResponse, "update_endpoint", update_endpoint)

        # --- backend --------------------------------------------------------------------------
        def describe_training_job(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
            return training.describe(backend, name)

        def stop_training(backend: SageMakerModelBackend, name: str) -> None:
            training.stop(backend, name)

        def create_endpoint(
            backend: SageMakerModelBackend,
            endpoint_name: str,
            endpoint_config_name: str,
            tags: list[dict[str, str]],
        ) -> Any:
            return endpoints.create(backend, endpoint_name, endpoint_config_name, tags)

        def update(
            backend: SageMakerModelBackend,
            endpoint_name: str,
            endpoint_config_name: str,
            deployment_config: dict[str, Any] | None = None,
        ) -> str:
            return endpoints.update(backend, endpoint_name, endpoint_config_name, deployment_config)

        def delete_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> None:
            endpoints.delete(backend, endpoint_name)

        backend_class = SageMakerModelBackend
        self._patch(backend_class, "describe_training_job", describe_training_job)
        self._patch(backend_class, "stop_training_job", stop_training)
        self._patch(backend_class, "create_endpoint", create_endpoint)
        self._patch(backend_class, "update_endpoint", update)
        self._patch(backend_class, "delete_endpoint", delete_endpoint)
        # moto's own readers of what the clock callbacks change: same lock, no torn reads.
        for name in ("describe_endpoint", "list_endpoints", "list_training_jobs"):
            self._patch(backend_class, name, _locked(lock, getattr(backend_class, name)))

        # --- sagemaker-runtime ----------------------------------------------------------------
        def invoke_endpoint(response: SageMakerRuntimeResponse) -> Any:
            body = (
                response.body if isinstance(response.body, bytes) else str(response.body).encode()
            )
            answer, content_type, variant = local.endpoints.invoke(
                account=response.current_account,
                region=response.region,
                name=response.path.split("/")[2],
                body=body,
                content_type=response.headers.get("Content-Type", ""),
                accept=response.headers.get("Accept"),
            )
            headers = {"Content-Type": content_type, "x-Amzn-Invoked-Production-Variant": variant}
            return 200, headers, answer

        self._patch(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint)

        # --- model registry (localcloud.sagemaker.registry) ------------------------------------
        for owner, name, replacement in self.registry.patches():
            self._patch(owner, name, replacement)

    def close(self) -> None:
        """Undo the patches and drop everything scheduled (idempotent)."""
        with self._lock:
            self._closed = True
            self.training.cancel_all()
            self.endpoints.cancel_all()
        for owner, name, original in reversed(self._saved):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._saved.clear()
        if LocalSageMaker._installed is self:
            LocalSageMaker._installed = None

    def _patch(self, owner: object, name: str, value: object) -> None:
        self._saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    # --- events -------------------------------------------------------------------------------
    def _emit(self, change: StateChange) -> None:
        def deliver() -> None:
            with self._lock:
                if self._closed:
                    return
                self.state_changes.append(change)
            self._events.emit(
                account=change.account,
                region=change.region,
                source=SOURCE,
                detail_type=change.detail_type,
                detail=change.detail,
                resources=change.resources,
            )

        status = (
            change.detail.get("TrainingJobStatus")
            or change.detail.get("EndpointStatus")
            or change.detail.get("ModelApprovalStatus")
        )
        self._clock.call_later(0, deliver, f"{change.detail_type}: {change.resources[0]} {status}")


def _locked(lock: threading.RLock, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return call
