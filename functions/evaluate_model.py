"""EvaluateModel: score the new model and the serving one on the run's holdout; decide.

Event: `{data: $.data, training: $.training, execution: {name}}`. Result (`$.evaluation`):
`{metric, trainingMetric, challenger, champion, championEndpointConfig, bounds: {maxScore,
maxRegressionPercent, championLimit}, decision, reason, overridden, drift: {action, rejects,
summary}, holdout: {start, end,
fileCount, rows, manifestUri}, evaluationUri}`; the same document is written to
`<manifest prefix><execution>.evaluation.json`, next to the run's manifests.

1. The holdout's rows are read through its manifest (`$.data.holdoutManifestUri`, written by
   CheckData; label first, as trained).
2. The challenger's score is the training job's final metric on its `test` channel, which
   was the same holdout (`functions.quality_gate.TRAINING_METRIC`).
3. The champion: when the endpoint exists and answers (`contract.status.ENDPOINT_ANSWERING`)
   its model scores the same rows through InvokeEndpoint (text/csv, batches well under the
   6 MB payload limit), by the same definition. No endpoint, or one where no model serves:
   no champion.
4. `functions.quality_gate.decide` decides; with DRIFT_ACTION `reject`, CheckData's drift
   report (`$.data.drift`) with a shifted column rejects, naming it; `overrideQualityGate`
   (in `$.data`) makes the gate advisory.

Whatever cannot be computed fails closed with EvaluationError naming what and why: an empty
holdout, no test metric on the job, an endpoint that fails to answer or answers the wrong
number of scores, an unreadable row. The run then ends in EvaluationFailed, nothing deployed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from contract.document import (
    DATA_DRIFT,
    DATA_HOLDOUT_END,
    DATA_HOLDOUT_FILE_COUNT,
    DATA_HOLDOUT_MANIFEST_URI,
    DATA_HOLDOUT_START,
    DATA_OVERRIDE_QUALITY_GATE,
    DRIFT_SUMMARY,
)
from contract.errors import EvaluationError
from contract.lambdas import DRIFT_ACTION_REJECT, EVALUATE_MODEL, EvaluateModelSettings
from contract.limits import INVOKE_ENDPOINT_BATCH_BYTES
from contract.status import ENDPOINT_ANSWERING
from functions import clients, drift
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.payload import field, optional_field
from functions.quality_gate import TRAINING_METRIC, Bounds, decide, score

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient


@dataclass(frozen=True)
class Holdout:
    labels: tuple[float, ...]
    features: tuple[str, ...]  # each row's feature cells, as the file spells them
    files: int


def evaluation_key(settings: EvaluateModelSettings, execution_name: str) -> str:
    return f"{settings.manifest_prefix}{execution_name}.evaluation.json"


def _split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _read(s3: S3Client, uri: str) -> bytes:
    bucket, key = _split_uri(uri)
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as error:
        raise EvaluationError(
            f"the quality gate could not read {uri}: {error}. Nothing was deployed; the "
            "endpoint keeps serving the previous model and the marker is untouched."
        ) from error


def read_holdout(s3: S3Client, settings: EvaluateModelSettings, manifest_uri: str) -> Holdout:
    """The holdout's rows, through its SageMaker ManifestFile."""
    try:
        entries = json.loads(_read(s3, manifest_uri))
        prefix = entries[0]["prefix"]
        keys = entries[1:]
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise EvaluationError(
            f"the holdout manifest {manifest_uri} is not a SageMaker ManifestFile "
            f'([{{"prefix": ...}}, "key", ...]): {error}'
        ) from error
    expected = f"s3://{settings.bucket}/{settings.data_prefix}"
    if prefix != expected or not all(isinstance(k, str) and k for k in keys):
        raise EvaluationError(
            f"the holdout manifest {manifest_uri} must list keys under {expected}, got prefix "
            f"{prefix!r}"
        )
    labels: list[float] = []
    features: list[str] = []
    for key in keys:
        uri = prefix + key
        try:
            text = _read(s3, uri).decode("utf-8")
        except UnicodeDecodeError as error:
            raise EvaluationError(f"holdout file {uri} is not UTF-8 text: {error}") from error
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            label, _, rest = line.partition(",")
            try:
                value = float(label)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or not rest:
                raise EvaluationError(
                    f"holdout file {uri}, line {number}: {line[:80]!r} is not a record of a "
                    "numeric label followed by features"
                )
            labels.append(value)
            features.append(rest.strip())
    if not labels:
        raise EvaluationError(
            f"the holdout ({manifest_uri}: {len(keys)} files) holds no rows: the gate cannot "
            "score the new model, so it is not deployed"
        )
    return Holdout(tuple(labels), tuple(features), len(keys))


