"""The probes: bad inputs, faults and races, as a demanding operator tries them (issue 13).

Each probe acts on a fresh day of the probe stack (`lab`): it uploads what it needs, injects
what it needs, starts runs, and says what the judge must know (the runs it aborted itself,
why the endpoint may not be InService, what to put back afterwards). The runner then lets
every run end, follow-ups included, and judges everything the probe caused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from contract.document import INPUT_ALLOW_OLDER_WINDOW, INPUT_FORCE, INPUT_SCHEDULED_TIME
from localcloud import data, faults
from localcloud.probes.lab import ProbeStack, csv, training_jobs
from localcloud.runtime import ModelStack
from workflow import pipeline

KIND_BAD_INPUT = "bad input"
KIND_FAULT = "fault"
KIND_RACE = "race"
KINDS = (KIND_BAD_INPUT, KIND_FAULT, KIND_RACE)


@dataclass
class Act:
    """What a probe tells the runner and the judge about what it did."""

    models: tuple[ModelStack, ...]
    aborted: set[str] = field(default_factory=set)
    endpoint_excuse: str | None = None
    # data key -> (model, bytes) to put back once judged
    restore: dict[str, tuple[ModelStack, bytes]] = field(default_factory=dict)
    # run once judged (an operator's repair the next probe needs)
    repair: Callable[[], None] | None = None


@dataclass(frozen=True)
class Probe:
    kind: str
    name: str
    act: Callable[[ProbeStack, date], Act]


# --- bad inputs -------------------------------------------------------------------------------
def _raw_input(raw: str) -> Callable[[ProbeStack, date], Act]:
    def act(stack: ProbeStack, day: date) -> Act:
        stack.upload_day(stack.lab, day)
        stack.start_raw(stack.lab, raw)
        return Act((stack.lab,))

    return act


def _scheduled(moment: Callable[[ProbeStack, date], str], **extra: object) -> Callable[..., Act]:
    def act(stack: ProbeStack, day: date) -> Act:
        stack.upload_day(stack.lab, day)
        stack.start(stack.lab, {INPUT_SCHEDULED_TIME: moment(stack, day), **extra})
        return Act((stack.lab,))

    return act


def _bad_file(name: Callable[[date], str], body: Callable[[date], bytes]) -> Callable[..., Act]:
    """Today's good file, plus a bad one; then a run."""

    def act(stack: ProbeStack, day: date) -> Act:
        stack.upload_day(stack.lab, day)
        stack.upload(stack.lab, name(day), body(day))
        stack.start(stack.lab)
        return Act((stack.lab,))

    return act


def _only_file(body: Callable[[date], bytes]) -> Callable[..., Act]:
    """Today's file is the bad one."""
    return _bad_file(lambda day: f"{day}.csv", body)


def _rows(day: date) -> list[list[float]]:
    return data.daily_rows(day)


def _with_row(day: date, row: str) -> bytes:
    return csv(_rows(day)) + row.encode()


def _overwrite_trained(body: Callable[[bytes], bytes]) -> Callable[..., Act]:
    """A day the serving model trained on is overwritten (restored afterwards)."""

    def act(stack: ProbeStack, day: date) -> Act:
        marker = stack.cloud.marker(stack.lab)
        key = f"{stack.lab.data_prefix}{marker}.csv"
        original = stack.body(stack.lab, key)
        stack.upload(stack.lab, f"{marker}.csv", body(original))
        stack.start(stack.lab)
        return Act((stack.lab,), restore={key: (stack.lab, original)})

    return act


def _backfilled(stack: ProbeStack, day: date) -> Act:
    """A day behind the marker that never had a file gets one."""
    trained = {k.rsplit("/", 1)[-1] for k in stack.data_keys(stack.lab)}
    gap = next(
        d
        for offset in range(30, 0, -1)
        if f"{(d := day - timedelta(days=offset))}.csv" not in trained
    )
    stack.upload_day(stack.lab, gap)
    stack.start(stack.lab)
    return Act((stack.lab,))


