"""The algorithm behind the local SageMaker: Linear Learner's regressor, for real.

Training reads the channel's CSV files (no header, label in the FIRST column, as Linear
Learner expects), fits an ordinary least-squares regression with an intercept, and reports
the metrics under Linear Learner's names. The artefact is a real `model.tar.gz` holding a
JSON model; inference answers Linear Learner's regressor JSON. Nothing here knows about
moto or the clock: the callers pass a `read(uri) -> bytes` function.
"""

from __future__ import annotations

import io
import json
import math
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

Reader = Callable[[str], bytes]
Lister = Callable[[str], list[str]]

MODEL_FILE = "model.json"
MODEL_FORMAT = "localcloud-linear-regressor/1"
# Linear Learner's own names (its MetricDefinitions) for what a regressor reports on `train`.
METRIC_DEFINITIONS = (
    ("train:progress", r"#progress_metric: host=\S+, completed (\S+) %"),
    (
        "train:objective_loss",
        r"#quality_metric: host=\S+, epoch=\S+, train \S+_objective <loss>=(\S+)",
    ),
    ("train:objective_loss:final", r"#quality_metric: host=\S+, train \S+_objective <loss>=(\S+)"),
    ("train:mse", r"#quality_metric: host=\S+, train mse <loss>=(\S+)"),
    ("train:absolute_loss", r"#quality_metric: host=\S+, train absolute_loss <loss>=(\S+)"),
)


class TrainingDataError(Exception):
    """The channel's data cannot be trained on; the message names the file (and line)."""


class ArtifactError(Exception):
    """A model artefact that cannot be loaded."""


