"""Serving the embedded AWS on loopback, for boto3 and the aws CLI of another process.

moto's `ThreadedMotoServer` answers HTTP with the backends of the process it runs in, so
served inside a `LocalCloud` it exposes the very resources the session deployed, and the
local SageMaker, Lambda runtime and virtual clock behind them. Time still moves only while
a session command lets it (`advance`, `wait`, `schedule`): a run started over HTTP runs up
to its first wait, then waits in virtual time like every other run.

Only 127.0.0.1 is ever bound: the server has no authentication.
"""

from __future__ import annotations

import logging
import os
from types import TracebackType

from localcloud.internals.moto_private import ThreadedMotoServer

LOOPBACK = "127.0.0.1"
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class ServeError(RuntimeError):
    """The server could not start; the message names the port."""


class _MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer, except that a port it cannot bind is reported instead of leaving
    `start()` waiting forever: the bind fails in the server's thread, where werkzeug prints
    the reason to stderr and raises SystemExit, and the ready event is never set."""

    startup_failed = False

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except (OSError, SystemExit):
            self.startup_failed = True
            self._server_ready_event.set()


class LoopbackServer:
    def __init__(self, port: int = 0, *, log_requests: bool = False) -> None:
        if not 0 <= port <= 65535:
            raise ServeError(f"--port {port}: a TCP port is 0 (any free one) to 65535")
        self._requested = port
        self._server: _MotoServer | None = None
        if not log_requests:  # werkzeug logs every request at INFO, between the session's lines
            logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def start(self) -> str:
        server = _MotoServer(LOOPBACK, self._requested, verbose=False)
        server.start()
        if server.startup_failed:
            server.stop()
            raise ServeError(
                f"--port {self._requested}: cannot serve on {LOOPBACK} (is the port in use?)"
            )
        self._server = server
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("LoopbackServer is not started")
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def usage_lines(url: str, region: str, account: str, state_machine_arn: str) -> list[str]:
    """How to reach the served AWS, with the fake credentials the runtime runs under."""
    credentials = {name: os.environ.get(name, "") for name in CREDENTIAL_VARIABLES}
    exports = " ".join(f"{name}={value}" for name, value in credentials.items())
    keys = ", ".join(f"{name.lower()}={value!r}" for name, value in credentials.items())
    return [
        f"Embedded AWS served at {url}  (region {region}, account {account}; loopback only)",
        f"  credentials: {exports}",
        f"  aws --endpoint-url {url} --region {region} stepfunctions list-executions "
        f"--state-machine-arn {state_machine_arn}",
        f"  boto3.client('stepfunctions', endpoint_url={url!r}, region_name={region!r}, "
        f"{keys}).list_executions(stateMachineArn={state_machine_arn!r})",
        "  virtual time moves only while a command here runs (advance, wait, schedule)",
    ]