def _older_window(**extra: object) -> Callable[[ProbeStack, date], Act]:
    """A forced run dated a day before the marker: its window holds trained files, yet it
    ends before the serving model's (issue 13's "15 days ago" on a short history)."""

    def act(stack: ProbeStack, day: date) -> Act:
        stack.upload_day(stack.lab, day)
        marker = date.fromisoformat(str(stack.cloud.marker(stack.lab)))
        older = stack.local(marker - timedelta(days=1), time(6, 0)).isoformat()
        stack.start(stack.lab, {INPUT_FORCE: True, INPUT_SCHEDULED_TIME: older, **extra})
        return Act((stack.lab,))

    return act


def _four_columns(day: date) -> bytes:
    return csv([row[:4] for row in _rows(day)])


BAD_INPUTS: list[tuple[str, Callable[[ProbeStack, date], Act]]] = [
    ("input []", _raw_input("[]")),
    ('input "x"', _raw_input('"x"')),
    ("input 42", _raw_input("42")),
    ("input null", _raw_input("null")),
    ("input true", _raw_input("true")),
    ("unknown field", _raw_input('{"junk": 1}')),
    ("unknown field with force", _raw_input('{"force": true, "junk": 1}')),
    ('force "yes"', _raw_input('{"force": "yes"}')),
    ("force 1", _raw_input('{"force": 1}')),
    ("scheduledTime 42", _raw_input('{"scheduledTime": 42}')),
    ("trigger 7", _raw_input('{"trigger": 7}')),
    ('allowOlderWindow "no"', _raw_input('{"allowOlderWindow": "no", "force": true}')),
    ("scheduledTime without zone", _scheduled(lambda s, d: f"{d}T06:00:00")),
    ("scheduledTime garbage", _scheduled(lambda s, d: "not-a-time")),
    ("scheduledTime 0001-01-01", _scheduled(lambda s, d: "0001-01-01T00:00:00Z")),
    ("scheduledTime 9999-12-31", _scheduled(lambda s, d: "9999-12-31T23:59:59Z")),
    ("scheduledTime 1970", _scheduled(lambda s, d: "1970-01-01T00:00:00Z")),
    ("scheduledTime 2100", _scheduled(lambda s, d: "2100-01-01T00:00:00Z")),
    (
        "scheduledTime tomorrow",
        _scheduled(lambda s, d: s.local(d + timedelta(days=1), time(6, 0)).isoformat()),
    ),
    ("force, a window before the marker's", _older_window()),
    (
        "force, a window before the marker's, allowOlderWindow",
        _older_window(**{INPUT_ALLOW_OLDER_WINDOW: True}),
    ),
    ("header row", _only_file(lambda d: b"rentals,temperature_c,humidity\n" + csv(_rows(d)))),
    ("wrong column count", _only_file(lambda d: _with_row(d, "1,2,3\n"))),
    ("non-numeric value", _only_file(lambda d: _with_row(d, "1,2,3,4,x,6,7,8\n"))),
    ("empty file", _only_file(lambda d: b"")),
    ("NaN value", _only_file(lambda d: _with_row(d, "1,nan,3,4,5,6,7,8\n"))),
    ("inf value", _only_file(lambda d: _with_row(d, "1,inf,3,4,5,6,7,8\n"))),
    ("4-column day beside 8-column days", _only_file(_four_columns)),
    (
        "trained file overwritten with a header row",
        _overwrite_trained(lambda body: b"rentals,temperature_c\n" + body),
    ),
    ("trained file overwritten with new content", _overwrite_trained(lambda body: body[:-200])),
    ("backfilled day behind the marker", _backfilled),
    ("misnamed file", _bad_file(lambda d: f"{d:%d-%m-%Y}.csv", lambda d: csv(_rows(d)))),
    (
        "future-dated file",
        _bad_file(lambda d: f"{d + timedelta(days=3)}.csv", lambda d: csv(_rows(d))),
    ),
]


# --- faults -------------------------------------------------------------------------------------
def _retries(stack: ProbeStack, state: str) -> int:
    sfn = stack.cloud.client("stepfunctions", stack.lab.region)
    definition = json.loads(
        sfn.describe_state_machine(stateMachineArn=stack.lab.state_machine_arn)["definition"]
    )
    return int(definition["States"][state]["Retry"][0]["MaxAttempts"])


