"""NotifySlack over real HTTP with slack_sdk against the local Slack-compatible API.

Every failure mode returns `{posted: false, reason}` and none raises; the token never
appears in a log line.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from localcloud.slack.api import LocalSlack, delay

from .conftest import MODEL, REGION, SLACK_SECRET_NAME, SLACK_TOKEN, CallCounter, log_lines

pytestmark = pytest.mark.unit

EXECUTION = {
    "name": "run-2026-01-10",
    "id": f"arn:aws:states:{REGION}:123456789012:execution:retraining-dev:run-2026-01-10",
}
DOCUMENT = {
    "trigger": "schedule",
    "data": {
        "decision": "train",
        "windowStart": "2025-12-12",
        "windowEnd": "2026-01-10",
        "fileCount": 30,
        "newFileCount": 1,
        "ignored": [
            {"key": "data/linear-learner/train/notes.txt", "reason": "name is not YYYY-MM-DD.csv"}
        ],
        "ignoredCount": 1,
    },
    "status": {
        "stage": "training",
        "status": "Completed",
        "name": "linear-learner-20260110-4e65d3fb",
        "message": (
            "Training job linear-learner-20260110-4e65d3fb completed in 1h02m; validation:mse 0.042"
        ),
        "metrics": {"validation:mse": 0.042},
        "serving": False,
        "consoleUrl": "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/jobs/x",
    },
}


@pytest.fixture
def slack():
    with LocalSlack(valid_tokens={SLACK_TOKEN}) as server:
        yield server


class Notifier:
    """Invokes notify_slack like Lambda does: one container (module) until `fresh=True`."""

    def __init__(self, load_module: Any, secret_arn: str, api_url: str) -> None:
        self.load_module = load_module
        self.secret_arn = secret_arn
        self.api_url = api_url
        self.module: Any = None

    def __call__(
        self,
        kind: str = "status",
        document: dict[str, Any] | None = None,
        timeout: int | None = None,
        fresh: bool = False,
        **env: str | None,
    ) -> dict[str, Any]:
        if self.module is None or fresh or env:
            env.setdefault("SLACK_TOKEN_SECRET_ARN", self.secret_arn)
            env.setdefault("SLACK_API_URL", self.api_url)
            self.module = self.load_module("notify_slack", **env)
        event = {
            "kind": kind,
            "document": DOCUMENT if document is None else document,
            "execution": EXECUTION,
        }
        if timeout is None:
            return self.module.handler(event, None)
        return self.module.notify(  # the plain function takes the Slack timeout explicitly
            settings=self.module.SETTINGS,
            secrets=self.module.SECRETS,
            tokens=self.module.TOKENS,
            kind=kind,
            document=event["document"],
            execution=EXECUTION,
            log=self.module.LOG,
            timeout=timeout,
        )


@pytest.fixture
def notify(load_module, secrets, slack) -> Notifier:
    secrets.create_secret(Name=SLACK_SECRET_NAME, SecretString=SLACK_TOKEN)
    arn = secrets.describe_secret(SecretId=SLACK_SECRET_NAME)["ARN"]
    return Notifier(load_module, arn, slack.url)


def test_a_status_is_posted_with_blocks_and_a_text_fallback(notify, slack):
    result = notify()
    assert result["posted"] is True
    (message,) = slack.messages
    assert result == {"posted": True, "channel": message.channel_id, "ts": message.ts}
    assert message.channel == "#ml-pipeline"
    assert message.text.startswith(f":white_check_mark: {MODEL} (dev) · training Completed")
    header = message.blocks[0]
    assert header["type"] == "header" and len(header["text"]["text"]) <= 150
    fields = " ".join(
        f["text"] for b in message.blocks if b["type"] == "section" for f in b.get("fields", [])
    )
    for expected in (
        "*Stage*\ntraining",
        "linear-learner-20260110-4e65d3fb",
        "run-2026-01-10",
        "2025-12-12 → 2026-01-10: 30 files, 1 new",
        "validation:mse 0.042",
        "*Ignored files*\n1: `data/linear-learner/train/notes.txt`",
    ):
        assert expected in fields
    links = message.blocks[-1]["elements"][0]["text"]
    assert "states/home?region=eu-west-1#/v2/executions/details/arn%3Aaws%3Astates" in links
    assert "SageMaker console" in links
    assert message.token_hash != SLACK_TOKEN and SLACK_TOKEN not in json.dumps(message.blocks)


def test_a_failure_shows_the_error_and_its_cause(notify, slack):
    document = {
        "data": DOCUMENT["data"],
        "error": {
            "Error": "DataValidationError",
            "Cause": json.dumps(
                {
                    "errorMessage": (
                        "s3://b/k.csv line 3, column 3: 'x' is not a finite decimal number"
                    ),
                    "errorType": "DataValidationError",
                }
            ),
        },
    }
    assert notify("failure", document)["posted"] is True
    (message,) = slack.messages
    assert message.text.startswith(":rotating_light:")
    assert "DataValidationError: s3://b/k.csv line 3, column 3" in message.text


def test_disabled_posts_nothing(notify, slack):
    assert notify(SLACK_ENABLED="false", SLACK_TOKEN_SECRET_ARN=None) == {
        "posted": False,
        "reason": "disabled",
    }
    assert slack.messages == [] and slack.requests == 0


@pytest.mark.parametrize(
    ("faults", "reason", "requests"),
    [
        (("http_500", "http_500"), "http_500", 2),  # one retry, then give up
        (("ratelimited", "ratelimited"), "ratelimited", 2),
        (("invalid_auth",), "invalid_auth", 1),
    ],
)
def test_slack_errors_are_reported_not_raised(notify, slack, faults, reason, requests):
    slack.inject(*faults)
    result = notify()
    assert (result["posted"], result["reason"]) == (False, reason)
    assert slack.requests == requests
    assert slack.messages == []


def test_one_server_error_is_retried_and_then_posted(notify, slack):
    slack.inject("http_500")
    assert notify()["posted"] is True
    assert slack.requests == 2


def test_a_slow_slack_is_a_timeout(notify, slack):
    slack.inject(delay(2.5))
    result = notify(timeout=1)
    assert (result["posted"], result["reason"]) == (False, "timeout")


def test_an_unreachable_slack_is_a_connection_error(notify):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = notify(SLACK_API_URL=f"http://127.0.0.1:{port}/api/", fresh=True)
    assert (result["posted"], result["reason"]) == (False, "connection_error")


def test_a_missing_secret_is_reported(notify, secrets):
    secrets.delete_secret(SecretId=SLACK_SECRET_NAME, ForceDeleteWithoutRecovery=True)
    result = notify()
    assert (result["posted"], result["reason"]) == (False, "ResourceNotFoundException")


def test_the_secret_may_be_json_and_is_read_once_per_container(notify, slack, secrets):
    secrets.put_secret_value(
        SecretId=SLACK_SECRET_NAME, SecretString=json.dumps({"token": SLACK_TOKEN})
    )
    notify()
    reads = CallCounter(notify.module.SECRETS, "secrets-manager.GetSecretValue")
    assert notify()["posted"] is True
    assert reads.count("GetSecretValue") == 0  # cached since the first invocation
    assert len(slack.messages) == 2


def test_a_rejected_token_is_read_again_next_time(notify, slack, secrets):
    notify()
    slack.inject("invalid_auth")
    assert notify()["reason"] == "invalid_auth"
    reads = CallCounter(notify.module.SECRETS, "secrets-manager.GetSecretValue")
    assert notify()["posted"] is True
    assert reads.count("GetSecretValue") == 1


def test_a_malformed_secret_is_reported_without_its_content(notify, secrets):
    secrets.put_secret_value(
        SecretId=SLACK_SECRET_NAME, SecretString=json.dumps({"bot": SLACK_TOKEN})
    )
    result = notify()
    assert result["reason"] == "secret_malformed"
    assert SLACK_TOKEN not in json.dumps(result)


def test_no_log_line_ever_holds_the_token(notify, slack, capsys):
    notify()
    slack.inject("invalid_auth")
    notify()
    slack.inject("http_500", "http_500")
    notify()
    slack.inject(delay(2.5))
    notify(timeout=1)
    out = capsys.readouterr().out
    lines = log_lines(out)
    assert len(lines) >= 4
    assert SLACK_TOKEN not in out
    assert {line["function"] for line in lines} == {"notify_slack"}
    assert {line["runId"] for line in lines} == {"run-2026-01-10"}
