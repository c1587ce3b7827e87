"""Every moto name localcloud imports besides `moto.mock_aws`: its one door into moto's insides.

moto's public surface is `mock_aws` (and the server); the embedded runtime also patches,
subclasses and reads moto's classes, backends and the modules of its Step Functions
interpreter. Those names are imported here and nowhere else in localcloud, so an upgrade of
moto is checked in one place. Who uses what (and which private members it relies on):

- `localcloud.stepfunctions.interpreter`: the interpreter modules listed below (their
  `threading`, `Thread`, `Event`, `time`, `datetime` are swapped for virtual time);
  `stepfunctions_models.utcnow`; `StateTaskLambda._from_error` and
  `StateTaskServiceLambda._error_cause_from_client_error` (Lambda error names);
  `json_path.parse`, `result_path.parse`, `lambda_eval_utils.boto_client_for`,
  `ExecutionWorker._get_evaluation_entrypoint` and `worker._evaluation_details` (caches);
  `StepFunctionsParserBackend.start_execution` (generated execution names);
  `parser_execution.Execution.stop` and its `exec_status`, `stop_date`,
  `BaseExecutionWorkerCommunication._reflect_execution_status` (StopExecution).
- `localcloud.sagemaker.*`: `sagemaker_models.utcnow`; `SageMakerResponse` (its
  `sagemaker_backend`, `params`, `_get_param`) and `SageMakerRuntimeResponse.invoke_endpoint`;
  `SageMakerModelBackend`'s training-job and endpoint methods (replaced) and its stores;
  `FakeTrainingJob`, `FakeEndpoint` (subclassed), `FakeEndpointConfig`; `ModelPackage`,
  `ModelPackageGroup`, `arn_formatter` and the backend's `model_packages`,
  `model_package_groups`, `model_package_name_mapping`, `create_model`,
  `_get_resource_from_arn` (the registry); STS's `get_caller_identity`; the S3 backend
  (`s3_backends`, `get_object`, `get_bucket`, `put_object`); moto's exception classes,
  which its serializer turns into AWS errors.
- `localcloud.awslambda.runtime`: `LambdaFunction.invoke` and `._invoke_lambda` (replaced),
  a function's `logs_backend`, `save_logs`, `code_bytes`, `environment_vars`.
- `localcloud.eventbridge.router`: `EventsRule.send_to_targets` (replaced), `events_backends`
  (`event_buses`, `rules`), `lambda_backends` (`invoke`), `parse_arn`.
- `localcloud.eventbridge.scheduler`: `EventBridgeSchedulerBackend`'s create, update and
  delete of schedules (wrapped), `scheduler_backends` (`schedule_groups`).
- `localcloud.s3.policies`: `FakeBucket.get_permission` (replaced), `IAMPolicy`,
  `PermissionResult`.
- `localcloud.ssm.faults`: `SimpleSystemManagerBackend.get_parameter`, `.get_parameters`
  and `.put_parameter` (wrapped), `JsonRESTError` (the errors SSM answers with).
- `localcloud.deploy`: `MockAWS._mocks_active` (is a mock active?), `lambda_backends`
  (`get_function`: LoggingConfig), `s3_backends` (`get_bucket_notification_configuration`).
- `localcloud.session.serve`: `ThreadedMotoServer` (subclassed: `_server_entry`,
  `_server_ready_event`).
- `localcloud.cloudwatch`: `cloudwatch_backends` (`put_metric_data`, `alarms`, `metric_data`),
  `CloudWatchAlarm` (its metric members, `update_state`, `state_updated_timestamp`),
  `MetricDatum` (`namespace`, `name`, `dimensions`, `timestamp`, `value`, `unit`);
  `CloudWatchResponse.describe_alarms` (wrapped) and `describe_alarm_history` (added).
- `localcloud.bench`: `DEFAULT_ACCOUNT_ID`, `s3_backends` (seeding data without HTTP).

`patched()` lists the class and module attributes localcloud replaces; the tests check that
each still exists. `WRITTEN_AGAINST` is the moto version all this was verified with: after
an upgrade, re-read the members above in the new moto, run tests/localcloud, tests/e2e and
tests/workflow, then bump it (tests/localcloud/test_internals.py fails until then).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

import moto.stepfunctions.models as stepfunctions_models
from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.cloudwatch.models import Alarm as CloudWatchAlarm
from moto.cloudwatch.models import CloudWatchBackend, MetricDatum, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import JsonRESTError, ServiceException
from moto.core.models import MockAWS
from moto.core.responses import ActionResult, EmptyResult
from moto.events.models import Rule as EventsRule
from moto.events.models import events_backends
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeBucket, s3_backends
from moto.sagemaker import models as sagemaker_models
from moto.sagemaker.exceptions import ResourceInUseException
from moto.sagemaker.exceptions import ValidationError as SageMakerValidationError
from moto.sagemaker.models import (
    FakeEndpoint,
    FakeEndpointConfig,
    FakeTrainingJob,
    ModelPackage,
    ModelPackageGroup,
    SageMakerModelBackend,
)
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter as sagemaker_arn
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse
from moto.scheduler.models import EventBridgeSchedulerBackend, scheduler_backends
from moto.sqs.models import sqs_backends  # a failed async invocation's destination
from moto.ssm.models import SimpleSystemManagerBackend
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
    lambda_eval_utils,
    state_task_lambda,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_lambda,
)
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution as parser_execution
from moto.stepfunctions.parser.backend import execution_worker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.sts.models import sts_backends
from moto.utilities.arns import parse_arn
from moto.utilities.utils import get_partition

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "INTERPRETER_DATETIME_MODULES",
    "INTERPRETER_THREADING_MODULES",
    "INTERPRETER_TIME_MODULES",
    "WRITTEN_AGAINST",
    "ActionResult",
    "CloudWatchAlarm",
    "CloudWatchBackend",
    "CloudWatchResponse",
    "EmptyResult",
    "EventBridgeSchedulerBackend",
    "EventsRule",
    "FakeBucket",
    "FakeEndpoint",
    "FakeEndpointConfig",
    "FakeTrainingJob",
    "IAMPolicy",
    "JsonRESTError",
    "LambdaFunction",
    "MetricDatum",
    "MissingBucket",
    "MockAWS",
    "ModelPackage",
    "ModelPackageGroup",
    "PermissionResult",
    "ResourceInUseException",
    "SageMakerModelBackend",
    "SageMakerResponse",
    "SageMakerRuntimeResponse",
    "SageMakerValidationError",
    "ServiceException",
    "SimpleSystemManagerBackend",
    "StepFunctionsParserBackend",
    "ThreadedMotoServer",
    "caller_identity",
    "cloudwatch_backends",
    "events_backends",
    "execution_worker",
    "get_partition",
    "interpreter_module",
    "json_path",
    "lambda_backends",
    "lambda_eval_utils",
    "parse_arn",
    "parser_execution",
    "patched",
    "result_path",
    "s3_backends",
    "sagemaker_arn",
    "sagemaker_models",
    "scheduler_backends",
    "sqs_backends",
    "state_task_lambda",
    "state_task_service_lambda",
    "stepfunctions_models",
]

WRITTEN_AGAINST = "5.2.5"

# --- moto's Step Functions interpreter (moto.stepfunctions.parser, derived from LocalStack's) --
_INTERPRETER = "moto.stepfunctions.parser."
# Modules that wait with `threading` / `Thread` / `Event`.
INTERPRETER_THREADING_MODULES = (
    "asl.component.program.program",
    "asl.component.state.exec.execute_state",
    "asl.component.state.exec.state_task.service.state_task_service_callback",
    "asl.component.state.exec.state_parallel.branch_worker",
    "asl.component.state.exec.state_parallel.branches_decl",
    "asl.component.state.exec.state_map.iteration.inline_iteration_component",
    "asl.component.state.exec.state_map.iteration.job",
    "asl.eval.count_down_latch",
    "asl.eval.environment",
    "asl.eval.callback.callback",
    "backend.execution_worker",
)
# Modules that use `time` (sleeps and elapsed-time arithmetic).
INTERPRETER_TIME_MODULES = (
    "asl.component.common.retry.retrier_decl",
    "asl.component.state.wait.wait_function.wait_function",
    "asl.component.state.exec.state_task.service.state_task_service_callback",
)
# Modules that only call `datetime.datetime.now(...)`.
INTERPRETER_DATETIME_MODULES = (
    "models",
    "asl.component.state.state",
    "asl.eval.event.event_manager",
    "backend.execution",
    "backend.execution_worker",
)


def caller_identity(response: Any) -> tuple[str, str]:
    """(UserId, Arn) of a request's caller as moto's STS GetCallerIdentity names it: the IAM
    user or assumed role moto issued the request's access key to, else moto's default user."""
    account, region = response.current_account, response.region
    user_id, arn, _ = sts_backends[account][get_partition(region)].get_caller_identity(
        response.get_access_key(), region
    )
    return str(user_id), str(arn)


def interpreter_module(name: str) -> ModuleType:
    """A module of the interpreter, by its name under `moto.stepfunctions.parser`."""
    return importlib.import_module(_INTERPRETER + name)


def __getattr__(name: str) -> Any:
    """`ThreadedMotoServer` on first use: moto's server (Flask, werkzeug) costs a quarter of a
    second to import, and only `--serve` needs it."""
    if name == "ThreadedMotoServer":
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - deferred on purpose

        return ThreadedMotoServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- what localcloud replaces -------------------------------------------------------------------
def patched() -> list[tuple[object, str]]:
    """(owner, attribute) of every class or module attribute localcloud replaces or overrides;
    each must exist in the installed moto (tests/localcloud/test_internals.py checks)."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - see __getattr__

    return [
        (stepfunctions_models, "utcnow"),
        (state_task_lambda.StateTaskLambda, "_from_error"),
        (json_path, "parse"),
        (result_path, "parse"),
        (lambda_eval_utils, "boto_client_for"),
        (execution_worker.ExecutionWorker, "_get_evaluation_entrypoint"),
        (StepFunctionsParserBackend, "start_execution"),
        (parser_execution.Execution, "stop"),
        (parser_execution.BaseExecutionWorkerCommunication, "_reflect_execution_status"),
        (sagemaker_models, "utcnow"),
        (SageMakerResponse, "create_training_job"),
        (SageMakerModelBackend, "describe_training_job"),
        (SageMakerModelBackend, "create_model"),
        (SageMakerModelBackend, "_get_resource_from_arn"),
        (SageMakerResponse, "create_model_package_group"),
        (SageMakerResponse, "describe_model_package_group"),
        (SageMakerResponse, "create_model_package"),
        (SageMakerResponse, "describe_model_package"),
        (SageMakerResponse, "update_model_package"),
        (SageMakerResponse, "list_model_packages"),
        (SageMakerResponse, "list_model_package_groups"),
        (SageMakerModelBackend, "create_endpoint"),
        (SageMakerModelBackend, "delete_endpoint"),
        (SageMakerModelBackend, "describe_endpoint"),
        (SageMakerModelBackend, "list_endpoints"),
        (SageMakerModelBackend, "list_training_jobs"),
        (SageMakerRuntimeResponse, "invoke_endpoint"),
        (CloudWatchResponse, "describe_alarms"),
        (LambdaFunction, "invoke"),
        (LambdaFunction, "_invoke_lambda"),
        (EventsRule, "send_to_targets"),
        (EventBridgeSchedulerBackend, "create_schedule"),
        (EventBridgeSchedulerBackend, "update_schedule"),
        (EventBridgeSchedulerBackend, "delete_schedule"),
        (FakeBucket, "get_permission"),
        (SimpleSystemManagerBackend, "get_parameter"),
        (SimpleSystemManagerBackend, "get_parameters"),
        (SimpleSystemManagerBackend, "put_parameter"),
        (ThreadedMotoServer, "_server_entry"),
    ]
