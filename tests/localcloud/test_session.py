"""`python -m localcloud session`: a scripted session on the dev stack, its errors, --serve.

One session runs the whole script (deploying costs seconds); the tests read its transcript,
block by block (the output that follows each echoed `dev> command`).
"""

from __future__ import annotations

import io
import os
import queue
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest

from localcloud import data, faults
from localcloud.session import cli as session
from localcloud.session.args import SessionError, parse_duration
from localcloud.session.serve import LoopbackServer, ServeError
from workflow import pipeline

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
# Monday 05:00 in Europe/Paris, an hour before the dev stack's daily schedule.
START = "2026-03-02T04:00:00Z"
UPLOADED_DAY = date(2026, 2, 26)  # through `upload`; `generate 3` adds 02-27 … 03-01
STATE_LINE = re.compile(r"^  \w{3} (\d\d:\d\d:\d\d)  (\S+)\s+(\w+)$")


@dataclass
class Transcript:
    code: int
    text: str

    def blocks(self, command: str) -> list[list[str]]:
        """The output of every run of `command`, in order."""
        found: list[list[str]] = []
        current: list[str] | None = None
        for line in self.text.splitlines():
            if line.startswith("dev> "):
                current = [] if line == f"dev> {command}" else None
                if current is not None:
                    found.append(current)
            elif current is not None:
                current.append(line)
        assert found, f"`{command}` is not in the transcript:\n{self.text}"
        return found

    def block(self, command: str) -> list[str]:
        return self.blocks(command)[0]


def _bad_commands(tmp: Path) -> dict[str, str]:
    """Each bad command, and what its one-line error must say."""
    (tmp / "bad").mkdir()
    (tmp / "bad" / "2026-02-30.csv").write_text("1,2\n")
    (tmp / "notes.csv").write_text("1,2\n")
    return {
        "run [1]": "run: the run input must be a JSON object, got list",
        'run {"force": tru': "run: the run input is not valid JSON",
        "show nope": "show: unknown run 'nope'",
        "show #99": "show: no run #99",
        "show": "show: which run?",
        f"upload {tmp}/missing": f"upload: no such file or folder: {tmp}/missing",
        f"upload {tmp}/bad": "upload: bad date in file name",
        f"upload {tmp}/notes.csv": "daily files are named YYYY-MM-DD.csv",
        "generate 0": "generate: DAYS '0' must be a whole number",
        "generate 2 2026-13-01": "generate: END_DATE '2026-13-01' is not a date",
        "advance 5x": "advance: bad duration '5x'",
        "predict 1,2,x": "predict: the typed rows, row 1, column 3: 'x' is not a number",
        "predict 1,2;3": "predict: the typed rows, row 2: 1 values, but row 1 has 2",
        f"predict {tmp}/missing.csv": "predict: no such file",
        "frobnicate": "unknown command 'frobnicate'",
        "fault nope": "fault: unknown fault 'nope'; known faults: training-fails, ",
        "fault": "fault: usage: fault list | fault clear | fault NAME",
        "fault training-fails no-such-model": "fault: unknown model 'no-such-model'",
        "fault slack-500 --times x": "fault: --times 'x' must be a whole number",
        "fault lambda-throttled-check-data --lasting": "a Lambda throttle needs a number",
        "approve": "approve: no version of dev--linear-learner waits for approval",
        "reject 9": "reject: dev--linear-learner has no version 9 (versions 1 to 1",
        "approve #1": "approve: dev--linear-learner version 1 is already Approved",
        "models nope": "models: unknown model 'nope'; this stack deploys linear-learner",
    }


GOOD = ["generate 3", "schedule", "wait", "runs", "show 1", "marker", "predict", "endpoint"]
GOOD += ["slack", "advance 1d", "runs"]
# A person injects a training failure, watches a forced run fail on it, then clears a fault
# that never bit.
FAULTS = ["fault list", "fault training-fails", "fault list", 'run {"force": true}', "wait"]
FAULTS += ["fault marker-write-denied", "fault clear", "fault list"]
# The registry after that: the run's version, its lineage; a person rejects the serving
# version, then approves it again.
REGISTRY = ["help", "models", "lineage", "reject 1 weekend scores regress", "models linear-learner"]
REGISTRY += ["approve 1"]


