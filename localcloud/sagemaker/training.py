"""Training jobs of the local SageMaker: SageMaker's lifecycle on the virtual clock.

A job is stored as moto's FakeTrainingJob (so ListTrainingJobs, tags and ARNs keep working)
and driven here: InProgress through the secondary statuses AWS reports (Starting,
Downloading, Training, Uploading), then Completed, Failed, Stopped (StopTrainingJob), or
Stopped/MaxRuntimeExceeded. Timeline of a job lasting D virtual seconds from its creation:

    0               Starting      (TrainingStartTime)
    min(180, D/5)   Downloading
    + min(60, D/10) Training      the channel is read and fitted now: bad data fails here,
                                  early in the job, as the algorithm would
    D - min(60, D/20) Uploading
    D               Completed     model.tar.gz written to <S3OutputPath>/<job>/output/

Every status change is a "SageMaker Training Job State Change" event, non-terminal ones too.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from localcloud.clock import Clock, Timer
from localcloud.internals.moto_private import (
    FakeTrainingJob,
    ResourceInUseException,
    SageMakerModelBackend,
)
from localcloud.sagemaker import algorithm, linear
from localcloud.sagemaker.common import (
    TRAINING_STATE_CHANGE,
    Emit,
    S3Store,
    StateChange,
    StoreError,
    check_name,
    event_ready,
    moto_now,
    tag_map,
    validation_error,
)

LOG = logging.getLogger(__name__)

DEFAULT_MAX_RUNTIME = 86_400  # AWS: "If value is not specified, default value is 1 day."
MAX_RUNTIME_LIMIT = 28 * 86_400  # AWS: "The maximum value is 28 days."
STOP_SECONDS = 30.0  # Stopping -> Stopped (AWS allows the algorithm up to 120 s after SIGTERM)
DEFAULT_FAILURE = "InternalServerError: We encountered an internal error. Please try again."
MAX_RUNTIME_REASON = "Training job runtime exceeded MaxRuntimeInSeconds provided"
MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "MaxRuntimeExceeded": "Training job stopped: it exceeded MaxRuntimeInSeconds",
}

Duration = Callable[[dict[str, Any]], float]


class LocalTrainingJob(FakeTrainingJob):
    """moto's training job plus the members SageMaker returns while and after it runs."""

    failure_reason: str | None
    training_time_in_seconds: int | None
    billable_time_in_seconds: int | None


@dataclass
class _Run:
    job: LocalTrainingJob
    account: str
    region: str
    started: float  # virtual epoch seconds
    timers: list[Timer] = field(default_factory=list)
    result: linear.TrainingResult | None = None
    injected_failure: str | None = None
    finished: bool = False


