"""The embedded runtime: AWS (moto) + virtual time + local SageMaker + local Slack, in process.

`LocalCloud` is what the demo, the end-to-end tests and the benchmarks run on:

    with LocalCloud(start=...) as cloud:
        stack = cloud.deploy("dev")           # the same Pulumi program, into moto
        cloud.upload_csv(stack, "2026-01-01", rows)
        run = cloud.start_run(stack, {})      # or cloud.run_schedule(stack)
        cloud.wait(run)                       # virtual time flows until it ends

Production code never imports this package.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws

from infra.config import config_key
from infra.outputs import OutputsError, parse_stack_outputs
from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.clock import Clock
from localcloud.cloudwatch.service import LocalCloudWatch
from localcloud.deploy.stack import Deployment, deploy_stack
from localcloud.eventbridge.router import EventRouter
from localcloud.eventbridge.scheduler import LocalScheduler
from localcloud.s3.faults import S3Faults
from localcloud.s3.policies import install_bucket_policy_conditions
from localcloud.sagemaker.service import LocalSageMaker
from localcloud.slack.api import LocalSlack
from localcloud.ssm.faults import SsmFaults
from localcloud.stepfunctions.interpreter import (
    install_generated_execution_names,
    install_immediate_stop,
    install_interpreter_caches,
    install_lambda_error_names,
    install_virtual_time,
)

ACCOUNT = "123456789012"
LOCAL_SLACK_TOKEN = "xoxb-localcloud-0000000000-demo"  # noqa: S105 - the local API's own token
SLACK_TOKEN_KEY = config_key("slackToken")
SLACK_API_URL_KEY = config_key("slackApiUrl")
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "localcloud",
    "AWS_SECRET_ACCESS_KEY": "localcloud",
    "AWS_SESSION_TOKEN": "localcloud",
}


@dataclass
class ModelStack:
    """One model pipeline of a deployed stack, as its stack outputs describe it."""

    stack: str
    region: str
    model: str
    bucket: str
    state_machine_arn: str
    endpoint_name: str
    marker_parameter: str
    data_prefix: str
    function_arns: dict[str, str]
    deployment: Deployment = field(repr=False)


@dataclass
class Run:
    execution_arn: str
    name: str
    model: ModelStack


class LocalCloud:
    """Everything the pipeline touches, emulated in this process on a virtual clock."""

    def __init__(
        self,
        *,
        start: datetime,
        training_duration: Callable[[dict[str, Any]], float] | None = None,
        endpoint_transition_seconds: float = 480.0,
    ) -> None:
        self.clock = Clock(start if start.tzinfo else start.replace(tzinfo=UTC))
        self.lambdas = LambdaRuntime()
        self.events = EventRouter(self.clock)
        self.sagemaker = LocalSageMaker(
            self.clock,
            self.events,
            training_duration=training_duration,
            endpoint_transition_seconds=endpoint_transition_seconds,
        )
        # Alarms evaluated as CloudWatch would, from the metrics the local SageMaker records.
        self.cloudwatch = LocalCloudWatch(self.sagemaker.alarms)
        self.slack = LocalSlack(valid_tokens=[LOCAL_SLACK_TOKEN])
        # Faults moto cannot produce by itself (localcloud.faults names them all).
        self.ssm_faults = SsmFaults()
        self.s3_faults = S3Faults()
        self.schedulers: dict[str, LocalScheduler] = {}
        self.stacks: dict[str, Deployment] = {}
        self._exit = contextlib.ExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> LocalCloud:
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.close()

    def _start(self) -> None:
        stack = self._exit
        # Fake credentials so nothing can reach a real account.
        stack.enter_context(environment(_FAKE_CREDENTIALS, unset=("AWS_PROFILE",)))
        mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        mock.start()
        stack.callback(mock.stop)
        stack.callback(install_virtual_time(self.clock))
        stack.callback(install_lambda_error_names())
        stack.callback(install_interpreter_caches())
        stack.callback(install_generated_execution_names())
        stack.callback(install_immediate_stop())
        stack.callback(install_bucket_policy_conditions(faults=self.s3_faults))
        self.ssm_faults.install()
        stack.callback(self.ssm_faults.close)
        self.lambdas.install()
        stack.callback(self.lambdas.close)
        self.events.install()
        stack.callback(self.events.close)
        self.sagemaker.install()
        stack.callback(self.sagemaker.close)
        self.cloudwatch.install()
        stack.callback(self.cloudwatch.close)
        self.slack.start()
        stack.callback(self.slack.stop)
        stack.callback(self._close_schedulers)

    def _close_schedulers(self) -> None:
        for scheduler in self.schedulers.values():
            scheduler.close()

    # --- deploying -----------------------------------------------------------------------------
    def deploy(
        self, stack: str, *, config_overrides: Mapping[str, str] | None = None
    ) -> list[ModelStack]:
        """Deploy `Pulumi.<stack>.yaml` with Slack pointed at the local API."""
        overrides = {SLACK_API_URL_KEY: self.slack.url, **(config_overrides or {})}
        deployment = deploy_stack(
            stack,
            config_overrides=overrides,
            secret_overrides={SLACK_TOKEN_KEY: LOCAL_SLACK_TOKEN},
        )
        self.stacks[stack] = deployment
        if deployment.region not in self.schedulers:
            scheduler = LocalScheduler(self.clock, account=ACCOUNT, region=deployment.region)
            scheduler.install()
            self.schedulers[deployment.region] = scheduler
        else:
            self.schedulers[deployment.region].arm()
        return models_of(deployment)

    # --- data ------------------------------------------------------------------------------------
    def upload_csv(self, model: ModelStack, day: str, rows: Sequence[Sequence[float]]) -> str:
        """Put one day's training file where the pipeline looks for it."""
        body = "".join(",".join(_number(v) for v in row) + "\n" for row in rows)
        return self.upload_bytes(model, f"{day}.csv", body.encode())

    def upload_bytes(self, model: ModelStack, name: str, body: bytes) -> str:
        key = f"{model.data_prefix}{name}"
        self.client("s3", model.region).put_object(Bucket=model.bucket, Key=key, Body=body)
        return key

    def marker(self, model: ModelStack) -> str | None:
        ssm = self.client("ssm", model.region)
        try:
            return str(ssm.get_parameter(Name=model.marker_parameter)["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            return None

    # --- runs ------------------------------------------------------------------------------------
    def start_run(self, model: ModelStack, run_input: Mapping[str, Any] | None = None) -> Run:
        name = f"manual-{uuid.uuid4().hex[:12]}"
        sfn = self.client("stepfunctions", model.region)
        arn = sfn.start_execution(
            stateMachineArn=model.state_machine_arn,
            name=name,
            input=json.dumps(dict(run_input or {})),
        )["executionArn"]
        return Run(arn, name, model)

    def run_schedule(self, model: ModelStack) -> Run:
        """Let virtual time flow until the model's schedule starts its next run."""
        scheduler = self.schedulers[model.region]
        before = len(scheduler.firings)

        def started() -> bool:
            return any(
                f.target_arn == model.state_machine_arn and f.execution_arn
                for f in scheduler.firings[before:]
            )

        self.clock.run_until(started)
        firing = next(
            f for f in scheduler.firings[before:] if f.target_arn == model.state_machine_arn
        )
        assert firing.execution_arn is not None
        return Run(firing.execution_arn, firing.execution_arn.rsplit(":", 1)[-1], model)

    def wait(self, *runs: Run, on_idle: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        """Let virtual time flow until every run has ended; their DescribeExecution."""

        def ended() -> bool:
            if on_idle is not None:
                on_idle()
            return all(self.describe(run)["status"] != "RUNNING" for run in runs)

        self.clock.run_until(ended)
        return [self.describe(run) for run in runs]

    def advance_to(self, moment: datetime, on_idle: Callable[[], None] | None = None) -> None:
        """Let virtual time flow to `moment`: schedules fire, runs progress, jobs finish."""

        def idle() -> bool:
            if on_idle is not None:
                on_idle()
            return False

        self.clock.run_until(idle, until=moment.timestamp())

    def runs(self, model: ModelStack) -> list[Run]:
        """Every execution of the model's state machine, oldest first."""
        sfn = self.client("stepfunctions", model.region)
        executions = []
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=model.state_machine_arn
        ):
            executions.extend(page["executions"])
        executions.sort(key=lambda e: (e["startDate"], e["name"]))
        return [Run(e["executionArn"], e["name"], model) for e in executions]

    def describe(self, run: Run) -> dict[str, Any]:
        sfn = self.client("stepfunctions", run.model.region)
        return dict(sfn.describe_execution(executionArn=run.execution_arn))

    def history(self, run: Run) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions", run.model.region)
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"executionArn": run.execution_arn, "maxResults": 1000}
            if token:
                kwargs["nextToken"] = token
            page = sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            token = page.get("nextToken")
            if not token:
                return events

    def predict(self, model: ModelStack, rows: Sequence[Sequence[float]]) -> list[float]:
        runtime = self.client("sagemaker-runtime", model.region)
        body = "".join(",".join(_number(v) for v in row) + "\n" for row in rows)
        answer = runtime.invoke_endpoint(
            EndpointName=model.endpoint_name, ContentType="text/csv", Body=body.encode()
        )
        predictions = json.loads(answer["Body"].read())["predictions"]
        return [float(p["score"]) for p in predictions]

    # --- helpers ---------------------------------------------------------------------------------
    def client(self, service: str, region: str) -> Any:
        # A client costs ~10 ms to build and is thread-safe: one per service and region.
        key = (service, region)
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = boto3.client(service, region_name=region)  # type: ignore[call-overload]
            return self._clients[key]


def models_of(deployment: Deployment) -> list[ModelStack]:
    """The model pipelines of a deployed stack, from its outputs."""
    try:
        outputs = parse_stack_outputs(deployment.outputs)
    except OutputsError as error:
        raise RuntimeError(f"stack {deployment.stack}: {error}") from error
    return [
        ModelStack(
            stack=deployment.stack,
            region=deployment.region,
            model=model.name,
            bucket=model.bucket,
            state_machine_arn=model.state_machine_arn,
            endpoint_name=model.endpoint_name,
            marker_parameter=model.marker_parameter,
            data_prefix=model.data_prefix,
            function_arns=dict(model.function_arns),
            deployment=deployment,
        )
        for model in outputs.models
    ]


def _number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


@contextlib.contextmanager
def environment(values: Mapping[str, str], *, unset: Sequence[str] = ()) -> Iterator[None]:
    """`values` set (and `unset` removed) in os.environ for the block, restored afterwards."""
    saved = {name: os.environ.get(name) for name in (*values, *unset)}
    for name in unset:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
