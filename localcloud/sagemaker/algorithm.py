"""What Linear Learner does with a training job's input: find the channel, read it, fit.

Problems with the data are the algorithm's ClientError in SageMaker's FailureReason, naming
the object (and line) at fault.
"""

from __future__ import annotations

from typing import Any

from localcloud.sagemaker import linear
from localcloud.sagemaker.common import S3Store, StoreError


def default_training_seconds(input_bytes: int) -> float:
    """Plausible for Linear Learner on one instance: ~5 min of overhead plus ~6 s per MB."""
    return max(60.0, 300.0 + 6.0 * input_bytes / 1_000_000)


class DownloadFailed(linear.TrainingDataError):
    """An object of the channel could not be downloaded."""


def _train_channel(channels: list[dict[str, Any]] | None) -> dict[str, Any]:
    for channel in channels or []:
        if channel.get("ChannelName") == "train":
            return dict(channel)
    raise linear.TrainingDataError("the algorithm requires a 'train' channel; none was given")


def train(
    channels: list[dict[str, Any]] | None, hyper_parameters: dict[str, str] | None, store: S3Store
) -> linear.TrainingResult:
    """Fit the `train` channel (raises TrainingDataError with the reason)."""
    channel = _train_channel(channels)
    hyper = hyper_parameters or {}
    predictor = hyper.get("predictor_type", "regressor")
    if predictor != "regressor":
        raise linear.TrainingDataError(
            f"predictor_type {predictor!r}: this local SageMaker trains regressors only"
        )
    content_type = str(channel.get("ContentType") or "text/csv").split(";")[0].strip()
    if content_type != "text/csv":
        raise linear.TrainingDataError(
            f"content type {content_type} is not supported (text/csv only)"
        )
    source = channel.get("DataSource", {}).get("S3DataSource", {})
    try:
        uris = linear.channel_uris(
            store.read, store.keys_under, source.get("S3DataType", ""), source.get("S3Uri", "")
        )
        data, files = linear.read_records(store.read, uris)
    except StoreError as error:
        raise DownloadFailed(f"Data download failed:{error}") from error
    features = data.shape[1] - 1
    declared = hyper.get("feature_dim", "auto")
    if declared != "auto" and str(features) != str(declared):
        raise linear.TrainingDataError(
            f"the data has {features} features per record but feature_dim is {declared}"
        )
    return linear.fit(data, files)


def client_error(error: linear.TrainingDataError) -> str:
    """SageMaker reports data problems as the algorithm's ClientError."""
    if isinstance(error, DownloadFailed):
        return f"ClientError: {error}"
    return (
        "ClientError: Unable to read data channel 'train'. Requested content-type is "
        f"'text/csv'. Please verify the data matches the requested content-type. ({error})"
    )


def input_bytes(request: dict[str, Any], store: S3Store) -> int:
    """Size of the train channel's objects (0 where unreadable: the job will say why)."""
    try:
        channel = next(
            c for c in request.get("InputDataConfig") or [] if c.get("ChannelName") == "train"
        )
        source = channel["DataSource"]["S3DataSource"]
        uris = linear.channel_uris(
            store.read, store.keys_under, source["S3DataType"], source["S3Uri"]
        )
    except (StopIteration, KeyError, StoreError, linear.TrainingDataError):
        return 0
    return sum(store.size(uri) or 0 for uri in uris)
