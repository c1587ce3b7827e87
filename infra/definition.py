"""The state machine's definition, with the deploy-time function ARNs filled in.

`workflow.pipeline` builds the definition with one placeholder per pipeline function (named
by its key in `contract.lambdas`); here each placeholder gets the ARN of this model's
function. Rendering is deterministic (the DSL writes sorted keys), so an unchanged pipeline
never shows a diff.
"""

from __future__ import annotations

from collections.abc import Mapping

from contract.lambdas import PIPELINE_FUNCTIONS
from workflow.options import PipelineOptions


class DefinitionError(RuntimeError):
    """The definition's placeholders and the deployed functions do not match."""


def pipeline_function_keys() -> frozenset[str]:
    return frozenset(spec.key for spec in PIPELINE_FUNCTIONS)


def render_definition(options: PipelineOptions, function_arns: Mapping[str, str]) -> str:
    from workflow.pipeline import build_pipeline  # noqa: PLC0415 - the workflow room's API

    machine = build_pipeline(options)
    placeholders = set(machine.placeholders())
    missing = placeholders - set(function_arns)
    if missing or placeholders != pipeline_function_keys():
        raise DefinitionError(
            f"definition placeholders {sorted(placeholders)} do not match the pipeline "
            f"functions {sorted(pipeline_function_keys())} (no ARN for {sorted(missing)})"
        )
    return machine.to_json(resolve={key: function_arns[key] for key in sorted(placeholders)})
