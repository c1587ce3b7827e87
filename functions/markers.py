"""The SSM marker: the date of the newest file the last successful run trained on."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from contract.errors import MarkerError
from functions.payload import parse_date

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


def read_marker(ssm: SSMClient, parameter: str) -> date | None:
    """The marker's date; None when the parameter does not exist (never trained)."""
    try:
        value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None
    return parse_date(value.strip(), f"SSM parameter {parameter}", MarkerError)


def write_marker(ssm: SSMClient, parameter: str, day: date) -> None:
    ssm.put_parameter(
        Name=parameter,
        Value=day.isoformat(),
        Type="String",
        Overwrite=True,
        Description="Date of the newest training file the last successful run trained on",
    )