# Every catalogue fault some probe injects (tests/localcloud/test_probes.py: all of them).
PROBED_FAULTS: set[str] = {"endpoint-creation-fails"}


def _fault(
    name: str,
    times: int | Callable[[ProbeStack], int] | None = 0,
    *,
    model: str = "lab",
    excuse: str | None = None,
    repair: Callable[[ProbeStack], None] | None = None,
) -> Callable[[ProbeStack, date], Act]:
    faults.get(name)  # an unknown name fails at import, naming the known ones
    PROBED_FAULTS.add(name)

    def act(stack: ProbeStack, day: date) -> Act:
        target = getattr(stack, model)
        stack.upload_day(target, day)
        chosen = times(stack) if callable(times) else times
        faults.inject(stack.cloud, target, name, chosen)
        stack.start(target)
        return Act(
            (target,),
            endpoint_excuse=excuse,
            repair=(lambda: repair(stack)) if repair else None,
        )

    return act


def _repair_endpoint(stack: ProbeStack) -> None:
    """What an operator does after UpdateRollbackFailed: redeploy the config that serves."""
    sagemaker = stack.cloud.client("sagemaker", stack.lab.region)
    endpoint = sagemaker.describe_endpoint(EndpointName=stack.lab.endpoint_name)
    sagemaker.update_endpoint(
        EndpointName=stack.lab.endpoint_name, EndpointConfigName=endpoint["EndpointConfigName"]
    )
    stack.cloud.clock.run_until(
        lambda: (
            sagemaker.describe_endpoint(EndpointName=stack.lab.endpoint_name)["EndpointStatus"]
            == "InService"
        )
    )


def _new_model_first_deployment(stack: ProbeStack, day: date) -> Act:
    for offset in range(3, 0, -1):
        stack.upload_day(stack.new, day - timedelta(days=offset))
    faults.inject(stack.cloud, stack.new, "endpoint-creation-fails")
    stack.start(stack.new)
    return Act(
        (stack.new,),
        endpoint_excuse="SageMaker failed the model's first CreateEndpoint (injected)",
    )


THROTTLED = "lambda-throttled-"
FAULTS: list[tuple[str, Callable[[ProbeStack, date], Act]]] = [
    ("training fails", _fault("training-fails")),
    ("training stopped", _fault("training-stopped")),
    ("first endpoint creation fails", _new_model_first_deployment),
    ("endpoint update rolled back", _fault("endpoint-update-rolled-back")),
    (
        "endpoint update rollback fails",
        _fault(
            "endpoint-update-rollback-fails",
            excuse="SageMaker's rollback failed (UpdateRollbackFailed): an operator redeploys",
            repair=_repair_endpoint,
        ),
    ),
    ("endpoint invocation fails (the quality gate)", _fault("endpoint-invocation-fails")),
    # On dev (allAtOnce) nothing rolls the new model back: the run ends as usual, the tidy's
    # fault clear heals the variant. prod's canary rollback is tests/e2e's concern.
    ("the new model answers 5XX", _fault("canary-5xx")),
    ("the new model answers slowly", _fault("canary-slow")),
    ("training event lost", _fault("training-event-lost")),
    ("endpoint event lost", _fault("endpoint-event-lost")),
    *[
        (f"Lambda throttled once: {name.removeprefix(THROTTLED)}", _fault(name, 1))
        for name in faults.CATALOGUE
        if name.startswith(THROTTLED)
    ],
    (
        "Lambda throttled past retries: CheckData",
        _fault("lambda-throttled-check-data", lambda s: _retries(s, pipeline.CHECK_DATA) + 1),
    ),
    (
        "Lambda throttled past retries: CheckStatusWait",
        _fault(
            "lambda-throttled-await-status", lambda s: _retries(s, pipeline.CHECK_STATUS_WAIT) + 1
        ),
    ),
    (
        "Lambda throttled past retries: DeployModel",
        _fault("lambda-throttled-deploy-model", lambda s: _retries(s, pipeline.DEPLOY_MODEL) + 1),
    ),
    ("SSM throttled on the marker read", _fault("marker-read-throttled")),
    ("SSM denies the marker read", _fault("marker-read-denied")),
    ("SSM 500 on the marker read", _fault("marker-read-500")),
    ("SSM throttled on the marker write", _fault("marker-write-throttled")),
    # Not "throttled on every marker write": botocore's standard retry sleeps in real time
    # between its 5 attempts (~2 min for a lasting throttle); the lasting denial below ends
    # the same way (MarkerNotAdvanced) in a second.
    ("SSM denies the marker write", _fault("marker-write-denied")),
    ("SSM 500 on the marker write", _fault("marker-write-500")),
    ("S3 refuses the manifest write", _fault("manifest-write-refused")),
    ("Slack rate-limited", _fault("slack-rate-limited")),
    ("Slack 500", _fault("slack-500")),
    ("Slack invalid_auth", _fault("slack-invalid-auth")),
]


