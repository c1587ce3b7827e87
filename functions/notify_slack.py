"""NotifySlack / NotifyFailure: tell the Slack channel what happened. Never fails the run.

Event: `{kind: "status"|"failure", document: <the whole state document>, execution:
{name, id}}` from the state machine, or, from EventBridge, a "SageMaker Endpoint Deployment
State Change" of the model's endpoint: a guarded update's stage (canary live, fully shifted,
rolling back; functions.deployment_stage), posted without any state of the run.
Result (`$.notification`): `{posted: true, channel, ts}`, or `{posted:
false, reason, detail}` for SLACK_ENABLED=false (`disabled`) and for ANY failure to post:
Secrets Manager errors, Slack's own errors (`invalid_auth`, `channel_not_found`,
`ratelimited` after one retry, ...), HTTP 5xx after one retry (`http_500`), timeouts
(`timeout`), DNS or connection errors (`connection_error`). Each is logged.

The token is read from Secrets Manager (SLACK_TOKEN_SECRET_ARN; SecretString is either
the raw token or JSON `{"token": ...}`), once per container, and never logged (it is also
registered with `logs.redact`). A token Slack rejects is dropped from the cache so the
next invocation reads the secret again (it may have been rotated).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from botocore.exceptions import BotoCoreError, ClientError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from contract.document import NOTIFY_KIND, NOTIFY_KIND_STATUS, NOTIFY_KINDS
from contract.lambdas import NOTIFY_SLACK, NotifySlackSettings
from contract.status import EVENT_ENDPOINT_DEPLOYMENT_STATE_CHANGE
from functions import clients, logs
from functions.cold_start import cold_start
from functions.deployment_stage import stage_message
from functions.logs import StructuredLogger
from functions.slack_message import build_message

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SLACK_TIMEOUT_SECONDS = 10
# A guarded update's stage, from EventBridge (not a run's state document).
NOTIFY_KIND_DEPLOYMENT_STAGE = "deploymentStage"
DETAIL_MAX = 300
# Slack errors meaning the token itself is bad: read the secret again next time.
TOKEN_ERRORS = ("invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive")


class SecretUnavailable(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class TokenCache:
    """The Slack token, read from Secrets Manager once per container."""

    def __init__(self) -> None:
        self._token: str | None = None

    def get(self, secrets: SecretsManagerClient, secret_arn: str) -> str:
        if self._token is None:
            self._token = read_token(secrets, secret_arn)
            logs.redact(self._token)
        return self._token

    def drop(self) -> None:
        self._token = None


def read_token(secrets: SecretsManagerClient, secret_arn: str) -> str:
    try:
        secret = secrets.get_secret_value(SecretId=secret_arn).get("SecretString")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        raise SecretUnavailable(code, f"reading {secret_arn}: {code}") from None
    except BotoCoreError as error:
        raise SecretUnavailable(
            "secret_unavailable", f"reading {secret_arn}: {type(error).__name__}"
        ) from None
    token = (secret or "").strip()
    if token.startswith("{"):
        try:
            token = str(json.loads(token).get("token", "")).strip()
        except (json.JSONDecodeError, AttributeError):
            token = ""
    if not token:
        # Say what is wrong without echoing any of the secret's content.
        raise SecretUnavailable(
            "secret_malformed",
            f'{secret_arn} must hold the token, or JSON {{"token": ...}}',
        )
    return token


def slack_client(token: str, api_url: str | None, timeout: int) -> WebClient:
    kwargs: dict[str, Any] = {"base_url": api_url} if api_url else {}
    return WebClient(
        token=token,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=1),
            ServerErrorRetryHandler(max_retry_count=1),
        ],
        **kwargs,
    )


def _failure(reason: str, detail: str) -> dict[str, Any]:
    return {"posted": False, "reason": reason, "detail": detail[:DETAIL_MAX]}


def _slack_error(error: SlackApiError) -> str:
    """Slack's error code (`invalid_auth`, `ratelimited`, ...); `http_<status>` for 5xx."""
    status = error.response.status_code
    data = error.response.data if isinstance(error.response.data, dict) else {}
    code = data.get("error")
    return str(code) if code and status < 500 else f"http_{status}"