class TrainingJobs:
    """Create/Stop/Describe of training jobs, their timeline, and the fault controls."""

    def __init__(self, clock: Clock, lock: threading.RLock, emit: Emit) -> None:
        self._clock = clock
        self._lock = lock
        self._emit = emit
        self._runs: dict[str, _Run] = {}  # by job ARN
        self._fail_next: deque[str] = deque()
        self._stop_next = 0
        self.duration: Duration | None = None  # None: default_training_seconds

    # --- controls -----------------------------------------------------------------------------
    def fail_next(self, reason: str) -> None:
        with self._lock:
            self._fail_next.append(reason)

    def stop_next(self) -> None:
        with self._lock:
            self._stop_next += 1

    def pending_faults(self) -> tuple[int, int]:
        """(failures, stops) injected and not consumed by a CreateTrainingJob yet."""
        with self._lock:
            return len(self._fail_next), self._stop_next

    def clear_faults(self) -> int:
        """Drop the injected faults no job has consumed yet; how many there were."""
        with self._lock:
            pending = len(self._fail_next) + self._stop_next
            self._fail_next.clear()
            self._stop_next = 0
            return pending

    def cancel_all(self) -> None:
        with self._lock:
            for run in self._runs.values():
                _cancel(run)

    # --- API ----------------------------------------------------------------------------------
    def create(self, backend: SageMakerModelBackend, request: dict[str, Any]) -> LocalTrainingJob:
        request = copy.deepcopy(request)
        name = request.get("TrainingJobName")
        check_name(name, "trainingJobName")
        assert isinstance(name, str)
        stopping = _stopping_condition(request)
        for member in ("RoleArn", "AlgorithmSpecification", "OutputDataConfig"):
            if not request.get(member):
                field_name = member[0].lower() + member[1:]
                raise validation_error(
                    f"1 validation error detected: Value null at '{field_name}' failed to "
                    "satisfy constraint: Member must not be null"
                )
        if not request["OutputDataConfig"].get("S3OutputPath"):
            raise validation_error("OutputDataConfig.S3OutputPath must be an s3:// URI")
        store = S3Store(backend.account_id, backend.region_name)
        with self._lock:
            if name in backend.training_jobs:
                arn = FakeTrainingJob.arn_formatter(name, backend.account_id, backend.region_name)
                raise ResourceInUseException(
                    "Training job names must be unique within an AWS account and region, and a "
                    f"training job with this name already exists ({arn})"
                )
            duration = max(1.0, float(self._duration_of(request, store)))
            job = _new_job(backend, request, stopping, moto_now(self._clock))
            backend.training_jobs[name] = job
            run = _Run(job, backend.account_id, backend.region_name, self._clock.now())
            self._runs[job.arn] = run
            if self._fail_next:
                run.injected_failure = self._fail_next.popleft()
            stop_midway = self._stop_next > 0
            self._stop_next = max(0, self._stop_next - 1)
            self._schedule(run, duration, float(stopping["MaxRuntimeInSeconds"]), stop_midway)
            self._changed(run)
            return job

    def stop(self, backend: SageMakerModelBackend, name: str) -> None:
        with self._lock:
            job = backend.training_jobs.get(name)
            if job is None:
                raise validation_error("Requested resource not found.")
            run = self._runs.get(job.arn)
            if run is None or job.training_job_status != "InProgress":
                raise validation_error(
                    "The request was rejected because the training job is in status "
                    f"{job.training_job_status}."
                )
            self._stopping(run)

    def describe(self, backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
        with self._lock:
            job = backend.training_jobs.get(name)
            if job is None:
                # What SageMaker answers for an unknown job (moto says "Could not find ...").
                raise validation_error("Requested resource not found.")
            return job.response_object

    # --- timeline -----------------------------------------------------------------------------
    def _duration_of(self, request: dict[str, Any], store: S3Store) -> float:
        if self.duration is not None:
            return self.duration(copy.deepcopy(request))
        return algorithm.default_training_seconds(algorithm.input_bytes(request, store))

    def _schedule(self, run: _Run, duration: float, max_runtime: float, stop_midway: bool) -> None:
        starting = min(180.0, duration / 5)
        downloading = min(60.0, duration / 10)
        uploading = min(60.0, duration / 20)
        guarded = self._guarded
        plan: list[tuple[float, Callable[[], None], str]] = [
            (starting, guarded(run, lambda: self._secondary(run, "Downloading")), "downloading"),
            (starting + downloading, guarded(run, lambda: self._train(run)), "training"),
            (
                duration - uploading,
                guarded(run, lambda: self._secondary(run, "Uploading")),
                "uploading",
            ),
            (duration, lambda: self._complete(run), "completes"),
        ]
        if stop_midway:
            plan.append((duration / 2, guarded(run, lambda: self._stopping(run)), "stopped"))
        if duration > max_runtime:
            plan = [step for step in plan if step[0] < max_runtime]
            plan.append((max_runtime, guarded(run, lambda: self._max_runtime(run)), "timed out"))
        name = run.job.training_job_name
        for offset, action, what in plan:
            timer = self._clock.call_at(run.started + offset, action, f"training job {name} {what}")
            run.timers.append(timer)

    def _guarded(self, run: _Run, action: Callable[[], None]) -> Callable[[], None]:
        def fire() -> None:
            with self._lock:
                if not run.finished:
                    action()

        return fire

    def _secondary(self, run: _Run, status: str) -> None:
        _transition(run.job, status, moto_now(self._clock))
        self._changed(run)

    def _train(self, run: _Run) -> None:
        self._secondary(run, "Training")
        try:
            store = S3Store(run.account, run.region)
            run.result = algorithm.train(run.job.input_data_config, run.job.hyper_parameters, store)
        except linear.TrainingDataError as error:
            self._finish(run, "Failed", "Failed", algorithm.client_error(error))
        except (ValueError, ArithmeticError, MemoryError) as error:  # numpy's own failures
            self._finish(
                run, "Failed", "Failed", f"AlgorithmError: {type(error).__name__}: {error}"
            )

    def _complete(self, run: _Run) -> None:
        """Upload the artefact, then complete. The upload happens outside the lock: S3 may
        publish an "Object Created" event whose rule invokes a Lambda function right away."""
        with self._lock:
            if run.finished:
                return
            if run.injected_failure is not None:
                self._finish(run, "Failed", "Failed", run.injected_failure)
                return
            assert run.result is not None  # _train ran first, or the job failed there
            job, result = run.job, run.result
            uri = job.model_artifacts["S3ModelArtifacts"]
        data = linear.pack(result.model, job.training_job_name, result.records)
        try:
            S3Store(run.account, run.region).write(uri, data)
            failure = None
        except StoreError as error:
            failure = f"ClientError: Failed to upload model artifacts: {error}"
        with self._lock:
            if job.training_job_status != "InProgress":  # stopped while uploading
                return
            if failure is not None:
                self._finish(run, "Failed", "Failed", failure)
                return
            now = moto_now(self._clock)
            job.final_metric_data_list = [
                {"MetricName": name, "Value": value, "Timestamp": now}
                for name, value in result.metrics.items()
            ]
            self._finish(run, "Completed", "Completed")

    def _stopping(self, run: _Run) -> None:
        _cancel(run)
        run.job.training_job_status = "Stopping"
        _transition(run.job, "Stopping", moto_now(self._clock))
        self._changed(run)
        name = run.job.training_job_name
        stopped = self._guarded(run, lambda: self._finish(run, "Stopped", "Stopped"))
        run.timers.append(
            self._clock.call_later(STOP_SECONDS, stopped, f"training job {name} stopped")
        )

    def _max_runtime(self, run: _Run) -> None:
        self._finish(run, "Stopped", "MaxRuntimeExceeded", MAX_RUNTIME_REASON)

    def _finish(self, run: _Run, status: str, secondary: str, reason: str | None = None) -> None:
        _cancel(run)
        run.finished = True
        job, now = run.job, moto_now(self._clock)
        job.training_job_status = status
        _transition(job, secondary, now, ending=True)
        job.failure_reason = reason
        job.training_end_time = now
        seconds = round(self._clock.now() - run.started)
        job.training_time_in_seconds = seconds
        # Spot savings are not simulated: every second of the job is billed.
        job.billable_time_in_seconds = seconds
        self._changed(run)
        LOG.info("training job %s %s (%s)", job.training_job_name, status, reason or secondary)

    def _changed(self, run: _Run) -> None:
        detail = event_ready(run.job.response_object)
        detail["Tags"] = tag_map(run.job.tags)
        self._emit(
            StateChange(
                run.account,
                run.region,
                TRAINING_STATE_CHANGE,
                detail,
                [run.job.arn],
                self._clock.now(),
            )
        )


def _cancel(run: _Run) -> None:
    for timer in run.timers:
        timer.cancel()
    run.timers.clear()


def _stopping_condition(request: dict[str, Any]) -> dict[str, Any]:
    stopping = dict(request.get("StoppingCondition") or {})
    stopping.setdefault("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME)
    runtime = stopping["MaxRuntimeInSeconds"]
    if not 1 <= runtime <= MAX_RUNTIME_LIMIT:
        raise validation_error(
            f"1 validation error detected: Value '{runtime}' at "
            "'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must "
            f"have value less than or equal to {MAX_RUNTIME_LIMIT}"
        )
    if request.get("EnableManagedSpotTraining"):
        wait = stopping.get("MaxWaitTimeInSeconds")
        if wait is None or wait < runtime:
            raise validation_error(
                "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal "
                "to MaxRuntimeInSeconds"
            )
    request["StoppingCondition"] = stopping
    return stopping


def _new_job(
    backend: SageMakerModelBackend, request: dict[str, Any], stopping: dict[str, Any], now: datetime
) -> LocalTrainingJob:
    algorithm = dict(request["AlgorithmSpecification"])
    provided = algorithm.get("MetricDefinitions")
    job = LocalTrainingJob(
        account_id=backend.account_id,
        region_name=backend.region_name,
        training_job_name=request["TrainingJobName"],
        hyper_parameters=request.get("HyperParameters"),  # type: ignore[arg-type]
        algorithm_specification=algorithm,
        role_arn=request["RoleArn"],
        input_data_config=request.get("InputDataConfig"),  # type: ignore[arg-type]
        output_data_config=request["OutputDataConfig"],
        resource_config=request.get("ResourceConfig"),  # type: ignore[arg-type]
        vpc_config=request.get("VpcConfig"),  # type: ignore[arg-type]
        stopping_condition=stopping,
        tags=request.get("Tags"),  # type: ignore[arg-type]
        enable_network_isolation=bool(request.get("EnableNetworkIsolation", False)),
        enable_inter_container_traffic_encryption=bool(
            request.get("EnableInterContainerTrafficEncryption", False)
        ),
        enable_managed_spot_training=bool(request.get("EnableManagedSpotTraining", False)),
        checkpoint_config=request.get("CheckpointConfig"),  # type: ignore[arg-type]
        debug_hook_config=request.get("DebugHookConfig"),  # type: ignore[arg-type]
        debug_rule_configurations=request.get("DebugRuleConfigurations"),  # type: ignore[arg-type]
        tensor_board_output_config=request.get("TensorBoardOutputConfig"),  # type: ignore[arg-type]
        experiment_config=request.get("ExperimentConfig"),  # type: ignore[arg-type]
    )
    # moto completes jobs at once and claims a `test:dcg` metric; start it as SageMaker does.
    algorithm["MetricDefinitions"] = provided or [
        {"Name": name, "Regex": regex} for name, regex in linear.METRIC_DEFINITIONS
    ]
    job.creation_time = job.last_modified_time = now
    job.training_job_status = "InProgress"
    job.secondary_status = "Starting"
    # The job starts on its instances at once here (there is no capacity to wait for).
    job.training_start_time = now
    job.training_end_time = None  # type: ignore[assignment]  # moto's type: always ended
    job.secondary_status_transitions = [
        {"Status": "Starting", "StartTime": now, "StatusMessage": MESSAGES["Starting"]}
    ]
    job.final_metric_data_list = None  # type: ignore[assignment]  # none until it completes
    job.failure_reason = None
    job.training_time_in_seconds = None
    job.billable_time_in_seconds = None
    return job


def _transition(job: LocalTrainingJob, status: str, now: datetime, *, ending: bool = False) -> None:
    transitions = job.secondary_status_transitions
    if transitions and "EndTime" not in transitions[-1]:
        transitions[-1]["EndTime"] = now
    entry = {"Status": status, "StartTime": now, "StatusMessage": MESSAGES[status]}
    if ending:
        entry["EndTime"] = now
    transitions.append(entry)
    job.secondary_status = status
    job.last_modified_time = now