# --- races ------------------------------------------------------------------------------------
def _same_instant(stack: ProbeStack, day: date) -> Act:
    stack.upload_day(stack.lab, day)
    with stack.cloud.lambdas.paused():  # both exist before either's CheckData runs
        stack.start(stack.lab)
        stack.start(stack.lab)
    return Act((stack.lab,))


def _back_to_back(stack: ProbeStack, day: date) -> Act:
    stack.upload_day(stack.lab, day)
    for _ in range(50):
        stack.start(stack.lab)
    return Act((stack.lab,))


def _upload_during_training(stack: ProbeStack, day: date) -> Act:
    model = stack.triggered
    before = len(training_jobs(stack.cloud, model))
    # The days since this model last trained (its schedule found nothing new meanwhile):
    # the trigger starts one run for them.
    last = date.fromisoformat(str(stack.cloud.marker(model)))
    for offset in range((day - last).days - 1, 0, -1):
        stack.upload_day(model, day - timedelta(days=offset))
    stack.advance_until_training(model, before)
    stack.upload_day(model, day)  # lands while that run trains
    return Act((model,))


def _aborted_owner(stack: ProbeStack, day: date) -> Act:
    stack.upload_day(stack.lab, day)
    before = len(training_jobs(stack.cloud, stack.lab))
    owner = stack.start(stack.lab)
    stack.advance_until_training(stack.lab, before)
    sfn = stack.cloud.client("stepfunctions", stack.lab.region)
    sfn.stop_execution(executionArn=owner.execution_arn, cause="probe: the owner is aborted")
    stack.advance(60)
    stack.start(stack.lab)  # must reclaim the lock the aborted owner held
    return Act((stack.lab,), aborted={owner.execution_arn})


def _schedule_during_run(stack: ProbeStack, day: date) -> Act:
    # The day's run starts before 06:00 (the lab's probe day began at 07:00: go to tomorrow).
    tomorrow = day + timedelta(days=1)
    stack.cloud.advance_to(stack.local(tomorrow, time(5, 57)))
    stack.settle()
    stack.upload_day(stack.lab, day)
    stack.start(stack.lab)
    stack.cloud.advance_to(stack.local(tomorrow, time(6, 5)))  # the schedule fires meanwhile
    return Act((stack.lab,))


RACES: list[tuple[str, Callable[[ProbeStack, date], Act]]] = [
    ("two starts in the same instant", _same_instant),
    ("50 back-to-back starts", _back_to_back),
    ("an upload while a run trains", _upload_during_training),
    ("an aborted owner", _aborted_owner),
    ("the schedule fires during a run", _schedule_during_run),
]

PROBES: list[Probe] = [
    *(Probe(KIND_BAD_INPUT, name, act) for name, act in BAD_INPUTS),
    *(Probe(KIND_FAULT, name, act) for name, act in FAULTS),
    *(Probe(KIND_RACE, name, act) for name, act in RACES),
]


def by_name(name: str) -> Probe:
    for probe in PROBES:
        if probe.name == name:
            return probe
    raise KeyError(f"unknown probe {name!r}; known: {', '.join(p.name for p in PROBES)}")
