"""Runs moto's Step Functions interpreter on the virtual clock.

moto's interpreter (derived from LocalStack's) waits with `threading.Event.wait(timeout)`,
`Thread.join(timeout)` and `time.sleep()`, and stamps history events with the wall clock. We
swap those names, in the interpreter's own modules only, for clock-aware equivalents: its
threads become actors of `localcloud.clock.Clock`, its waits become virtual waits, and its
timestamps (history events, `$$.Execution.StartTime`, `$$.State.EnteredTime`) read the
virtual clock. Nothing outside moto's stepfunctions parser is touched (which of its modules
are is listed in `localcloud.internals.moto_private`).
"""

from __future__ import annotations

import copy
import datetime as real_datetime
import functools
import threading
import time as real_time
import types
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clock import ActorThread, Clock, VirtualEvent
from localcloud.internals.moto_private import (
    INTERPRETER_DATETIME_MODULES,
    INTERPRETER_THREADING_MODULES,
    INTERPRETER_TIME_MODULES,
    StepFunctionsParserBackend,
    execution_worker,
    interpreter_module,
    json_path,
    lambda_eval_utils,
    parser_execution,
    result_path,
    state_task_lambda,
    state_task_service_lambda,
    stepfunctions_models,
)


def _threading_shim() -> types.SimpleNamespace:
    shim = types.SimpleNamespace(**vars(threading))
    shim.Event = VirtualEvent
    shim.Thread = ActorThread
    return shim


def _time_shim(clock: Clock) -> types.SimpleNamespace:
    def sleep(seconds: float) -> None:
        if clock.is_actor():
            clock.sleep(seconds)
        else:
            real_time.sleep(seconds)

    shim = types.SimpleNamespace(**vars(real_time))
    shim.time = clock.now
    shim.sleep = sleep
    return shim


def _datetime_shim(clock: Clock) -> types.SimpleNamespace:
    class VirtualDatetime(real_datetime.datetime):
        @classmethod
        def now(cls, tz: real_datetime.tzinfo | None = None) -> real_datetime.datetime:  # type: ignore[override]
            moment = clock.utcnow()
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    shim = types.SimpleNamespace(**vars(real_datetime))
    shim.datetime = VirtualDatetime
    return shim


def install_lambda_error_names() -> Callable[[], None]:
    """Name Lambda service errors as AWS does for tasks whose Resource is a function ARN.

    AWS reports a throttled or failed Invoke as `Lambda.<ErrorCode>` (e.g.
    `Lambda.TooManyRequestsException`) whichever way the task names the function; moto's
    interpreter does so only for `arn:aws:states:::lambda:invoke` and reports `Exception`
    for function-ARN resources, which would make our Retry policies untestable.
    """
    task_class = state_task_lambda.StateTaskLambda
    original = task_class._from_error

    def from_error(self: Any, env: Any, ex: Exception) -> Any:
        failure = original(self, env, ex)
        if isinstance(ex, ClientError):
            error, cause = (
                state_task_service_lambda.StateTaskServiceLambda._error_cause_from_client_error(ex)
            )
            details: Any = failure.event_details
            details["lambdaFunctionFailedEventDetails"].update(error=error, cause=cause)
            # FailureEvent's fields are Final by annotation only.
            object.__setattr__(failure, "error_name", state_task_lambda.CustomErrorName(error))
        return failure

    setattr(task_class, "_from_error", from_error)

    def uninstall() -> None:
        setattr(task_class, "_from_error", original)

    return uninstall


