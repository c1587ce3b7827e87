"""Names of the SageMaker resources a run creates, and console links to them.

One run suffix, `<run date yyyymmdd>-<8 hex of sha256(execution name)>`, is shared by the
training job, the Model and the EndpointConfig of a run: unique per execution (a re-run is
a new execution, so it never collides), stable across retries of the same execution (so
creation is idempotent), and sortable by date for humans. The names are
`<stack>--<model>--<run suffix>` (contract.names: the stack keeps stacks sharing an account
apart, `--` keeps model `lab`'s names and grants apart from model `lab-b`'s).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from contract import names
from contract.lambdas import CommonSettings
from functions.payload import field, parse_date

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import TagTypeDef


# The tag naming the execution that created a run's resources (Run.tags).
RUN_TAG = "run"


def run_suffix(execution_name: str, run_date: date) -> str:
    digest = hashlib.sha256(execution_name.encode("utf-8")).hexdigest()[:8]
    return f"{run_date:%Y%m%d}-{digest}"


def run_resource_name(stack_name: str, model_name: str, execution_name: str, run_date: date) -> str:
    """`<stack>--<model>--<yyyymmdd>-<hash8>`: at most 63 characters (infra.config checks)."""
    return names.run_resource_name(stack_name, model_name, run_suffix(execution_name, run_date))


@dataclass(frozen=True)
class Run:
    """The execution a function works for: its name, and the run date CheckData chose."""

    execution_name: str
    run_date: date

    def resource_name(self, settings: CommonSettings) -> str:
        return run_resource_name(
            settings.stack_name, settings.model_name, self.execution_name, self.run_date
        )

    def tags(self, settings: CommonSettings) -> list[TagTypeDef]:
        """The tags of what the run creates: whose model, which run, which stack."""
        return [
            {"Key": "model", "Value": settings.model_name},
            {"Key": RUN_TAG, "Value": self.execution_name},
            {"Key": "stack", "Value": settings.stack_name},
        ]

    @classmethod
    def from_event(cls, event: Any) -> Run:
        """From a payload carrying `data.runDate` and `execution.name`."""
        run_date = parse_date(field(event, "data.runDate", str), "event field data.runDate")
        return cls(field(event, "execution.name", str), run_date)


def run_resource_prefix(settings: CommonSettings) -> str:
    """What every run resource of this stack's model starts with (and no other's)."""
    return names.run_resource_prefix(settings.stack_name, settings.model_name)


def is_run_resource_of(settings: CommonSettings, name: str) -> bool:
    """Whether `name` was made by `run_resource_name` for this stack's model (any run)."""
    pattern = re.escape(run_resource_prefix(settings)) + r"[0-9]{8}-[0-9a-f]{8}"
    return re.fullmatch(pattern, name) is not None


def sagemaker_console_url(region: str, kind: str, name: str) -> str:
    """`kind` is `jobs` (training jobs) or `endpoints`."""
    return (
        f"https://{region}.console.aws.amazon.com/sagemaker/home"
        f"?region={region}#/{kind}/{quote(name, safe='')}"
    )


def execution_console_url(execution_arn: str) -> str | None:
    """The Step Functions console page of an execution, from its ARN (None if not an ARN)."""
    parts = execution_arn.split(":")
    if len(parts) < 8 or parts[2] != "states":
        return None
    region = parts[3]
    return (
        f"https://{region}.console.aws.amazon.com/states/home"
        f"?region={region}#/v2/executions/details/{quote(execution_arn, safe='')}"
    )
