"""A local Slack-compatible Web API: what slack_sdk's WebClient needs, over real HTTP.

Implements `chat.postMessage` and `auth.test` (form or JSON bodies; the token as
`Authorization: Bearer ...` or a `token` form field) and answers like Slack does:
`{"ok": true, "channel", "ts", "message"}`, or HTTP 200 with `{"ok": false, "error":
"invalid_auth" | "not_authed" | "channel_not_found" | "no_text" ...}`. Every accepted
message is recorded (channel, text, blocks and a hash of the token, never the token).

Faults for tests, consumed one per request in order: `inject("http_500", "ratelimited",
"invalid_auth", delay(2.0))`. `ratelimited` is HTTP 429 with `Retry-After: 1`, as Slack
sends it. Standard library only.

    with LocalSlack(valid_tokens={"xoxb-test"}) as slack:
        WebClient(token="xoxb-test", base_url=slack.url).chat_postMessage(channel="#ml", text="hi")
        assert slack.messages[0].text == "hi"
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

FAULT_HTTP_500 = "http_500"
FAULT_RATELIMITED = "ratelimited"
FAULT_INVALID_AUTH = "invalid_auth"
FAULTS = (FAULT_HTTP_500, FAULT_RATELIMITED, FAULT_INVALID_AUTH)
METHODS = ("chat.postMessage", "auth.test")
# As Slack answers them: a 500, a 429 with Retry-After, an auth error with HTTP 200.
_FAULT_RESPONSES: dict[str, tuple[int, dict[str, str], dict[str, object]]] = {
    FAULT_HTTP_500: (500, {}, {"ok": False, "error": "internal_error"}),
    FAULT_RATELIMITED: (429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}),
    FAULT_INVALID_AUTH: (200, {}, {"ok": False, "error": "invalid_auth"}),
}


@dataclass(frozen=True)
class Delay:
    """Answer the next request normally, but only after `seconds` (to cause timeouts)."""

    seconds: float


def delay(seconds: float) -> Delay:
    return Delay(seconds)


Fault = str | Delay


@dataclass(frozen=True)
class Message:
    channel: str
    channel_id: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    ts: str
    token_hash: str
    extra: dict[str, Any] = field(default_factory=dict)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def channel_id(channel: str) -> str:
    """A stable Slack-like ID for a channel name (Slack answers with IDs, not names)."""
    if channel[:1] in ("C", "G", "D") and channel[1:].isalnum() and channel.isupper():
        return channel
    return "C" + hashlib.sha256(channel.lstrip("#").encode("utf-8")).hexdigest()[:10].upper()


class LocalSlack:
    """The server; a context manager, or `start()` / `stop()`."""

    def __init__(
        self,
        valid_tokens: Iterable[str] = ("xoxb-local-token",),
        channels: Iterable[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.valid_tokens = frozenset(valid_tokens)
        # None: every channel exists. Otherwise names (with or without '#') or IDs.
        self.channels = None if channels is None else {c.lstrip("#") for c in channels}
        self._address = (host, port)
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._faults: deque[Fault] = deque()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> LocalSlack:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(self._address, _handler_for(self))
        server.daemon_threads = True  # a delayed answer must not block stop()
        self._server = server
        # A short poll interval keeps stop() (shutdown waits for one poll) fast.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="local-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests use -------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL for WebClient(base_url=...), ending with /api/."""
        if self._server is None:
            raise RuntimeError("LocalSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def inject(self, *faults: Fault) -> None:
        for fault in faults:
            if not isinstance(fault, Delay) and fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}; use one of {FAULTS} or delay(s)")
        with self._lock:
            self._faults.extend(faults)

    def pending_faults(self) -> list[Fault]:
        """The injected faults no request has consumed yet, in the order they will answer."""
        with self._lock:
            return list(self._faults)

    def clear_faults(self) -> int:
        """Drop the faults no request has consumed yet; how many there were."""
        with self._lock:
            pending = len(self._faults)
            self._faults.clear()
            return pending

    def clear(self) -> None:
        """Forget recorded messages and pending faults."""
        with self._lock:
            self._messages.clear()
            self._faults.clear()
            self.requests = 0

    # --- the API ------------------------------------------------------------------------
    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.requests += 1
            return self._faults.popleft() if self._faults else None

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def answer(
        self, method: str, token: str | None, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """(HTTP status, headers, JSON body) for one request."""
        fault = self._next_fault()
        if isinstance(fault, Delay):
            time.sleep(fault.seconds)
        elif fault is not None:
            return _FAULT_RESPONSES[fault]
        error = None
        if method not in METHODS:
            return 404, {}, {"ok": False, "error": "unknown_method"}
        if not token:
            error = "not_authed"
        elif token not in self.valid_tokens:
            error = "invalid_auth"
        if error:
            return 200, {}, {"ok": False, "error": error}
        if method == "auth.test":
            return 200, {}, self._auth_test()
        return self._post_message(token or "", params)

    def _auth_test(self) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "http://localhost/",
            "team": "local",
            "user": "retraining-bot",
            "team_id": "T00000000",
            "user_id": "U00000000",
            "bot_id": "B00000000",
        }

    def _post_message(
        self, token: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel = params.get("channel")
        if not isinstance(channel, str) or not channel.strip():
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        if self.channels is not None and channel.lstrip("#") not in self.channels:
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        text = params.get("text")
        blocks = params.get("blocks")
        if isinstance(blocks, str):  # form bodies carry blocks as a JSON string
            try:
                blocks = json.loads(blocks)
            except json.JSONDecodeError:
                return 200, {}, {"ok": False, "error": "invalid_blocks"}
        if blocks is not None and not isinstance(blocks, list):
            return 200, {}, {"ok": False, "error": "invalid_blocks"}
        if not text and not blocks:
            return 200, {}, {"ok": False, "error": "no_text"}
        message = Message(
            channel=channel,
            channel_id=channel_id(channel),
            text=text if isinstance(text, str) else None,
            blocks=blocks,
            ts=self._next_ts(),
            token_hash=token_hash(token),
            extra={
                k: v for k, v in params.items() if k not in ("channel", "text", "blocks", "token")
            },
        )
        with self._lock:
            self._messages.append(message)
        body = {
            "ok": True,
            "channel": message.channel_id,
            "ts": message.ts,
            "message": {
                "type": "message",
                "subtype": "bot_message",
                "text": message.text or "",
                "ts": message.ts,
                "bot_id": "B00000000",
                **({"blocks": blocks} if blocks else {}),
            },
        }
        return 200, {}, body


def _handler_for(slack: LocalSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            if not path.startswith("/api/"):
                self._send(404, {}, {"ok": False, "error": "unknown_method"})
                return
            method = path[len("/api/") :]
            params = _params(self, query)
            token = _bearer(self.headers.get("Authorization")) or params.pop("token", None)
            status, headers, body = slack.answer(method, token, params)
            self._send(status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status, HTTPStatus(status).phrase)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing left to answer

        def log_message(self, format: str, *args: Any) -> None:
            # Quiet: the test output is not the place for access logs.
            return

    return Handler


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[len("bearer ") :].strip() or None
    return None


def _params(request: BaseHTTPRequestHandler, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    length = int(request.headers.get("Content-Length") or 0)
    raw = request.rfile.read(length) if length else b""
    content_type = (request.headers.get("Content-Type") or "").lower()
    if not raw:
        return params
    if content_type.startswith("application/json"):
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return params
        if isinstance(body, dict):
            params.update(body)
    else:
        form = parse_qs(raw.decode("utf-8", "replace"))
        params.update({k: v[-1] for k, v in form.items()})
    return params
