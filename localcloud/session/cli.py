"""`python -m localcloud session`: drive one stack of the embedded runtime by hand.

    python -m localcloud session [--stack dev|prod] [--model NAME] [--start ISO-TIME]
                                 [--script FILE] [--serve [--port N]] [--verbose]

Deploys the stack (the same Pulumi program as `pulumi up`) into an embedded AWS that lives in
this process, then reads commands: typed at a prompt, from `--script FILE`, or piped on stdin.
Virtual time stands still between commands; `advance`, `wait` and `schedule` let it flow,
and while it flows every state a run enters is printed with its virtual time. `help` lists
the commands. A bad argument gets a one-line `error: …` and the session goes on; the exit
status is 1 when any command failed.

With `--serve`, the embedded AWS is also served on 127.0.0.1 for boto3 or the aws CLI.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from localcloud.deploy.stack import DeployFailed
from localcloud.runtime import ACCOUNT, LocalCloud, ModelStack
from localcloud.session.args import SessionError, parse_start
from localcloud.session.serve import LoopbackServer, ServeError, usage_lines
from localcloud.session.shell import Session
from localcloud.session.views import local, schedules, time_zone

# moto's interpreter logs every caught task error with a repr of the whole state; the run's
# history (`show`) says the same in one line.
_NOISY_LOGGERS = ("moto.stepfunctions.parser",)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m localcloud session",
        description="Drive one stack of the embedded runtime by hand (type `help` inside).",
    )
    parser.add_argument("--stack", default="dev", choices=["dev", "prod"])
    parser.add_argument("--model", help="which model pipeline of the stack (default: the first)")
    parser.add_argument("--start", help="virtual start time, ISO 8601 (default: now; naive=UTC)")
    parser.add_argument("--script", type=Path, help="run the commands in FILE, then exit")
    parser.add_argument("--serve", action="store_true", help="also serve the AWS on 127.0.0.1")
    parser.add_argument("--port", type=int, help="port for --serve (default: any free one)")
    parser.add_argument("--verbose", action="store_true", help="keep moto's interpreter logs")
    return parser


def _pick(models: list[ModelStack], name: str | None) -> ModelStack:
    if name is None:
        return models[0]
    for model in models:
        if model.model == name:
            return model
    known = ", ".join(m.model for m in models)
    raise SessionError(f"--model {name!r}: the stack's models are {known}")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.port is not None and not args.serve:
        parser.error("--port needs --serve")
    quieted = [] if args.verbose else [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [logger.level for logger in quieted]
    for logger in quieted:
        logger.setLevel(logging.CRITICAL)
    try:
        return _session(args, sys.stdout)
    finally:
        for logger, level in zip(quieted, levels, strict=True):
            logger.setLevel(level)


def _session(args: argparse.Namespace, out: IO[str]) -> int:
    try:
        script = args.script.read_text(encoding="utf-8").splitlines() if args.script else None
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        start = parse_start(args.start) if args.start else now
        server = LoopbackServer(args.port or 0, log_requests=args.verbose) if args.serve else None
    except OSError as error:
        print(f"error: --script {args.script}: {error.strerror or error}", file=out)
        return 2
    except (SessionError, ServeError) as error:
        print(f"error: {error}", file=out)
        return 2
    with LocalCloud(start=start) as cloud:
        print(f"Deploying stack '{args.stack}' into the embedded AWS…", file=out, flush=True)
        try:
            model = _pick(cloud.deploy(args.stack), args.model)
            zone = ZoneInfo(time_zone(cloud, model))
            url = server.start() if server is not None else None
        except (DeployFailed, SessionError, ServeError) as error:
            print(f"error: {error}", file=out)
            return 1
        try:
            session = Session(cloud, model, zone, out)
            _introduce(session, len(model.deployment.resources))
            if url is not None:
                for line in usage_lines(url, model.region, ACCOUNT, model.state_machine_arn):
                    session.write(line)
            _drive(session, script)
        finally:
            if server is not None:
                server.stop()
    return 1 if session.errors else 0


def _introduce(session: Session, resources: int) -> None:
    model, cloud = session.model, session.cloud
    session.write(
        f"  {resources} resources; model {model.model}: bucket {model.bucket}, data prefix "
        f"{model.data_prefix}, endpoint {model.endpoint_name}"
    )
    session.write(f"  state machine {model.state_machine_arn}")
    for schedule in schedules(cloud, model):
        session.write(
            f"  schedule {schedule['Name']}: {schedule['ScheduleExpression']} "
            f"{schedule.get('ScheduleExpressionTimezone') or 'UTC'}"
        )
    session.write(f"  virtual time {local(cloud.clock.utcnow(), session.zone)} {session.zone}")


def _drive(session: Session, script: list[str] | None) -> None:
    if script is not None:
        session.run_lines(script)
    elif not sys.stdin.isatty():
        session.run_lines(iter(sys.stdin.readline, ""))  # line by line: a pipe may be live
    else:
        session.write("Type `help` for the commands, `quit` to leave.")
        while True:
            try:
                session.cmdloop()
                return
            except KeyboardInterrupt:
                session.write("^C (`quit` leaves the session)")


if __name__ == "__main__":
    sys.exit(main())
