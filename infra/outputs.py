"""The stack's outputs: their names, and a checked reading of them.

`infra.program` exports `region` and `models` (per model name, the keys of MODEL_OUTPUT_KEYS);
the smoke check of a deployed stack and the embedded runtime read them back through
`parse_stack_outputs`, so a renamed or missing output fails loudly, naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

REGION: Final = "region"
MODELS: Final = "models"
BUCKET: Final = "bucket"
STATE_MACHINE_ARN: Final = "stateMachineArn"
STATE_MACHINE_CONSOLE_URL: Final = "stateMachineConsoleUrl"
ENDPOINT_NAME: Final = "endpointName"
MARKER_PARAMETER: Final = "markerParameter"
DATA_PREFIX: Final = "dataPrefix"
FUNCTION_ARNS: Final = "functionArns"

MODEL_OUTPUT_KEYS: Final = (
    BUCKET,
    STATE_MACHINE_ARN,
    STATE_MACHINE_CONSOLE_URL,
    ENDPOINT_NAME,
    MARKER_PARAMETER,
    DATA_PREFIX,
    FUNCTION_ARNS,
)


class OutputsError(ValueError):
    """The stack outputs are not what `infra.program` exports."""


@dataclass(frozen=True)
class ModelOutputs:
    name: str
    bucket: str
    state_machine_arn: str
    state_machine_console_url: str
    endpoint_name: str
    marker_parameter: str
    data_prefix: str
    function_arns: dict[str, str]


@dataclass(frozen=True)
class StackOutputs:
    region: str
    models: tuple[ModelOutputs, ...]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise OutputsError(f"output {where} must be a non-empty string, got {value!r}")
    return value


def parse_stack_outputs(outputs: Mapping[str, Any]) -> StackOutputs:
    """The outputs of `pulumi stack output --json` (or the embedded deploy), checked."""
    problems: list[str] = []
    for key in (REGION, MODELS):
        if key not in outputs:
            problems.append(f"output {key!r} is missing")
    models = outputs.get(MODELS)
    if MODELS in outputs and (not isinstance(models, dict) or not models):
        problems.append(f"output {MODELS!r} must be a non-empty object, got {models!r}")
    if problems:
        raise OutputsError("; ".join(problems))
    assert isinstance(models, dict)
    parsed = []
    for name, values in sorted(models.items()):
        if not isinstance(values, dict):
            raise OutputsError(f"output {MODELS}.{name} must be an object, got {values!r}")
        missing = [key for key in MODEL_OUTPUT_KEYS if key not in values]
        if missing:
            raise OutputsError(f"output {MODELS}.{name} lacks {', '.join(missing)}")
        arns = values[FUNCTION_ARNS]
        if not isinstance(arns, dict) or not arns:
            raise OutputsError(f"output {MODELS}.{name}.{FUNCTION_ARNS} must be a non-empty object")
        where = f"{MODELS}.{name}"
        parsed.append(
            ModelOutputs(
                name=name,
                bucket=_text(values[BUCKET], f"{where}.{BUCKET}"),
                state_machine_arn=_text(values[STATE_MACHINE_ARN], f"{where}.{STATE_MACHINE_ARN}"),
                state_machine_console_url=_text(
                    values[STATE_MACHINE_CONSOLE_URL], f"{where}.{STATE_MACHINE_CONSOLE_URL}"
                ),
                endpoint_name=_text(values[ENDPOINT_NAME], f"{where}.{ENDPOINT_NAME}"),
                marker_parameter=_text(values[MARKER_PARAMETER], f"{where}.{MARKER_PARAMETER}"),
                data_prefix=_text(values[DATA_PREFIX], f"{where}.{DATA_PREFIX}"),
                function_arns={
                    key: _text(arn, f"{where}.{FUNCTION_ARNS}.{key}") for key, arn in arns.items()
                },
            )
        )
    return StackOutputs(region=_text(outputs[REGION], REGION), models=tuple(parsed))
