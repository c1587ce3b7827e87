"""The local Slack-compatible API, over real HTTP: slack_sdk's client and raw requests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from localcloud.slack.api import LocalSlack, delay, token_hash

pytestmark = pytest.mark.unit

TOKEN = "xoxb-local-test-token"


@pytest.fixture
def slack():
    with LocalSlack(valid_tokens={TOKEN}) as server:
        yield server


def raw(slack: LocalSlack, method: str, body: bytes, content_type: str, token: str | None = TOKEN):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(slack.url + method, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_post_message_with_slack_sdk_is_recorded_without_the_token(slack):
    client = WebClient(token=TOKEN, base_url=slack.url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    response = client.chat_postMessage(channel="#ml", text="hi", blocks=blocks)
    assert response["ok"] is True
    (message,) = slack.messages
    assert (response["channel"], response["ts"]) == (message.channel_id, message.ts)
    assert response["message"]["text"] == "hi"
    assert (message.channel, message.text, message.blocks) == ("#ml", "hi", blocks)
    assert message.token_hash == token_hash(TOKEN) and TOKEN not in repr(message)
    assert slack.url.startswith("http://127.0.0.1:") and slack.url.endswith("/api/")


def test_form_bodies_and_the_token_field_work_too(slack):
    form = f"token={TOKEN}&channel=C0123ABCD&text=plain&blocks=%5B%5D".encode()
    status, _, body = raw(
        slack, "chat.postMessage", form, "application/x-www-form-urlencoded", token=None
    )
    assert (status, body["ok"], body["channel"]) == (200, True, "C0123ABCD")
    assert slack.messages[0].text == "plain"


def test_auth_test(slack):
    assert WebClient(token=TOKEN, base_url=slack.url).auth_test()["user_id"] == "U00000000"


@pytest.mark.parametrize(
    ("token", "params", "error"),
    [
        ("xoxb-wrong", {"channel": "#ml", "text": "x"}, "invalid_auth"),
        (None, {"channel": "#ml", "text": "x"}, "not_authed"),
        (TOKEN, {"channel": "", "text": "x"}, "channel_not_found"),
        (TOKEN, {"channel": "#ml"}, "no_text"),
    ],
)
def test_errors_answer_like_slack(slack, token, params, error):
    status, _, body = raw(
        slack, "chat.postMessage", json.dumps(params).encode(), "application/json", token
    )
    assert (status, body) == (200, {"ok": False, "error": error})
    assert slack.messages == []


def test_known_channels_only_when_configured():
    with LocalSlack(valid_tokens={TOKEN}, channels={"#ml"}) as slack:
        client = WebClient(token=TOKEN, base_url=slack.url)
        client.chat_postMessage(channel="ml", text="ok")
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="#elsewhere", text="x")
        assert raised.value.response["error"] == "channel_not_found"


def test_unknown_methods_are_404(slack):
    status, _, body = raw(slack, "files.upload", b"{}", "application/json")
    assert (status, body["error"]) == (404, "unknown_method")


def test_faults_are_served_in_order_then_normal_answers(slack):
    slack.inject("ratelimited", "http_500", "invalid_auth")
    payload = json.dumps({"channel": "#ml", "text": "x"}).encode()
    status, headers, body = raw(slack, "chat.postMessage", payload, "application/json")
    assert (status, headers.get("Retry-After"), body["error"]) == (429, "1", "ratelimited")
    assert raw(slack, "chat.postMessage", payload, "application/json")[0] == 500
    assert raw(slack, "chat.postMessage", payload, "application/json")[2]["error"] == "invalid_auth"
    assert raw(slack, "chat.postMessage", payload, "application/json")[2]["ok"] is True
    assert slack.requests == 4 and len(slack.messages) == 1


def test_a_delay_makes_the_client_time_out(slack):
    slack.inject(delay(2))
    client = WebClient(token=TOKEN, base_url=slack.url, timeout=1)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="#ml", text="slow")
    assert time.monotonic() - started < 2


def test_clear_forgets_messages_and_faults(slack):
    WebClient(token=TOKEN, base_url=slack.url).chat_postMessage(channel="#ml", text="x")
    slack.inject("http_500")
    slack.clear()
    assert slack.messages == [] and slack.requests == 0
    assert WebClient(token=TOKEN, base_url=slack.url).chat_postMessage(channel="#ml", text="y")[
        "ok"
    ]


def test_unknown_faults_are_refused(slack):
    with pytest.raises(ValueError, match="unknown fault 'http_503'"):
        slack.inject("http_503")


def test_start_and_stop():
    slack = LocalSlack()
    with pytest.raises(RuntimeError, match="not started"):
        _ = slack.url
    slack.start()
    url = slack.url
    assert slack.start().url == url  # starting twice is harmless
    slack.stop()
    slack.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "auth.test", timeout=2)