@dataclass
class Scripted:
    transcript: Transcript
    bad: dict[str, str]  # bad command -> what its error says
    upload: str  # the command that uploaded a folder


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Scripted:
    tmp = tmp_path_factory.mktemp("session")
    good = tmp / "good"
    good.mkdir()
    rows = data.daily_rows(UPLOADED_DAY)
    (good / f"{UPLOADED_DAY}.csv").write_text(
        "".join(",".join(str(v) for v in row) + "\n" for row in rows)
    )
    upload = f"upload {good}"
    bad = _bad_commands(tmp)
    lines = ["time", upload, *GOOD, *FAULTS, *REGISTRY, *bad, "marker", "quit", "run {}"]
    script = tmp / "session.txt"
    script.write_text("# a scripted session\n\n" + "\n".join(lines) + "\n")
    out = io.StringIO()
    with redirect_stdout(out):
        code = session.main(["--stack", "dev", "--start", START, "--script", str(script)])
    return Scripted(Transcript(code, out.getvalue()), bad, upload)


@pytest.fixture
def transcript(scripted: Scripted) -> Transcript:
    return scripted.transcript


def _states(lines: list[str]) -> list[tuple[str, str]]:
    return [(m[1], m[3]) for m in map(STATE_LINE.match, lines) if m]


def test_uploaded_and_generated_days_are_what_the_run_trains_on(scripted: Scripted) -> None:
    transcript = scripted.transcript
    assert transcript.block(scripted.upload)[0].endswith(f": {UPLOADED_DAY}.csv")
    assert "(2026-02-27 … 2026-03-01, 240 rows each)" in transcript.block("generate 3")[0]
    # The folder's file and the generated days all landed under the data prefix.
    shown = "\n".join(transcript.block("show 1"))
    assert "decision train, 4 new of 4 files, newest 2026-03-01" in shown


def test_schedule_starts_a_run_that_trains_and_deploys(transcript: Transcript) -> None:
    fired = transcript.block("schedule")[0]
    run = re.search(r"started run (\S+)$", fired)
    assert run, fired
    waited = transcript.block("wait")
    assert waited[-1].startswith(f"run {run[1]}: SUCCEEDED")
    states = [state for _, state in _states(waited)]
    assert states[-2:] == [pipeline.UPDATE_PARAMETERS, pipeline.RELEASE_RUN_LOCK]
    assert any(line.endswith("-> succeeded") for line in waited)
    row = transcript.block("runs")[1]
    assert run[1] in row
    assert re.search(rf"SUCCEEDED\s+{pipeline.RELEASE_RUN_LOCK}\s+\d+", row)


def test_show_lists_the_states_in_order_with_virtual_times(transcript: Transcript) -> None:
    shown = transcript.block("show 1")
    states = _states(shown)
    names = [name for _, name in states]
    assert names[:2] == [pipeline.WRAP_INPUT, pipeline.CHECK_DATA]
    assert names[-2:] == [pipeline.UPDATE_PARAMETERS, pipeline.RELEASE_RUN_LOCK]
    order = [pipeline.START_TRAINING_JOB, pipeline.JOB_COMPLETED, pipeline.DEPLOY_MODEL]
    assert [names.index(s) for s in order] == sorted(names.index(s) for s in order)
    times = [moment for moment, _ in states]
    assert times == sorted(times) and times[0] != times[-1]  # virtual time passed, in order
    transitions = int(transcript.block("runs")[1].split()[-4])
    assert len(states) == transitions
    summary = "\n".join(shown)
    assert "marker - -> 2026-03-01" in summary
    assert re.search(r"training job \S+: .*train:mse", summary)
    # The quality gate's evaluation: a first run, no champion; its holdout, the newest day.
    assert re.search(r"evaluation \(rmse\): challenger [0-9.]+, champion -, bound", summary)
    assert "decision deploy: " in summary
    assert re.search(
        r"holdout 2026-03-01 … 2026-03-01: 1 files, \d+ rows; drift action warn", summary
    )
    assert "drift: no baseline: every window file is new to this run" in summary