def challenger_score(training: dict[str, Any], metric: str) -> float:
    name = TRAINING_METRIC[metric]
    metrics = training.get("metrics")
    value = metrics.get(name) if isinstance(metrics, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        job = training.get("name", "?")
        reported = ", ".join(sorted(metrics)) if isinstance(metrics, dict) and metrics else "none"
        raise EvaluationError(
            f"training job {job} reports no {name} (the {metric} of its test channel, the "
            f"holdout); its metrics: {reported}. The gate cannot score the new model, so it "
            "is not deployed."
        )
    return float(value)


def _batches(rows: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(first row index, text/csv body) of consecutive rows, each body under the limit."""
    start, size, lines = 0, 0, []  # type: ignore[var-annotated]
    for index, row in enumerate(rows):
        cost = len(row.encode("utf-8")) + 1
        if lines and size + cost > INVOKE_ENDPOINT_BATCH_BYTES:
            yield start, "\n".join(lines)
            start, size, lines = index, 0, []
        lines.append(row)
        size += cost
    if lines:
        yield start, "\n".join(lines)


@dataclass(frozen=True)
class Champion:
    predictions: tuple[float, ...] | None  # None: no model serves
    endpoint_config: str | None
    note: str  # what the endpoint was found as


def find_champion(
    sagemaker: SageMakerClient,
    runtime: SageMakerRuntimeClient,
    endpoint_name: str,
    holdout: Holdout,
) -> Champion:
    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "")
        if error.response.get("Error", {}).get("Code") == "ValidationException" and (
            "Could not find" in message or "not found" in message.lower()
        ):
            return Champion(None, None, f"endpoint {endpoint_name} does not exist yet")
        raise EvaluationError(
            f"DescribeEndpoint {endpoint_name} failed: {error}; the serving model cannot be "
            "scored, so the new one is not deployed"
        ) from error
    status = endpoint["EndpointStatus"]
    config = endpoint.get("EndpointConfigName")
    if status not in ENDPOINT_ANSWERING:
        return Champion(None, None, f"endpoint {endpoint_name} is {status}: no model serves")
    predictions: list[float] = []
    for start, body in _batches(holdout.features):
        try:
            answer = runtime.invoke_endpoint(
                EndpointName=endpoint_name,
                Body=body.encode("utf-8"),
                ContentType="text/csv",
                Accept="application/json",
            )
            scores = [float(p["score"]) for p in json.loads(answer["Body"].read())["predictions"]]
        except (ClientError, BotoCoreError) as error:
            raise EvaluationError(
                f"InvokeEndpoint {endpoint_name} failed on holdout rows {start + 1}+: {error}; "
                "the serving model cannot be scored, so the new one is not deployed"
            ) from error
        except (ValueError, TypeError, KeyError) as error:
            raise EvaluationError(
                f"endpoint {endpoint_name} answered holdout rows {start + 1}+ with something "
                f'other than {{"predictions": [{{"score": ...}}]}}: {error}'
            ) from error
        expected = body.count("\n") + 1
        if len(scores) != expected:
            raise EvaluationError(
                f"endpoint {endpoint_name} answered {len(scores)} scores for {expected} "
                f"holdout rows (from row {start + 1})"
            )
        predictions.extend(scores)
    return Champion(tuple(predictions), config, f"endpoint {endpoint_name} serves {config}")


def evaluate_model(
    *,
    settings: EvaluateModelSettings,
    s3: S3Client,
    sagemaker: SageMakerClient,
    runtime: SageMakerRuntimeClient,
    data: dict[str, Any],
    training: dict[str, Any],
    execution_name: str,
    log: StructuredLogger,
    drift_rejects: str | None = None,
) -> dict[str, Any]:
    manifest_uri = field(data, DATA_HOLDOUT_MANIFEST_URI, str)
    override = optional_field(data, DATA_OVERRIDE_QUALITY_GATE, bool) or False
    drift_report = data.get(DATA_DRIFT)
    if drift_rejects is None and settings.drift_action == DRIFT_ACTION_REJECT:
        drift_rejects = drift.rejection(drift_report)
    holdout = read_holdout(s3, settings, manifest_uri)
    challenger = challenger_score(training, settings.metric)
    champion = find_champion(sagemaker, runtime, settings.endpoint_name, holdout)
    champion_score = (
        None
        if champion.predictions is None
        else score(settings.metric, holdout.labels, champion.predictions)
    )
    bounds = Bounds(settings.max_score, settings.max_regression_percent)
    decision = decide(
        metric=settings.metric,
        challenger=challenger,
        champion=champion_score,
        bounds=bounds,
        override=override,
        drift_rejects=drift_rejects,
    )
    key = evaluation_key(settings, execution_name)
    result: dict[str, Any] = {
        "metric": settings.metric,
        "trainingMetric": TRAINING_METRIC[settings.metric],
        "challenger": challenger,
        "champion": champion_score,
        "championEndpointConfig": champion.endpoint_config,
        "championNote": champion.note,
        "trainingJobName": training.get("name"),
        "artifactUri": training.get("artifactUri"),
        "bounds": {
            "maxScore": settings.max_score,
            "maxRegressionPercent": settings.max_regression_percent,
            "championLimit": decision.champion_limit,
        },
        "decision": decision.decision,
        "reason": decision.reason,
        "overridden": decision.overridden,
        "drift": {
            "action": settings.drift_action,
            "rejects": drift_rejects is not None,
            "summary": drift_report.get(DRIFT_SUMMARY) if isinstance(drift_report, dict) else None,
        },
        "holdout": {
            "start": data.get(DATA_HOLDOUT_START),
            "end": data.get(DATA_HOLDOUT_END),
            "fileCount": data.get(DATA_HOLDOUT_FILE_COUNT, holdout.files),
            "rows": len(holdout.labels),
            "manifestUri": manifest_uri,
        },
        "evaluationUri": f"s3://{settings.bucket}/{key}",
    }
    try:
        s3.put_object(
            Bucket=settings.bucket,
            Key=key,
            Body=json.dumps({"execution": execution_name, **result}, indent=2).encode(),
            ContentType="application/json",
        )
    except (ClientError, BotoCoreError) as error:
        # The scores must stay findable (the reject path promises it): no record, no deploy.
        raise EvaluationError(
            f"writing the evaluation s3://{settings.bucket}/{key} failed: {error}. Nothing "
            "was deployed; check the bucket policy and the function's role."
        ) from error
    log.info(
        decision.reason,
        decision=decision.decision,
        metric=settings.metric,
        challenger=challenger,
        champion=champion_score,
        overridden=decision.overridden,
        holdoutRows=len(holdout.labels),
    )
    return result


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(EVALUATE_MODEL)
S3, SAGEMAKER, RUNTIME = clients.s3(), clients.sagemaker(), clients.sagemaker_runtime()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return evaluate_model(
        settings=SETTINGS,
        s3=S3,
        sagemaker=SAGEMAKER,
        runtime=RUNTIME,
        data=field(event, "data", dict),
        training=field(event, "training", dict),
        execution_name=field(event, "execution.name", str),
        log=LOG,
    )
