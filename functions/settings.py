"""Every function's settings, parsed from its environment in one place.

Each handler module builds its settings at import time (Lambda's cold start) with
`<Function>Settings.from_env()`. A missing or malformed variable therefore fails the cold
start with a `SettingsError` that names the variable and the offending value, instead of
failing later in whichever execution first needs it. Every problem is reported at once.

The variable names are the ones `functions.catalog` declares for each function (a test
checks that each `from_env` reads exactly its catalog entry's variables).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions import catalog
from functions.errors import SettingsError

# SageMaker's ceiling for MaxRuntimeInSeconds and MaxWaitTimeInSeconds (28 days).
SAGEMAKER_MAX_SECONDS = 28 * 24 * 3600
# SageMaker's limits on HyperParameters (CreateTrainingJob).
MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_KEY = 256
MAX_HYPERPARAMETER_VALUE = 2500
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_DIGITS = re.compile(r"[0-9]+")
_ARN = re.compile(r"arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):[a-z0-9-]*:[0-9]{0,12}:.+")


class _Env:
    """Reads and checks variables, collecting every problem for one report."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.problems: list[str] = []

    def _raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None or not value.strip():
            return None
        return value.strip()

    def _problem(self, message: str) -> None:
        self.problems.append(message)

    def text(self, name: str) -> str:
        value = self._raw(name)
        if value is None:
            self._problem(f"{name} is required but not set")
            return ""
        return value

    def optional_text(self, name: str) -> str | None:
        return self._raw(name)

    def integer(self, name: str, *, minimum: int, maximum: int | None = None) -> int:
        value = self._raw(name)
        if value is None:
            self._problem(f"{name} is required but not set")
            return minimum
        kind = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
        if not _DIGITS.fullmatch(value) or int(value) < minimum:
            self._problem(f"{name} must be {kind}, got {value!r}")
            return minimum
        if maximum is not None and int(value) > maximum:
            self._problem(f"{name} must be at most {maximum}, got {value!r}")
            return minimum
        return int(value)

    def optional_integer(self, name: str, *, minimum: int, maximum: int) -> int | None:
        if self._raw(name) is None:
            return None
        return self.integer(name, minimum=minimum, maximum=maximum)

    def boolean(self, name: str) -> bool:
        value = self.text(name)
        if value and value.lower() not in ("true", "false"):
            self._problem(f"{name} must be 'true' or 'false', got {value!r}")
        return value.lower() == "true"

    def prefix(self, name: str) -> str:
        """An S3 key prefix naming a folder: no leading '/', ends with '/'."""
        value = self.text(name)
        if value and (value.startswith("/") or not value.endswith("/") or "//" in value):
            self._problem(
                f"{name} must be a folder-like S3 key prefix such as 'data/model/train/' "
                f"(no leading '/', ending with '/'), got {value!r}"
            )
        return value

    def time_zone(self, name: str) -> ZoneInfo:
        value = self.text(name)
        if value:
            try:
                return ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                self._problem(
                    f"{name} must be an IANA time zone such as 'Europe/Paris', got {value!r}"
                )
        return ZoneInfo("UTC")

    def arn(self, name: str, service: str, *, required: bool = True) -> str:
        value = self.text(name) if required else (self._raw(name) or "")
        if value:
            match = _ARN.fullmatch(value)
            if match is None or match["service"] != service:
                self._problem(f"{name} must be an ARN of service '{service}', got {value!r}")
        return value

    def log_level(self, name: str) -> str:
        value = self._raw(name) or "INFO"
        if value.upper() not in LOG_LEVELS:
            self._problem(f"{name} must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
            return "INFO"
        return value.upper()

    def url(self, name: str) -> str | None:
        value = self._raw(name)
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            self._problem(f"{name} must be an http(s) URL, got {value!r}")
            return None
        return value

    def hyperparameters(self, name: str) -> tuple[tuple[str, str], ...]:
        value = self.text(name)
        if not value:
            return ()
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as error:
            self._problem(f"{name} must be a JSON object of strings, got invalid JSON ({error})")
            return ()
        if not isinstance(parsed, dict):
            self._problem(f"{name} must be a JSON object of strings, got {type(parsed).__name__}")
            return ()
        if len(parsed) > MAX_HYPERPARAMETERS:
            self._problem(
                f"{name} has {len(parsed)} entries; SageMaker allows {MAX_HYPERPARAMETERS}"
            )
        pairs = []
        for key, item in parsed.items():
            # SageMaker takes strings only: 10 and "10" are not the same request.
            if not isinstance(item, str):
                self._problem(f"{name}[{key!r}] must be a string, got {json.dumps(item)}")
            elif len(key) > MAX_HYPERPARAMETER_KEY or len(item) > MAX_HYPERPARAMETER_VALUE:
                self._problem(f"{name}[{key!r}] exceeds SageMaker's length limits")
            else:
                pairs.append((key, item))
        return tuple(pairs)

    def check(self) -> None:
        if self.problems:
            raise SettingsError("; ".join(self.problems))


@dataclass(frozen=True)
class CommonSettings:
    model_name: str
    stack_name: str
    log_level: str

    @classmethod
    def read(cls, env: _Env) -> CommonSettings:
        return cls(
            model_name=env.text(catalog.MODEL_NAME),
            stack_name=env.text(catalog.STACK_NAME),
            log_level=env.log_level(catalog.LOG_LEVEL),
        )


@dataclass(frozen=True)
class CheckDataSettings:
    common: CommonSettings
    bucket: str
    data_prefix: str
    manifest_prefix: str
    marker_parameter: str
    training_window_days: int
    time_zone: ZoneInfo

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> CheckDataSettings:
        env = _Env(environ)
        settings = cls(
            common=CommonSettings.read(env),
            bucket=env.text(catalog.BUCKET),
            data_prefix=env.prefix(catalog.DATA_PREFIX),
            manifest_prefix=env.prefix(catalog.MANIFEST_PREFIX),
            marker_parameter=env.text(catalog.MARKER_PARAMETER),
            # 100 years: a guard against typos, not a product limit.
            training_window_days=env.integer(
                catalog.TRAINING_WINDOW_DAYS, minimum=1, maximum=36_500
            ),
            time_zone=env.time_zone(catalog.TIME_ZONE),
        )
        env.check()
        return settings


@dataclass(frozen=True)
class StartTrainingJobSettings:
    common: CommonSettings
    bucket: str
    artifact_prefix: str
    training_image: str
    role_arn: str
    instance_type: str
    instance_count: int
    volume_gb: int
    max_runtime_seconds: int
    use_spot: bool
    max_wait_seconds: int | None
    hyperparameters: tuple[tuple[str, str], ...]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> StartTrainingJobSettings:
        env = _Env(environ)
        max_runtime = env.integer(
            catalog.TRAINING_MAX_RUNTIME_SECONDS, minimum=1, maximum=SAGEMAKER_MAX_SECONDS
        )
        use_spot = env.boolean(catalog.TRAINING_USE_SPOT)
        max_wait = env.optional_integer(
            catalog.TRAINING_MAX_WAIT_SECONDS, minimum=1, maximum=SAGEMAKER_MAX_SECONDS
        )
        if use_spot and max_wait is None:
            env.problems.append(
                f"{catalog.TRAINING_MAX_WAIT_SECONDS} is required when "
                f"{catalog.TRAINING_USE_SPOT}=true (SageMaker's MaxWaitTimeInSeconds)"
            )
        elif use_spot and max_wait is not None and max_wait < max_runtime:
            env.problems.append(
                f"{catalog.TRAINING_MAX_WAIT_SECONDS} must be at least "
                f"{catalog.TRAINING_MAX_RUNTIME_SECONDS} ({max_runtime}), got {max_wait}"
            )
        settings = cls(
            common=CommonSettings.read(env),
            bucket=env.text(catalog.BUCKET),
            artifact_prefix=env.prefix(catalog.ARTIFACT_PREFIX),
            training_image=env.text(catalog.TRAINING_IMAGE),
            role_arn=env.arn(catalog.SAGEMAKER_ROLE_ARN, "iam"),
            instance_type=env.text(catalog.TRAINING_INSTANCE_TYPE),
            instance_count=env.integer(catalog.TRAINING_INSTANCE_COUNT, minimum=1),
            volume_gb=env.integer(catalog.TRAINING_VOLUME_GB, minimum=1),
            max_runtime_seconds=max_runtime,
            use_spot=use_spot,
            max_wait_seconds=max_wait if use_spot else None,
            hyperparameters=env.hyperparameters(catalog.HYPERPARAMETERS),
        )
        env.check()
        return settings


@dataclass(frozen=True)
class GetStatusSettings:
    common: CommonSettings
    endpoint_name: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> GetStatusSettings:
        env = _Env(environ)
        settings = cls(
            common=CommonSettings.read(env), endpoint_name=env.text(catalog.ENDPOINT_NAME)
        )
        env.check()
        return settings


@dataclass(frozen=True)
class CallbackSettings:
    """await_status and on_sagemaker_event share the token store's location."""

    common: CommonSettings
    bucket: str
    callback_prefix: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> CallbackSettings:
        env = _Env(environ)
        settings = cls(
            common=CommonSettings.read(env),
            bucket=env.text(catalog.BUCKET),
            callback_prefix=env.prefix(catalog.CALLBACK_PREFIX),
        )
        env.check()
        return settings


@dataclass(frozen=True)
class DeployModelSettings:
    common: CommonSettings
    endpoint_name: str
    inference_image: str
    role_arn: str
    instance_type: str
    instance_count: int
    keep_previous_versions: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> DeployModelSettings:
        env = _Env(environ)
        settings = cls(
            common=CommonSettings.read(env),
            endpoint_name=env.text(catalog.ENDPOINT_NAME),
            inference_image=env.text(catalog.INFERENCE_IMAGE),
            role_arn=env.arn(catalog.SAGEMAKER_ROLE_ARN, "iam"),
            instance_type=env.text(catalog.ENDPOINT_INSTANCE_TYPE),
            instance_count=env.integer(catalog.ENDPOINT_INSTANCE_COUNT, minimum=1),
            keep_previous_versions=env.integer(catalog.KEEP_PREVIOUS_VERSIONS, minimum=0),
        )
        env.check()
        return settings


@dataclass(frozen=True)
class NotifySlackSettings:
    common: CommonSettings
    enabled: bool
    channel: str
    token_secret_arn: str | None
    api_url: str | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> NotifySlackSettings:
        env = _Env(environ)
        enabled = env.boolean(catalog.SLACK_ENABLED)
        secret_arn = env.arn(catalog.SLACK_TOKEN_SECRET_ARN, "secretsmanager", required=False)
        if enabled and not secret_arn:
            env.problems.append(
                f"{catalog.SLACK_TOKEN_SECRET_ARN} is required when {catalog.SLACK_ENABLED}=true"
            )
        settings = cls(
            common=CommonSettings.read(env),
            enabled=enabled,
            channel=env.text(catalog.SLACK_CHANNEL),
            token_secret_arn=secret_arn or None,
            api_url=env.url(catalog.SLACK_API_URL),
        )
        env.check()
        return settings


@dataclass(frozen=True)
class UpdateParametersSettings:
    common: CommonSettings
    marker_parameter: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> UpdateParametersSettings:
        env = _Env(environ)
        settings = cls(
            common=CommonSettings.read(env),
            marker_parameter=env.text(catalog.MARKER_PARAMETER),
        )
        env.check()
        return settings


@dataclass(frozen=True)
class DebounceUploadSettings:
    common: CommonSettings
    state_machine_arn: str
    scheduler_role_arn: str
    schedule_group: str
    schedule_name: str
    debounce_seconds: int
    time_zone: ZoneInfo

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> DebounceUploadSettings:
        env = _Env(environ)
        settings = cls(
            common=CommonSettings.read(env),
            state_machine_arn=env.arn(catalog.STATE_MACHINE_ARN, "states"),
            scheduler_role_arn=env.arn(catalog.SCHEDULER_ROLE_ARN, "iam"),
            schedule_group=env.text(catalog.SCHEDULE_GROUP),
            schedule_name=env.text(catalog.DEBOUNCE_SCHEDULE_NAME),
            debounce_seconds=env.integer(catalog.DEBOUNCE_SECONDS, minimum=1, maximum=86_400),
            time_zone=env.time_zone(catalog.TIME_ZONE),
        )
        env.check()
        return settings