def test_marker_and_prediction_after_the_run(transcript: Transcript) -> None:
    assert transcript.block("marker")[0].endswith("= 2026-03-01")
    answers = [
        re.search(r"->\s+(-?[\d.]+)\s+\(the data's true expectation (-?[\d.]+)\)", line)
        for line in transcript.block("predict")[1:]
    ]
    assert len(answers) == 3 and all(answers)
    for answer in answers:
        assert answer is not None
        assert abs(float(answer[1]) - float(answer[2])) < 3.0  # noise sd 4, 960 rows


def test_endpoint_serves_the_config_the_run_deployed(transcript: Transcript) -> None:
    deployed = next(
        line.split()[-1] for line in transcript.block("show 1") if "endpoint config" in line
    )
    endpoint = transcript.block("endpoint")
    assert endpoint[0].endswith(": InService")
    assert f"config {deployed}," in endpoint[1]
    assert endpoint[-1].endswith(f"answered by {deployed}")


def test_slack_shows_every_message_of_the_run(transcript: Transcript) -> None:
    posted = [
        line.split("slack: ", 1)[1] for line in transcript.block("show 1") if "slack: " in line
    ]
    received = transcript.block("slack")
    assert posted and len(received) == len(posted)
    assert all(any(text in line for line in received) for text in posted)


def test_advance_lets_the_daily_schedule_fire(transcript: Transcript) -> None:
    advanced = transcript.block("advance 1d")
    assert [s for _, s in _states(advanced)][-1] == pipeline.NO_NEW_DATA
    runs = transcript.blocks("runs")[1]
    assert re.search(rf"schedule\s+SUCCEEDED\s+{pipeline.NO_NEW_DATA}\s+\d+", "\n".join(runs))


def test_each_bad_input_is_a_one_line_error(scripted: Scripted) -> None:
    transcript = scripted.transcript
    assert "Traceback" not in transcript.text
    for command, message in scripted.bad.items():
        block = transcript.block(command)
        assert len(block) == 1 and block[0].startswith("error: "), (command, block)
        assert message in block[0], (command, block)


def _pending(block: list[str]) -> dict[str, int]:
    """`fault list`'s pending column, by fault name."""
    return {line.split()[0]: int(line.split()[2]) for line in block[1:-1]}


def test_fault_lists_injects_and_clears_the_catalogue(transcript: Transcript) -> None:
    before, armed, cleared = transcript.blocks("fault list")
    assert set(_pending(before)) == set(faults.CATALOGUE)
    assert set(_pending(before).values()) == {0}
    assert re.search(
        r"^  training-fails +sagemaker +0  the next training job", "\n".join(before), re.M
    )
    (injected,) = transcript.block("fault training-fails")
    assert injected.startswith("injected training-fails (sagemaker) for linear-learner")
    assert _pending(armed)["training-fails"] == 1
    # The forced run met the fault: SageMaker failed the job, the run failed, it was consumed.
    assert "FAILED" in transcript.blocks("wait")[-1][-1]
    assert transcript.block("fault clear") == ["cleared 1 injected fault(s) not consumed yet"]
    assert set(_pending(cleared).values()) == {0}


def test_models_and_lineage_name_the_version_the_run_registered(transcript: Transcript) -> None:
    help_text = "\n".join(transcript.block("help"))
    for command in ("models [MODEL]", "approve [VERSION] [NOTE]", "reject [VERSION] [REASON]"):
        assert command in help_text
    assert re.search(r"^  lineage\s+what the endpoint serves", help_text, re.M)
    models = transcript.block("models")
    assert models[0] == "registry dev--linear-learner: 1 version(s)"
    # Dev approves automatically; the endpoint serves that version (`*`).
    assert re.search(r"^    1  Approved .* … \S+ +4 +[0-9.]+ +- +deploy / \S+ \*$", models[2])
    lineage = "\n".join(transcript.block("lineage"))
    for link in (
        "endpoint        dev--linear-learner (InService)",
        "model           dev--",
        "package         dev--linear-learner version 1: Approved",
        "training job    dev--",
        "files, newest 2026-03-01",
    ):
        assert link in lineage
    assert re.search(r"^manifest        s3://\S+ \(\d files\)$", lineage, re.M)
    assert re.search(r"^files +s3://\S+/2026-02-2\d\.csv$", lineage, re.M)


