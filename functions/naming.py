"""Names of the SageMaker resources a run creates, and console links to them.

One run suffix, `<run date yyyymmdd>-<8 hex of sha256(execution name)>`, is shared by the
training job, the Model and the EndpointConfig of a run: unique per execution (a re-run is
a new execution, so it never collides), stable across retries of the same execution (so
creation is idempotent), and sortable by date for humans.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from contract.lambdas import CommonSettings
from contract.limits import MAX_MODEL_NAME
from functions.payload import field, parse_date

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import TagTypeDef


def run_suffix(execution_name: str, run_date: date) -> str:
    digest = hashlib.sha256(execution_name.encode("utf-8")).hexdigest()[:8]
    return f"{run_date:%Y%m%d}-{digest}"


def name_stem(model_name: str) -> str:
    """The model name made valid for SageMaker and short enough to leave room for a suffix."""
    stem = re.sub(r"[^a-zA-Z0-9-]+", "-", model_name).strip("-")[:MAX_MODEL_NAME].strip("-")
    return stem or "model"


def run_resource_name(model_name: str, execution_name: str, run_date: date) -> str:
    """`<model>-<yyyymmdd>-<hash8>`: at most 63 characters, valid for SageMaker."""
    return f"{name_stem(model_name)}-{run_suffix(execution_name, run_date)}"


@dataclass(frozen=True)
class Run:
    """The execution a function works for: its name, and the run date CheckData chose."""

    execution_name: str
    run_date: date

    def resource_name(self, model_name: str) -> str:
        return run_resource_name(model_name, self.execution_name, self.run_date)

    def tags(self, settings: CommonSettings) -> list[TagTypeDef]:
        """The tags of what the run creates: whose model, which run, which stack."""
        return [
            {"Key": "model", "Value": settings.model_name},
            {"Key": "run", "Value": self.execution_name},
            {"Key": "stack", "Value": settings.stack_name},
        ]

    @classmethod
    def from_event(cls, event: Any) -> Run:
        """From a payload carrying `data.runDate` and `execution.name`."""
        run_date = parse_date(field(event, "data.runDate", str), "event field data.runDate")
        return cls(field(event, "execution.name", str), run_date)


def is_run_resource_of(model_name: str, name: str) -> bool:
    """Whether `name` was made by `run_resource_name` for this model (any run)."""
    pattern = re.escape(name_stem(model_name)) + r"-[0-9]{8}-[0-9a-f]{8}"
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
