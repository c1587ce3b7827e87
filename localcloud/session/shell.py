"""The commands of `python -m localcloud session`, over one deployed model of a LocalCloud.

A `cmd.Cmd` shell: `do_<command>` methods whose docstrings are what `help` prints. Runs are
watched with `localcloud.watch.ProgressView` while virtual time flows; the views live in
`localcloud.session.views`, the argument parsing in `localcloud.session.args`.
"""

from __future__ import annotations

import cmd
import contextlib
from collections.abc import Iterable
from datetime import date, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

import boto3
from botocore.exceptions import ClientError

from contract import names
from localcloud import data, faults
from localcloud.clock import ClockStalled
from localcloud.runtime import LocalCloud, ModelStack, Run, models_of
from localcloud.session.args import (
    SessionError,
    csv_files,
    format_duration,
    parse_day,
    parse_days_count,
    parse_decision,
    parse_duration,
    parse_fault,
    parse_json_object,
    parse_rows,
    words,
)
from localcloud.session.views import (
    endpoint_lines,
    fault_lines,
    label,
    lineage_lines,
    local,
    models_lines,
    names_match,
    registry_versions,
    runs_lines,
    show_lines,
    slack_lines,
    time_lines,
)
from localcloud.watch import ProgressView

# Who approves and rejects in a session: an IAM user of the embedded AWS, so SageMaker
# records it as LastModifiedBy (what `models`, `lineage` and Slack name as the decider).
OPERATOR = "session-user"
IAM_REGION = "us-east-1"
PENDING = "PendingManualApproval"