def notify(
    *,
    settings: NotifySlackSettings,
    secrets: SecretsManagerClient,
    tokens: TokenCache,
    kind: str,
    document: dict[str, Any],
    execution: dict[str, Any],
    log: StructuredLogger,
    timeout: int = SLACK_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    return post(
        settings=settings,
        secrets=secrets,
        tokens=tokens,
        kind=kind,
        compose=lambda: build_message(
            kind, document, execution, settings.model_name, settings.stack_name
        ),
        log=log,
        timeout=timeout,
    )


def post(
    *,
    settings: NotifySlackSettings,
    secrets: SecretsManagerClient,
    tokens: TokenCache,
    kind: str,
    compose: Callable[[], tuple[str, list[dict[str, Any]]]],
    log: StructuredLogger,
    timeout: int = SLACK_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Posts what `compose` builds; every failure is a result, never an exception."""
    if not settings.enabled or settings.token_secret_arn is None:
        return {"posted": False, "reason": "disabled"}
    try:
        text, blocks = compose()
        token = tokens.get(secrets, settings.token_secret_arn)
        response = slack_client(token, settings.api_url, timeout).chat_postMessage(
            channel=settings.channel, text=text, blocks=blocks
        )
    except SecretUnavailable as error:
        result = _failure(error.reason, str(error))
    except SlackApiError as error:
        result = _failure(_slack_error(error), str(error))
        if result["reason"] in TOKEN_ERRORS:
            tokens.drop()
    except TimeoutError as error:
        result = _failure("timeout", f"no answer from Slack within {timeout} s ({error})")
    except URLError as error:
        timed_out = isinstance(error.reason, TimeoutError)
        result = _failure("timeout" if timed_out else "connection_error", str(error.reason))
    except Exception as error:  # a notification must never fail the run
        result = _failure(type(error).__name__, str(error))
    else:
        result = {"posted": True, "channel": response.get("channel"), "ts": response.get("ts")}
        log.info("posted to Slack", kind=kind, channel=result["channel"], ts=result["ts"])
        return result
    log.warning("Slack notification not posted", kind=kind, **result)
    return result


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(NOTIFY_SLACK)
SECRETS = clients.secretsmanager()
TOKENS = TokenCache()


def notify_deployment_stage(
    *,
    settings: NotifySlackSettings,
    secrets: SecretsManagerClient,
    tokens: TokenCache,
    detail: dict[str, Any],
    log: StructuredLogger,
) -> dict[str, Any]:
    """A guarded update's stage, straight from EventBridge (functions.deployment_stage)."""
    message = stage_message(detail, settings.model_name, settings.stack_name)
    if message is None:
        return {"posted": False, "reason": "not a stage worth a message"}
    return post(
        settings=settings,
        secrets=secrets,
        tokens=tokens,
        kind=NOTIFY_KIND_DEPLOYMENT_STAGE,
        compose=lambda: message,
        log=log,
    )


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("detail-type") == (
        EVENT_ENDPOINT_DEPLOYMENT_STATE_CHANGE
    ):
        detail = event.get("detail")
        return notify_deployment_stage(
            settings=SETTINGS,
            secrets=SECRETS,
            tokens=TOKENS,
            detail=detail if isinstance(detail, dict) else {},
            log=LOG,
        )
    kind = (
        event.get(NOTIFY_KIND, NOTIFY_KIND_STATUS)
        if isinstance(event, dict)
        else NOTIFY_KIND_STATUS
    )
    document = event.get("document") if isinstance(event, dict) else None
    execution = event.get("execution") if isinstance(event, dict) else None
    if kind not in NOTIFY_KINDS:
        LOG.warning("unknown notification kind; posting it as a status", kind=kind)
        kind = NOTIFY_KIND_STATUS
    return notify(
        settings=SETTINGS,
        secrets=SECRETS,
        tokens=TOKENS,
        kind=kind,
        document=document if isinstance(document, dict) else {},
        execution=execution if isinstance(execution, dict) else {},
        log=LOG,
    )