def install_interpreter_caches() -> Callable[[], None]:
    """Make moto's interpreter fast enough to run thousands of executions in the tests.

    It parses the whole definition with ANTLR at every StartExecution (~0.3 s for ours),
    re-parses every JSONPath (jsonpath_ng rebuilds its parser tables on each call) and builds
    a new boto3 client for every Lambda invocation. All three are pure, so they are cached;
    each execution still gets its own deep copy of the parsed program.
    """
    saved: list[tuple[types.ModuleType, str, object]] = []

    def cache(module: types.ModuleType, attribute: str, maxsize: int) -> None:
        original = getattr(module, attribute)
        saved.append((module, attribute, original))
        setattr(module, attribute, functools.lru_cache(maxsize=maxsize)(original))

    cache(json_path, "parse", 4096)
    cache(result_path, "parse", 1024)
    original_client = lambda_eval_utils.boto_client_for
    clients: dict[tuple[str, str, str | None], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # moto passes the execution role's StateCredentials on every Lambda task (and builds
        # the same "ak"/"sk" client whatever they say); keyed on the role too, so a moto that
        # honours them still gets one client per role, never another role's.
        role_arn = getattr(state_credentials, "role_arn", None)
        with lock:
            key = (region, service, role_arn)
            if key not in clients:
                clients[key] = original_client(region, service, state_credentials)
            return clients[key]

    saved.append((lambda_eval_utils, "boto_client_for", original_client))
    setattr(lambda_eval_utils, "boto_client_for", boto_client_for)

    worker_class = execution_worker.ExecutionWorker
    original_entrypoint = worker_class._get_evaluation_entrypoint
    programs: dict[str, Any] = {}

    def entrypoint(worker: Any) -> Any:
        definition = worker._evaluation_details.state_machine_details.definition
        with lock:
            if definition not in programs:
                programs[definition] = original_entrypoint(worker)
            program = programs[definition]
        return copy.deepcopy(program)

    setattr(worker_class, "_get_evaluation_entrypoint", entrypoint)

    def uninstall() -> None:
        setattr(worker_class, "_get_evaluation_entrypoint", original_entrypoint)
        for module, attribute, original in reversed(saved):
            setattr(module, attribute, original)

    return uninstall


def install_generated_execution_names() -> Callable[[], None]:
    """StartExecution without a `name`: AWS generates a UUID; moto's interpreter backend keeps
    None (the ARN ends in `:None`, ListExecutions omits the name, and a second nameless start
    with the same input returns the first execution). In-process callers always pass a name;
    HTTP clients of `--serve` (`aws stepfunctions start-execution`) usually do not."""
    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        backend: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original(backend, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    setattr(StepFunctionsParserBackend, "start_execution", start_execution)

    def uninstall() -> None:
        setattr(StepFunctionsParserBackend, "start_execution", original)

    return uninstall


def install_immediate_stop() -> Callable[[], None]:
    """StopExecution: AWS reports the execution ABORTED (with its stop date) as soon as the
    call returns. moto's interpreter only asks the program to stop; its status stays RUNNING
    until the thread notices, which a task waiting for a token (CheckStatusWait) does only
    when its wait ends, minutes of virtual time later. A caller that describes the execution
    right after stopping it (a run reclaiming an aborted run's lock) must see ABORTED."""
    execution_class = parser_execution.Execution
    communication_class = parser_execution.BaseExecutionWorkerCommunication
    original_stop = execution_class.stop
    original_reflect = communication_class._reflect_execution_status
    aborted = parser_execution.ExecutionStatus.ABORTED
    stopped: dict[int, Any] = {}  # id(execution) -> its stop date

    def stop(execution: Any, stop_date: Any, error: Any, cause: Any) -> None:
        original_stop(execution, stop_date, error, cause)
        if execution.exec_status == parser_execution.ExecutionStatus.RUNNING:
            execution.exec_status, execution.stop_date = aborted, stop_date
            stopped[id(execution)] = stop_date

    def reflect(communication: Any) -> None:
        # The interrupted program may end in an error (its wait was cut short): it was aborted.
        original_reflect(communication)
        execution = communication.execution
        if id(execution) in stopped:
            execution.exec_status, execution.stop_date = aborted, stopped.pop(id(execution))

    setattr(execution_class, "stop", stop)
    setattr(communication_class, "_reflect_execution_status", reflect)

    def uninstall() -> None:
        setattr(execution_class, "stop", original_stop)
        setattr(communication_class, "_reflect_execution_status", original_reflect)

    return uninstall


def install_virtual_time(clock: Clock) -> Callable[[], None]:
    """Put moto's interpreter on `clock`; returns the function that undoes it."""
    saved: list[tuple[types.ModuleType, str, object]] = []

    def swap(module_name: str, attribute: str, value: object) -> None:
        module = interpreter_module(module_name)
        if hasattr(module, attribute):
            saved.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, value)

    VirtualEvent.clock = clock
    ActorThread.clock = clock
    threading_shim = _threading_shim()
    for name in INTERPRETER_THREADING_MODULES:
        swap(name, "threading", threading_shim)
        swap(name, "Thread", ActorThread)
        swap(name, "Event", VirtualEvent)
    time_shim = _time_shim(clock)
    for name in INTERPRETER_TIME_MODULES:
        swap(name, "time", time_shim)
    datetime_shim = _datetime_shim(clock)
    for name in INTERPRETER_DATETIME_MODULES:
        swap(name, "datetime", datetime_shim)

    # moto's core stamps executions (start/stop dates) through this helper.
    saved.append((stepfunctions_models, "utcnow", stepfunctions_models.utcnow))
    stepfunctions_models.utcnow = lambda: clock.utcnow().replace(tzinfo=None)

    def uninstall() -> None:
        for module, attribute, original in reversed(saved):
            setattr(module, attribute, original)
        VirtualEvent.clock = None
        ActorThread.clock = None

    return uninstall
