"""Parsing what a person types into `python -m localcloud session`.

Every function raises `SessionError` with a one-line message that names the bad argument;
the shell prints it and keeps going.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

# Daily files are named like the original sample's: data/<model>/train/YYYY-MM-DD.csv.
_DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.csv")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_GENERATED_DAYS = 3650  # ten years of daily files: more is a typo, not a data set


class SessionError(ValueError):
    """A command's argument is wrong; the message says which and why."""


def words(arg: str, command: str) -> list[str]:
    try:
        return shlex.split(arg)
    except ValueError as error:
        raise SessionError(f"{command}: cannot split {arg!r}: {error}") from error


def parse_duration(text: str) -> float:
    """`90m`, `6h`, `2d`, `1h30m`, `45s` as seconds."""
    compact = text.strip().lower()
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise SessionError(f"bad duration {text!r}: use e.g. 45s, 90m, 6h, 2d or 1h30m")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise SessionError(f"bad duration {text!r}: it must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if v]
    return "".join(parts) or "0s"


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise SessionError(
            f"{what} is not valid JSON ({error.msg} at column {error.colno})"
        ) from error
    if not isinstance(value, dict):
        raise SessionError(f"{what} must be a JSON object, got {type(value).__name__}: {text}")
    return value


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise SessionError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from error


def parse_start(text: str) -> datetime:
    """The virtual clock's start: ISO 8601; without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise SessionError(f"--start {text!r} is not an ISO 8601 date-time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_days_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_GENERATED_DAYS:
        raise SessionError(f"DAYS {text!r} must be a whole number from 1 to {MAX_GENERATED_DAYS}")
    return int(text)


def day_of_file(path: Path) -> date:
    """The day a daily file holds, from its name; the error names the file."""
    if not _DAY_FILE.fullmatch(path.name):
        raise SessionError(f"bad file name {str(path)!r}: daily files are named YYYY-MM-DD.csv")
    try:
        return date.fromisoformat(path.stem)
    except ValueError as error:
        raise SessionError(f"bad date in file name {str(path)!r}: {error}") from error


def csv_files(target: str, *, check_names: bool = True) -> list[Path]:
    """The CSV files `target` names (a file, or a folder's *.csv), oldest day first."""
    path = Path(target).expanduser()
    if not path.exists():
        raise SessionError(f"no such file or folder: {target}")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if not files:
            raise SessionError(f"folder {target} holds no .csv files")
    else:
        files = [path]
    if check_names:
        for file in files:
            day_of_file(file)  # every name is checked before anything is uploaded
    return files


def parse_rows(text: str) -> tuple[list[list[float]], str]:
    """Feature rows from a CSV file, or typed inline (rows separated by ';' or spaces).

    Returns the rows and where they came from (for the error messages and the output)."""
    stripped = text.strip()
    if not stripped:
        raise SessionError("predict needs CSV rows (e.g. 12.5,60,10,0,1,0,0) or a CSV file")
    path = Path(stripped).expanduser()
    if path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise SessionError(f"cannot read {stripped}: {error}") from error
        source = stripped
    elif "/" in stripped or stripped.lower().endswith(".csv"):
        raise SessionError(f"no such file: {stripped}")
    else:
        lines = re.split(r"[;\s]+", stripped)
        source = "the typed rows"
    rows: list[list[float]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = []
        for column, cell in enumerate(line.split(","), start=1):
            try:
                row.append(float(cell))
            except ValueError:
                raise SessionError(
                    f"{source}, row {number}, column {column}: {cell.strip()!r} is not a number"
                ) from None
        if rows and len(row) != len(rows[0]):
            raise SessionError(
                f"{source}, row {number}: {len(row)} values, but row 1 has {len(rows[0])}"
            )
        rows.append(row)
    if not rows:
        raise SessionError(f"{source} holds no rows")
    return rows, source


def parse_fault(
    args: list[str], models: list[str], default_model: str
) -> tuple[str, str, int | None]:
    """`NAME [MODEL] [--times N | --lasting]` as (name, model, times); times 0: the default."""
    times: int | None = 0
    rest: list[str] = []
    items = iter(args)
    for item in items:
        if item == "--lasting":
            times = None
        elif item == "--times":
            count = next(items, "")
            if not count.isdigit() or int(count) < 1:
                raise SessionError(f"--times {count!r} must be a whole number of at least 1")
            times = int(count)
        else:
            rest.append(item)
    if not 1 <= len(rest) <= 2:
        raise SessionError(
            "usage: fault list | fault clear | fault NAME [MODEL] [--times N | --lasting]"
        )
    model = rest[1] if len(rest) == 2 else default_model
    if model not in models:
        raise SessionError(f"unknown model {model!r}; this stack deploys {', '.join(models)}")
    return rest[0], model, times


APPROVAL_DESCRIPTION_MAX = 1024  # UpdateModelPackage's ApprovalDescription


def parse_decision(args: list[str], command: str) -> tuple[int | None, str]:
    """`[VERSION] [NOTE ...]` of approve/reject: the version (None: the newest waiting one)
    and the note recorded as the package's ApprovalDescription."""
    version: int | None = None
    if args and args[0].removeprefix("#").isdigit():
        version = int(args[0].removeprefix("#"))
        args = args[1:]
        if version < 1:
            raise SessionError(f"VERSION {version} does not exist: versions start at 1")
    note = " ".join(args)
    if len(note) > APPROVAL_DESCRIPTION_MAX:
        raise SessionError(
            f"the {command} note has {len(note)} characters; SageMaker keeps at most "
            f"{APPROVAL_DESCRIPTION_MAX} (ApprovalDescription)"
        )
    return version, note