class Session(cmd.Cmd):
    def __init__(
        self, cloud: LocalCloud, model: ModelStack, zone: ZoneInfo, stdout: IO[str]
    ) -> None:
        super().__init__(stdout=stdout)
        self.cloud = cloud
        self.model = model
        self.zone = zone
        self.prompt = f"{model.stack}> "
        self.errors = 0
        self.progress = ProgressView(cloud, zone.key, self.write)
        self._followed: set[str] = set()
        self._operator: Any = None  # the operator's SageMaker client, made on first use

    # --- plumbing -------------------------------------------------------------------------
    def write(self, line: str = "") -> None:
        print(line, file=self.stdout, flush=True)

    def fail(self, message: str) -> None:
        self.errors += 1
        self.write(f"error: {message}")

    def onecmd(self, line: str) -> bool:
        command = line.split(maxsplit=1)[0] if line.strip() else ""
        if command == "EOF":  # what cmdloop() passes at the end of input (Ctrl-D)
            self.write()
            return True
        try:
            return bool(super().onecmd(line))
        except SessionError as error:
            self.fail(f"{command}: {error}")
        except ClientError as error:
            details = error.response.get("Error", {})
            self.fail(f"{command}: {details.get('Code')}: {details.get('Message')}")
        except ClockStalled as error:
            self.fail(f"{command}: virtual time cannot move: {str(error).splitlines()[0]}")
        except KeyboardInterrupt:
            self.fail(f"{command}: interrupted")
        except Exception as error:  # a shell reports and goes on; the embedded AWS is intact
            first = str(error).splitlines()[0] if str(error) else ""
            self.fail(f"{command}: {type(error).__name__}: {first}".rstrip(": "))
        return False

    def do_help(self, arg: str) -> None:
        """help [COMMAND]   the commands, or one in full"""
        if arg.strip():
            super().do_help(arg)
            return
        for name in self.get_names():
            doc = getattr(self, name).__doc__
            if name.startswith("do_") and doc and name != "do_exit":
                usage, _, summary = doc.splitlines()[0].partition("   ")
                self.write(f"  {usage:<34}{summary.strip()}")

    def emptyline(self) -> bool:
        return False  # cmd's default repeats the last command: `advance 2d` twice by accident

    def default(self, line: str) -> None:
        raise SessionError(
            f"unknown command {line.split(maxsplit=1)[0]!r} (`help` lists the commands)"
        )

    def run_lines(self, lines: Iterable[str]) -> None:
        """Scripted use: each line is echoed after the prompt, then run."""
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            self.write(f"{self.prompt}{line}")
            if self.onecmd(line):
                return

    def _tick(self) -> None:
        """While time flows: follow runs that triggers started, print the states entered."""
        for run in self.cloud.runs(self.model):
            if run.execution_arn not in self._followed:
                self._followed.add(run.execution_arn)
                self.progress.follow(run, label(self.cloud, run))
        self.progress.poll()

    def _today(self) -> date:
        return self.cloud.clock.utcnow().astimezone(self.zone).date()

    def _find(self, token: str) -> Run:
        runs = self.cloud.runs(self.model)
        number = token.removeprefix("#")
        if number.isdigit() and len(number) <= 4:
            if not 1 <= int(number) <= len(runs):
                raise SessionError(f"no run #{number}: there are {len(runs)} (`runs` lists them)")
            return runs[int(number) - 1]
        exact = [r for r in runs if r.name == token]
        found = exact or [r for r in runs if names_match(r.name, token)]
        if not found:
            raise SessionError(f"unknown run {token!r} (`runs` lists them)")
        if len(found) > 1:
            raise SessionError(f"run {token!r} is ambiguous: {len(found)} runs start with it")
        return found[0]

    # --- commands -------------------------------------------------------------------------
    def do_upload(self, arg: str) -> None:
        """upload [--any-name] DIR_OR_FILE   upload CSVs (YYYY-MM-DD.csv) to the data prefix

        A folder: every *.csv in it. Names are checked first, nothing is uploaded when one
        is bad; --any-name uploads them as they are, to see how the pipeline takes it."""
        args = words(arg, "upload")
        unchecked = "--any-name" in args
        paths = [a for a in args if a != "--any-name"]
        if len(paths) != 1:
            raise SessionError("give one file or folder, e.g. `upload data/`")
        files = csv_files(paths[0], check_names=not unchecked)
        keys = [self.cloud.upload_bytes(self.model, f.name, f.read_bytes()) for f in files]
        self.write(
            f"uploaded {len(keys)} file(s) to s3://{self.model.bucket}/{self.model.data_prefix}: "
            + ", ".join(f.name for f in files)
        )

    def do_generate(self, arg: str) -> None:
        """generate DAYS [END_DATE]   upload DAYS days of the built-in data set

        The days end on END_DATE (YYYY-MM-DD; default: yesterday in virtual time)."""
        args = words(arg, "generate")
        if not 1 <= len(args) <= 2:
            raise SessionError("usage: generate DAYS [END_DATE], e.g. `generate 3`")
        count = parse_days_count(args[0])
        end = parse_day(args[1], "END_DATE") if len(args) == 2 else self._today() - timedelta(1)
        days = [end - timedelta(days=n) for n in range(count - 1, -1, -1)]
        for day in days:
            self.cloud.upload_csv(self.model, day.isoformat(), data.daily_rows(day))
        self.write(
            f"uploaded {count} day(s) of data ({days[0]} … {days[-1]}, "
            f"{len(data.daily_rows(days[0]))} rows each) to "
            f"s3://{self.model.bucket}/{self.model.data_prefix}"
        )
        if end >= self._today():
            self.write(f"note: {end} is not in the past; CheckData rejects files dated after today")

    def do_run(self, arg: str) -> None:
        """run [JSON]   start a run with that input ({} by default; {"force": true} retrains)"""
        run_input = parse_json_object(arg, "the run input")
        run = self.cloud.start_run(self.model, run_input)
        self._followed.add(run.execution_arn)
        self.progress.follow(run, label(self.cloud, run))
        self.write(f"started run {run.name} with input {arg.strip() or '{}'}")

    def do_schedule(self, arg: str) -> None:
        """schedule   let virtual time flow until a schedule starts the model's next run"""
        if arg.strip():
            raise SessionError("takes no argument")
        run = self.cloud.run_schedule(self.model)
        scheduler = self.cloud.schedulers[self.model.region]
        firing = next(f for f in scheduler.firings if f.execution_arn == run.execution_arn)
        schedule = firing.schedule_arn.rsplit("/", 1)[-1]
        self.write(
            f"schedule {schedule} fired for {local(firing.scheduled_time, self.zone)} "
            f"and started run {run.name}"
        )
        self._tick()  # what every run did meanwhile, this one's first states included

    def do_advance(self, arg: str) -> None:
        """advance DURATION   let virtual time flow: runs progress, schedules fire

        DURATION: 45s, 90m, 6h, 2d, 1h30m ..."""
        seconds = parse_duration(arg)
        moment = self.cloud.clock.utcnow() + timedelta(seconds=seconds)
        self.cloud.advance_to(moment, on_idle=self._tick)
        self._tick()
        self.write(f"advanced {format_duration(seconds)}: it is {local(moment, self.zone)}")

    def do_wait(self, arg: str) -> None:
        """wait [RUN]   let virtual time flow until RUN, or every running run, has ended

        RUN: a name, a unique prefix of one, or #N / N as numbered by `runs`."""
        if arg.strip():
            runs = [self._find(arg.strip())]
        else:
            runs = [r for r in self.cloud.runs(self.model) if self._status(r) == "RUNNING"]
        if not runs:
            self.write("no run is running (`time` shows when a schedule fires next)")
            return
        began = self.cloud.clock.now()
        described = self.cloud.wait(*runs, on_idle=self._tick)
        self._tick()
        took = format_duration(self.cloud.clock.now() - began)
        for run, d in zip(runs, described, strict=True):
            self.write(f"run {run.name}: {d['status']} (waited {took} of virtual time)")

    def _status(self, run: Run) -> str:
        return str(self.cloud.describe(run)["status"])

    def do_runs(self, arg: str) -> None:
        """runs   list runs: name, trigger, status, last state, transitions"""
        for line in runs_lines(self.cloud, self.cloud.runs(self.model), self.zone):
            self.write(line)

    def do_show(self, arg: str) -> None:
        """show RUN   the states RUN entered with their virtual times, what it did, its error

        RUN: a name, a unique prefix of one, or #N / N as numbered by `runs`."""
        if not arg.strip():
            raise SessionError("which run? `show 1`, `show <name or prefix>` (see `runs`)")
        for line in show_lines(self.cloud, self._find(arg.strip()), self.zone):
            self.write(line)

    def do_marker(self, arg: str) -> None:
        """marker   the SSM marker: the newest day a run has trained on"""
        value = self.cloud.marker(self.model)
        shown = value if value is not None else "(not set: no run has deployed a model yet)"
        self.write(f"{self.model.marker_parameter} = {shown}")

    def do_slack(self, arg: str) -> None:
        """slack   the messages the local Slack API received"""
        for line in slack_lines(self.cloud.slack.messages):
            self.write(line)

    def do_predict(self, arg: str) -> None:
        """predict [CSV_ROWS | FILE]   invoke the endpoint, print the predictions

        Feature rows without the target, like 12.5,60,10,0,1,0,0, separated by ';' or
        spaces, or a CSV file of them. Without an argument: three rows of today's data,
        printed next to the data's true expectation."""
        if arg.strip():
            rows, _ = parse_rows(arg)
            expected: list[float | None] = [None] * len(rows)
        else:
            rows = data.feature_rows(self._today(), 3)
            expected = [data.expected_rentals(row) for row in rows]
        scores = self.cloud.predict(self.model, rows)
        self.write(f"endpoint {self.model.endpoint_name} predicts:")
        for row, score, truth in zip(rows, scores, expected, strict=True):
            cells = ",".join(f"{v:g}" for v in row)
            known = f"   (the data's true expectation {truth:.2f})" if truth is not None else ""
            self.write(f"  {cells}  ->  {score:.3f}{known}")

    def do_endpoint(self, arg: str) -> None:
        """endpoint   the endpoint's status and the configuration it serves"""
        for line in endpoint_lines(self.cloud, self.model, self.zone):
            self.write(line)

    def do_fault(self, arg: str) -> None:
        """fault list | clear | NAME [MODEL]   inject a fault of AWS or Slack the e2e tests use

        `fault list`: every fault (name, service, injected-and-pending count, what it does).
        `fault NAME [MODEL] [--times N | --lasting]`: arm it for MODEL (default: the session's
        model); --times: how many calls/requests it hits, --lasting: every one until cleared.
        `fault clear`: drop every fault not consumed yet."""
        args = words(arg, "fault")
        if args == ["list"]:
            for line in fault_lines(self.cloud, self.model):
                self.write(line)
            return
        if args == ["clear"]:
            self.write(f"cleared {faults.clear(self.cloud)} injected fault(s) not consumed yet")
            return
        models = {m.model: m for m in models_of(self.model.deployment)}
        name, model, times = parse_fault(args, list(models), self.model.model)
        try:
            fault = faults.inject(self.cloud, models[model], name, times)
        except ValueError as error:
            raise SessionError(str(error)) from error
        self.write(
            f"injected {fault.name} ({fault.service}) for {model}: {fault.description}; "
            f"pending {fault.pending(self.cloud, models[model])}"
        )

    def do_models(self, arg: str) -> None:
        """models [MODEL]   the registry: versions, approval status, scores, data window

        MODEL: another model of the stack (default: the session's). `*` marks the version
        the endpoint serves."""
        args = words(arg, "models")
        known = [m.model for m in models_of(self.model.deployment)]
        if len(args) > 1:
            raise SessionError("usage: models [MODEL]")
        name = args[0] if args else self.model.model
        if name not in known:
            raise SessionError(f"unknown model {name!r}; this stack deploys {', '.join(known)}")
        for line in models_lines(self.cloud, self.model, name, self.zone):
            self.write(line)

    def do_approve(self, arg: str) -> None:
        """approve [VERSION] [NOTE]   approve a model version (default: the newest waiting)

        As the local operator `session-user` (UpdateModelPackage ModelApprovalStatus
        Approved, NOTE as its ApprovalDescription). A run waiting for approval resumes on
        SageMaker's event and deploys it: `wait` lets it."""
        self._decide(arg, "Approved", "approve")

    def do_reject(self, arg: str) -> None:
        """reject [VERSION] [REASON]   reject a model version (default: the newest waiting)

        As `session-user`; REASON is recorded as the ApprovalDescription. A run waiting for
        approval ends (ModelNotApproved) with the old model serving."""
        self._decide(arg, "Rejected", "reject")

    def _decide(self, arg: str, status: str, command: str) -> None:
        version, note = parse_decision(words(arg, command), command)
        versions = registry_versions(self.cloud, self.model, self.model.model)
        group = names.model_package_group_name(self.model.stack, self.model.model)
        if version is None:
            waiting = [v for v in versions if v["ModelApprovalStatus"] == PENDING]
            if not waiting:
                raise SessionError(
                    f"no version of {group} waits for approval ({PENDING}): give a VERSION "
                    "(`models` lists them)"
                )
            chosen = waiting[-1]
        else:
            found = [v for v in versions if v["ModelPackageVersion"] == version]
            if not found:
                held = (
                    f"versions 1 to {versions[-1]['ModelPackageVersion']}" if versions else "none"
                )
                raise SessionError(f"{group} has no version {version} ({held}; see `models`)")
            chosen = found[0]
        number = chosen["ModelPackageVersion"]
        if chosen["ModelApprovalStatus"] == status:
            raise SessionError(f"{group} version {number} is already {status}")
        request: dict[str, Any] = {
            "ModelPackageArn": chosen["ModelPackageArn"],
            "ModelApprovalStatus": status,
        }
        if note:
            request["ApprovalDescription"] = note
        self._operator_sagemaker().update_model_package(**request)
        self.write(
            f"{status.lower()} {group} version {number} as {OPERATOR}"
            + (f": {note}" if note else "")
            + f" (was {chosen['ModelApprovalStatus']}); `wait` lets a waiting run go on"
        )

    def _operator_sagemaker(self) -> Any:
        """SageMaker as `session-user`: an IAM user and access key of the embedded AWS."""
        if self._operator is None:
            iam = self.cloud.client("iam", IAM_REGION)
            # An earlier session in this cloud may have made the user: it gets a key of ours.
            with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
                iam.create_user(UserName=OPERATOR)
            key = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
            make: Any = boto3.client
            self._operator = make(
                "sagemaker",
                region_name=self.model.region,
                aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"],
            )
        return self._operator

    def do_lineage(self, arg: str) -> None:
        """lineage   what the endpoint serves: package, training job, data window, files

        The chain endpoint → config → model → package → training job → manifest → files,
        as `python -m functions.lineage` prints it against AWS."""
        if arg.strip():
            raise SessionError("takes no argument")
        for line in lineage_lines(self.cloud, self.model):
            self.write(line)

    def do_time(self, arg: str) -> None:
        """time   the virtual clock and when each schedule fires next"""
        for line in time_lines(self.cloud, self.model, self.zone):
            self.write(line)

    def do_quit(self, arg: str) -> bool:
        """quit   end the session (the embedded AWS goes with it)"""
        return True

    do_exit = do_quit