class InferenceError(Exception):
    """A request the model container rejects (Linear Learner answers 4xx)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class LinearModel:
    weights: tuple[float, ...]
    bias: float

    @property
    def feature_dim(self) -> int:
        return len(self.weights)

    def predict(self, features: np.ndarray) -> np.ndarray:
        return features @ np.asarray(self.weights, dtype=float) + self.bias


@dataclass(frozen=True)
class TrainingResult:
    model: LinearModel
    records: int
    files: int
    metrics: dict[str, float]


# --- reading the channel ----------------------------------------------------------------------
def manifest_uris(read: Reader, manifest_uri: str) -> list[str]:
    """The objects a ManifestFile lists: `[{"prefix": "s3://b/p/"}, "key1", ...]`, each key
    appended to the prefix (SageMaker's S3DataSource format)."""
    raw = read(manifest_uri)
    try:
        entries = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TrainingDataError(f"manifest {manifest_uri} is not valid JSON ({error})") from error
    if not isinstance(entries, list) or not entries:
        raise TrainingDataError(f"manifest {manifest_uri} is not a non-empty JSON list")
    head = entries[0]
    prefix = head.get("prefix") if isinstance(head, dict) else None
    if not isinstance(prefix, str) or not prefix.startswith("s3://"):
        raise TrainingDataError(
            f'manifest {manifest_uri}: the first element must be {{"prefix": "s3://..."}}'
        )
    uris = []
    for position, suffix in enumerate(entries[1:], start=2):
        if not isinstance(suffix, str) or not suffix:
            raise TrainingDataError(
                f"manifest {manifest_uri}: element {position} is not a non-empty key string"
            )
        uris.append(prefix + suffix)
    if not uris:
        raise TrainingDataError(f"manifest {manifest_uri} lists no objects")
    return uris


def channel_uris(read: Reader, listed: Lister, data_type: str, uri: str) -> list[str]:
    if data_type == "ManifestFile":
        return manifest_uris(read, uri)
    if data_type == "S3Prefix":
        found = listed(uri)
        if not found:
            raise TrainingDataError(f"no objects under {uri}")
        return found
    raise TrainingDataError(f"S3DataType {data_type} is not supported by this algorithm")


def parse_csv(data: bytes, uri: str) -> np.ndarray:
    """Rows of one CSV file as floats (label first). Empty lines are skipped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TrainingDataError(f"{uri} is not UTF-8 text ({error})") from error
    rows: list[list[float]] = []
    width: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = line.split(",")
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            raise TrainingDataError(
                f"{uri}, line {number}: {len(cells)} columns where the file's first record "
                f"has {width}"
            )
        rows.append([_number(cell, uri, number) for cell in cells])
    if not rows:
        raise TrainingDataError(f"{uri} holds no records")
    return np.asarray(rows, dtype=float)


def _number(cell: str, uri: str, line: int) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise TrainingDataError(
            f"{uri}, line {line}: could not convert {cell!r} to float"
        ) from None
    if not math.isfinite(value):
        raise TrainingDataError(f"{uri}, line {line}: value {cell!r} is not a finite number")
    return value


def read_records(read: Reader, uris: Iterable[str]) -> tuple[np.ndarray, int]:
    """All records of the channel, checked for one width across files."""
    blocks: list[np.ndarray] = []
    first: str | None = None
    for uri in uris:
        block = parse_csv(read(uri), uri)
        if blocks and block.shape[1] != blocks[0].shape[1]:
            raise TrainingDataError(
                f"{uri}, line 1: {block.shape[1]} columns where {first} has {blocks[0].shape[1]}"
            )
        first = first or uri
        blocks.append(block)
    if not blocks:
        raise TrainingDataError("the channel holds no records")
    data = np.vstack(blocks)
    if data.shape[1] < 2:
        raise TrainingDataError(f"{first}: records need a label and at least one feature")
    return data, len(blocks)


# --- fitting ----------------------------------------------------------------------------------
def fit(data: np.ndarray, files: int) -> TrainingResult:
    """Least squares with an intercept on `[label, features...]` rows."""
    labels, features = data[:, 0], data[:, 1:]
    design = np.hstack([features, np.ones((features.shape[0], 1))])
    solution, *_ = np.linalg.lstsq(design, labels, rcond=None)
    model = LinearModel(tuple(float(w) for w in solution[:-1]), float(solution[-1]))
    residuals = labels - model.predict(features)
    mse = float(np.mean(residuals**2))
    metrics = {
        "train:progress": 100.0,
        # The regressor's default loss is squared loss, so its objective is the MSE.
        "train:objective_loss": mse,
        "train:objective_loss:final": mse,
        "train:mse": mse,
        "train:absolute_loss": float(np.mean(np.abs(residuals))),
    }
    return TrainingResult(model, int(data.shape[0]), files, metrics)


def with_test_metrics(result: TrainingResult, data: np.ndarray) -> TrainingResult:
    """The final model scored on the `test` channel's `[label, features...]` rows, under
    Linear Learner's names: `test:mse`, `test:rmse`, `test:absolute_loss` (the mean absolute
    error) and `test:objective_loss` (squared loss for a regressor: the MSE)."""
    residuals = data[:, 0] - result.model.predict(data[:, 1:])
    mse = float(np.mean(residuals**2))
    metrics = {
        **result.metrics,
        "test:objective_loss": mse,
        "test:mse": mse,
        "test:rmse": math.sqrt(mse),
        "test:absolute_loss": float(np.mean(np.abs(residuals))),
    }
    return TrainingResult(result.model, result.records, result.files, metrics)


# --- the artefact -----------------------------------------------------------------------------
def pack(model: LinearModel, job_name: str, records: int) -> bytes:
    document = {
        "format": MODEL_FORMAT,
        "predictorType": "regressor",
        "featureDim": model.feature_dim,
        "weights": list(model.weights),
        "bias": model.bias,
        "trainingJobName": job_name,
        "records": records,
    }
    payload = json.dumps(document, indent=2).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(MODEL_FILE)
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def unpack(data: bytes, uri: str) -> LinearModel:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            member = archive.extractfile(MODEL_FILE)
            if member is None:
                raise KeyError(MODEL_FILE)
            document = json.loads(member.read())
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArtifactError(f"{uri} is not a valid tar.gz archive ({error})") from error
    except KeyError:
        raise ArtifactError(f"{uri} does not contain {MODEL_FILE}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{MODEL_FILE} in {uri} is not JSON ({error})") from error
    weights, bias = document.get("weights"), document.get("bias")
    if (
        document.get("format") != MODEL_FORMAT
        or not isinstance(weights, list)
        or not all(isinstance(w, int | float) for w in weights)
        or not isinstance(bias, int | float)
    ):
        raise ArtifactError(f"{MODEL_FILE} in {uri} is not a {MODEL_FORMAT} model")
    return LinearModel(tuple(float(w) for w in weights), float(bias))


# --- inference --------------------------------------------------------------------------------
def parse_request(body: bytes, content_type: str, feature_dim: int) -> np.ndarray:
    """Feature rows of an InvokeEndpoint body: `text/csv` rows, or the JSON
    `{"instances": [{"features": [...]}, ...]}` of SageMaker's common inference format."""
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InferenceError(400, "Unable to evaluate payload provided: not UTF-8 text") from None
    rows: list[list[Any]]
    if kind == "text/csv":
        rows = [line.split(",") for line in text.splitlines() if line.strip()]
    elif kind == "application/json":
        rows = _json_rows(text)
    else:
        raise InferenceError(415, f"Content type {content_type} is not supported by this model")
    if not rows:
        raise InferenceError(400, "Unable to evaluate payload provided: no records")
    parsed = []
    for number, row in enumerate(rows, start=1):
        if len(row) != feature_dim:
            raise InferenceError(
                400,
                f"Unable to evaluate payload provided: record {number} has {len(row)} features; "
                f"the model expects {feature_dim}",
            )
        try:
            parsed.append([float(value) for value in row])
        except (TypeError, ValueError):
            raise InferenceError(
                400, f"Unable to evaluate payload provided: record {number} is not numeric"
            ) from None
    return np.asarray(parsed, dtype=float)


def _json_rows(text: str) -> list[list[Any]]:
    try:
        document = json.loads(text)
        instances = document["instances"]
        return [list(instance["features"]) for instance in instances]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise InferenceError(
            400,
            'Unable to evaluate payload provided: expected {"instances": [{"features": [...]}]}',
        ) from error


def render_predictions(scores: np.ndarray, accept: str | None) -> tuple[bytes, str]:
    """Linear Learner's regressor answer: JSON `{"predictions": [{"score": s}, ...]}`, or one
    `{"score": s}` per line for `application/jsonlines`."""
    kind = (accept or "application/json").split(";")[0].strip().lower()
    records = [{"score": float(score)} for score in scores]
    if kind == "application/jsonlines":
        return ("\n".join(json.dumps(r) for r in records)).encode(), "application/jsonlines"
    return json.dumps({"predictions": records}).encode(), "application/json"
