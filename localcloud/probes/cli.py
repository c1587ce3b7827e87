"""`python -m localcloud probes [--kind KIND] [--probe NAME ...] [--out DIR]` (make probes).

Deploys dev once on a LocalCloud, seeds history, runs every probe on its own fresh day, and
judges each. Prints a table (kind, probe, how its runs ended, verdict, why not) and the
counts per kind; writes <out>/probes.json. Exit code 1 when any probe ended uncleanly: those
are findings, reported, never skipped.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import signal
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from localcloud import faults
from localcloud.probes import catalogue, judge
from localcloud.probes.lab import ProbeStack, deploy, new_cloud
from localcloud.session.cli import _NOISY_LOGGERS as NOISY_LOGGERS


@dataclass
class Result:
    kind: str
    probe: str
    ended: str  # e.g. "SUCCEEDED x1, FAILED x1"
    clean: bool
    why_not: list[str]
    error: str | None = None  # the probe itself broke (an exception): unclean, never hidden
    # every run it caused: name, status, error, the error its Fail state caught
    runs: list[dict[str, str | None]] = field(default_factory=list)


def run_probe(stack: ProbeStack, probe: catalogue.Probe) -> Result:
    day = stack.next_day()
    since = stack.now()
    slack_from = len(stack.cloud.slack.messages)
    act: catalogue.Act | None = None
    try:
        act = probe.act(stack, day)
        stack.settle()
        stack.advance(600)  # SageMaker takes its time to stop a job (Stopping, then Stopped)
        stack.settle()
        # The runs are over: what is still armed must not blind the judge's own reads (a
        # lasting SSM denial would refuse GetParameter on the marker).
        faults.clear(stack.cloud)
        evidence = [
            judge.gather(
                stack,
                model,
                since,
                aborted=act.aborted,
                endpoint_excuse=act.endpoint_excuse,
                slack_from=slack_from,
            )
            for model in act.models
        ]
        verdict = judge.judge(evidence)
        ended = Counter(run.status for e in evidence for run in e.runs)
        summary = ", ".join(f"{status} x{n}" for status, n in sorted(ended.items())) or "no run"
        runs = [
            {
                "model": e.model,
                "name": run.name,
                "status": run.status,
                "error": run.error,
                "caughtError": run.caught_error,
                "finalStatus": run.final_status,
            }
            for e in evidence
            for run in e.runs
        ]
        return Result(probe.kind, probe.name, summary, verdict.clean, verdict.reasons, runs=runs)
    except Exception as error:  # a probe that breaks is a finding too
        message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        return Result(probe.kind, probe.name, "-", False, [f"probe broke: {message}"], message)
    finally:
        try:
            if act is not None and act.repair is not None:
                act.repair()
        finally:
            stack.tidy(act.restore if act is not None else None)


def run_all(probes: list[catalogue.Probe], write: Any = print) -> list[Result]:
    results = []
    with new_cloud() as cloud:
        stack = deploy(cloud)
        for probe in probes:
            began = time.monotonic()
            result = run_probe(stack, probe)
            results.append(result)
            verdict = "clean" if result.clean else "UNCLEAN"
            write(
                f"  {result.kind:<9}  {result.probe:<46}  {result.ended:<26}  {verdict:<7}  "
                f"{'; '.join(result.why_not)}  ({time.monotonic() - began:.1f}s)"
            )
    return results


def counts(results: list[Result]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for kind in catalogue.KINDS:
        mine = [r for r in results if r.kind == kind]
        if mine:
            table[kind] = {"tried": len(mine), "endedCleanly": sum(r.clean for r in mine)}
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud probes", description=__doc__)
    parser.add_argument("--kind", choices=catalogue.KINDS, action="append")
    parser.add_argument("--probe", action="append", help="one probe by name (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    # `kill -USR1 <pid>` prints every thread's stack: where a probe that hangs is waiting.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    probes = catalogue.PROBES
    if args.probe:
        try:
            probes = [catalogue.by_name(name) for name in args.probe]
        except KeyError as error:
            parser.error(str(error.args[0]))
    if args.kind:
        probes = [p for p in probes if p.kind in args.kind]
    print(f"  {'kind':<9}  {'probe':<46}  {'ended':<26}  verdict  why not")
    # moto's interpreter logs every JSONPath a Choice finds absent: noise, not findings.
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    results = run_all(probes)
    table = counts(results)
    for kind, count in table.items():
        print(f"{kind}: {count['tried']} tried, {count['endedCleanly']} ended cleanly")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "probes.json"
    path.write_text(
        json.dumps({"counts": table, "probes": [asdict(r) for r in results]}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {path}")
    unclean = [r for r in results if not r.clean]
    if unclean:
        print(f"{len(unclean)} probe(s) ended uncleanly: " + "; ".join(r.probe for r in unclean))
    return 1 if unclean else 0
