"""`python -m localcloud`: the embedded runtime's commands.

demo  [--stack dev|prod]      the whole pipeline end to end (make demo)
plan  [--stack dev|prod]      the resources a stack declares (make plan)
session [--stack dev|prod] [--script FILE] [--serve [--port N]]
                              drive a stack by hand: upload, run, advance, show, predict
                              (`session --help`; `help` inside lists the commands)
probes [--kind KIND] [--probe NAME]
                              bad inputs, faults and races, each judged from what AWS shows
                              (make probes; out/probes.json; exit 1 when one ends uncleanly)
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "demo": "localcloud.demo",
        "plan": "localcloud.plan",
        "session": "localcloud.session.cli",
        "probes": "localcloud.probes.cli",
    }
    if not args or args[0] in ("-h", "--help") or args[0] not in commands:
        print(__doc__.strip())
        return 0 if args and args[0] in ("-h", "--help") else 2
    module = __import__(commands[args[0]], fromlist=["main"])
    return int(module.main(args[1:]))


if __name__ == "__main__":
    sys.exit(main())
