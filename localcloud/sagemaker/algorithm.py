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


class ChannelError(linear.TrainingDataError):
    """A channel's data cannot be read as the algorithm expects; the message names it."""

    def __init__(self, channel: str, message: str) -> None:
        super().__init__(message)
        self.channel = channel


def _channel(channels: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    for channel in channels or []:
        if channel.get("ChannelName") == name:
            return dict(channel)
    return None


def _read_channel(channel: dict[str, Any], store: S3Store) -> tuple[Any, int]:
    name = str(channel.get("ChannelName"))
    content_type = str(channel.get("ContentType") or "text/csv").split(";")[0].strip()
    if content_type != "text/csv":
        raise ChannelError(name, f"content type {content_type} is not supported (text/csv only)")
    source = channel.get("DataSource", {}).get("S3DataSource", {})
    try:
        uris = linear.channel_uris(
            store.read, store.keys_under, source.get("S3DataType", ""), source.get("S3Uri", "")
        )
        return linear.read_records(store.read, uris)
    except StoreError as error:
        raise DownloadFailed(f"Data download failed:{error}") from error
    except ChannelError:
        raise
    except linear.TrainingDataError as error:
        raise ChannelError(name, str(error)) from error


def train(
    channels: list[dict[str, Any]] | None, hyper_parameters: dict[str, str] | None, store: S3Store
) -> linear.TrainingResult:
    """Fit the `train` channel, then score the final model on the `test` channel when there is
    one, as Linear Learner does (`test:mse`, `test:rmse`, `test:absolute_loss`,
    `test:objective_loss`). Raises TrainingDataError with the reason."""
    channel = _channel(channels, "train")
    if channel is None:
        raise linear.TrainingDataError("the algorithm requires a 'train' channel; none was given")
    hyper = hyper_parameters or {}
    predictor = hyper.get("predictor_type", "regressor")
    if predictor != "regressor":
        raise linear.TrainingDataError(
            f"predictor_type {predictor!r}: this local SageMaker trains regressors only"
        )
    data, files = _read_channel(channel, store)
    features = data.shape[1] - 1
    declared = hyper.get("feature_dim", "auto")
    if declared != "auto" and str(features) != str(declared):
        raise linear.TrainingDataError(
            f"the data has {features} features per record but feature_dim is {declared}"
        )
    result = linear.fit(data, files)
    test = _channel(channels, "test")
    if test is None:
        return result
    test_data, _ = _read_channel(test, store)
    if test_data.shape[1] - 1 != features:
        raise ChannelError(
            "test",
            f"the test data has {test_data.shape[1] - 1} features per record but the "
            f"train data has {features}",
        )
    return linear.with_test_metrics(result, test_data)


def client_error(error: linear.TrainingDataError) -> str:
    """SageMaker reports data problems as the algorithm's ClientError."""
    if isinstance(error, DownloadFailed):
        return f"ClientError: {error}"
    channel = error.channel if isinstance(error, ChannelError) else "train"
    return (
        f"ClientError: Unable to read data channel '{channel}'. Requested content-type is "
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