def test_reject_and_approve_are_recorded_as_the_session_user(transcript: Transcript) -> None:
    (rejected,) = transcript.block("reject 1 weekend scores regress")
    assert rejected.startswith(
        "rejected dev--linear-learner version 1 as session-user: weekend scores regress "
        "(was Approved)"
    )
    after = transcript.block("models linear-learner")
    assert re.search(r"^    1  Rejected .* / session-user \*$", after[2])
    assert after[3] == "       note: weekend scores regress"
    (approved,) = transcript.block("approve 1")
    assert approved.startswith(
        "approved dev--linear-learner version 1 as session-user (was Rejected)"
    )


def test_the_session_goes_on_after_errors(transcript: Transcript) -> None:
    assert transcript.blocks("marker")[-1][0].endswith("= 2026-03-01")
    assert "dev> run {}" not in transcript.text  # `quit` ended the script
    assert transcript.code == 1  # some commands failed


@pytest.mark.parametrize(("text", "seconds"), [("90m", 5400), ("1h30m", 5400), ("2d", 172800)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m", "1h 30x", "0s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(SessionError, match="bad duration"):
        parse_duration(text)


# --- --serve ------------------------------------------------------------------------------
def test_a_busy_port_is_an_error_not_a_hang() -> None:
    # moto's own ThreadedMotoServer.start() never returns when the port is taken.
    errors: list[BaseException] = []

    def start(port: int) -> None:
        try:
            LoopbackServer(port).start()
        except BaseException as error:
            errors.append(error)

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        starting = threading.Thread(target=start, args=(port,), daemon=True)
        starting.start()
        starting.join(timeout=60)
        assert not starting.is_alive(), "LoopbackServer.start() hangs on a busy port"
    assert len(errors) == 1 and isinstance(errors[0], ServeError)
    assert f"--port {port}: cannot serve on 127.0.0.1" in str(errors[0])


class _Live:
    """A session in a child process, fed on stdin, read line by line."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "session", *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, pattern: str, timeout: float = 90) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {pattern!r} in:\n" + "\n".join(self.seen)) from None
            if line is None:
                raise AssertionError(f"ended before {pattern!r}:\n" + "\n".join(self.seen))
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match

    def send(self, *commands: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{c}\n" for c in commands))
        self.process.stdin.flush()


@pytest.fixture
def live() -> Iterator[_Live]:
    child = _Live(["--stack", "dev", "--start", START, "--serve"])
    yield child
    if child.process.poll() is None:
        child.process.kill()
    child.process.wait(timeout=30)


def test_serve_exposes_the_session_to_boto3(live: _Live) -> None:
    arn = live.expect(r"state machine (arn:\S+)")[1]
    served = live.expect(r"served at (http://127\.0\.0\.1:\d+)\s+\(region (\S+),")
    live.expect("virtual time moves only")
    credentials: dict[str, Any] = {
        "aws_access_key_id": "anything",
        "aws_secret_access_key": "anything",
        "aws_session_token": "anything",
    }
    sfn = boto3.client(
        "stepfunctions", endpoint_url=served[1], region_name=served[2], **credentials
    )
    assert arn in [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]

    live.send("run {}")  # no data yet: CheckData ends it in NoNewData, no training to wait for
    name = live.expect(r"started run (\S+)")[1]
    assert name in [e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]]

    # Started over HTTP without a name, as the aws CLI does: AWS names it with a UUID.
    over_http = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    http_name = sfn.describe_execution(executionArn=over_http)["name"]
    assert re.fullmatch(r"[0-9a-f-]{36}", http_name)

    live.send("wait", "runs")
    live.expect(r"#\s+run\s+trigger\s+status")
    either = "|".join(re.escape(n) for n in (name, http_name))
    # Which of the two overlapping runs stands aside (AnotherRunInProgress) is up to thread
    # timing; both are listed, both succeed.
    listed = {live.expect(rf"^\s+\d+\s+({either})\s+manual\s+SUCCEEDED\s")[1] for _ in "12"}
    assert listed == {name, http_name}
    assert sfn.describe_execution(executionArn=over_http)["status"] == "SUCCEEDED"
    live.send(f"show {http_name[:8]}", f"show {name.removeprefix('manual-')}")  # by prefix
    live.expect(rf"^run {re.escape(http_name)}: SUCCEEDED \(trigger manual\)")
    live.expect(rf"^run {re.escape(name)}: SUCCEEDED \(trigger manual\)")
    live.send("quit")
    assert live.process.wait(timeout=60) == 0
