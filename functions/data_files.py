"""Which objects under the data prefix are training files of the window.

The window
    The last N days ending at the run date, both ends included: with N =
    TRAINING_WINDOW_DAYS and D = the run date (the run's time in TIME_ZONE), the window is
    [D - (N - 1) days, D]. N = 1 is the run date alone.

Listing cost
    Data files are named `YYYY-MM-DD.csv`, so keys sort chronologically and the listing
    starts at `StartAfter=<prefix><window start>`: the number of LIST calls grows with the
    window (1,000 keys a call), not with the bucket's history. `Delimiter='/'` folds every
    sub-folder into one entry. Keys that sort before the window start are never listed
    and so never reported.

What is a training file (a *candidate*)
    An object directly under the prefix named exactly `YYYY-MM-DD.csv` (lower-case
    extension) whose date is a real calendar date within the window.

What is ignored and reported (`ignored`, `ignoredCount`, and the log)
    Everything else that the listing returns: sub-folders, names that are not a date
    (`notes.txt`), impossible dates (`2026-02-30.csv`), dates after the run date (a file
    from the future is not trained on until its day comes), and a lone file of a day whose
    name is not exactly `YYYY-MM-DD.csv` (`2026-01-05.CSV`, `2026-01-05.csv.gz`).

What is an error (DataValidationError): duplicate dates
    A key *claims* a day when its name starts with that day's date and, lower-cased,
    contains `.csv` (`2026-01-05.csv`, `2026-01-05.CSV`, `2026-01-05.csv.csv`,
    `2026-01-05 (1).csv`). Two or more claims on one day of the window mean nobody knows
    which file is that day's data: the run fails naming every claiming key, rather than
    silently training on one of them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from contract.errors import DataValidationError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MAX_IGNORED_SHOWN = 20
_DATA_NAME = re.compile(r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\.csv")
_DATED_NAME = re.compile(r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})(?P<rest>.*)")

AFTER_RUN_DATE = "date after the run date"
BAD_DATE = "not a real calendar date"
NOT_DATA_NAME = "name is not YYYY-MM-DD.csv"
FOLDER = "sub-folder (only files directly under the prefix are read)"


@dataclass(frozen=True)
class DataFile:
    key: str
    day: date
    size: int
    # S3's ETag from the listing: changes when the content does (functions.fingerprints).
    etag: str


@dataclass(frozen=True)
class Ignored:
    key: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "reason": self.reason}


@dataclass(frozen=True)
class WindowListing:
    start: date
    end: date
    files: tuple[DataFile, ...]  # the candidates, oldest first
    ignored: tuple[Ignored, ...]


def window_bounds(run_date: date, days: int) -> tuple[date, date]:
    return run_date - timedelta(days=days - 1), run_date


def list_window(
    s3: S3Client, bucket: str, prefix: str, run_date: date, window_days: int
) -> WindowListing:
    start, end = window_bounds(run_date, window_days)
    paginator = s3.get_paginator("list_objects_v2")
    objects: list[dict[str, Any]] = []
    folders: list[str] = []
    pages = paginator.paginate(
        Bucket=bucket,
        Prefix=prefix,
        Delimiter="/",
        # Exclusive, and "<prefix>2026-01-01" sorts just before "<prefix>2026-01-01.csv".
        StartAfter=f"{prefix}{start.isoformat()}",
    )
    for page in pages:
        objects.extend(dict(o) for o in page.get("Contents", []))
        folders.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
    return classify(prefix, objects, folders, start, end)


def classify(
    prefix: str,
    objects: list[dict[str, Any]],
    folders: list[str],
    start: date,
    end: date,
) -> WindowListing:
    """Split listed objects into candidates and ignored ones; fail on duplicate dates."""
    ignored = [Ignored(folder, FOLDER) for folder in folders]
    claims: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for obj in objects:
        key = obj["Key"]
        name = key[len(prefix) :]
        if not name:
            continue  # the "folder" object some tools create for the prefix itself
        dated = _DATED_NAME.fullmatch(name)
        day = _real_date(dated["day"]) if dated else None
        if dated is None or ".csv" not in name.lower():
            ignored.append(Ignored(key, NOT_DATA_NAME))
        elif day is None:
            ignored.append(Ignored(key, BAD_DATE))
        elif day > end:
            ignored.append(Ignored(key, AFTER_RUN_DATE))
        elif day >= start:
            claims[day].append(obj)
        # else: older than the window (the listing starts at the window, so only a
        # caller passing other objects gets here): not a file of this run.

    duplicates = {day: objs for day, objs in claims.items() if len(objs) > 1}
    if duplicates:
        day, objs = min(duplicates.items())
        keys = ", ".join(repr(o["Key"]) for o in objs)
        raise DataValidationError(
            f"{len(objs)} files claim the date {day.isoformat()}: {keys}. Exactly one file "
            f"per day, named {day.isoformat()}.csv, may be under {prefix!r}; remove or rename "
            f"the others. A bad file fails the run before anything is written (no manifest, "
            f"no training, marker untouched)."
            + (f" ({len(duplicates) - 1} more duplicated dates.)" if len(duplicates) > 1 else "")
        )

    files = []
    for day, (obj,) in sorted(claims.items()):
        if _DATA_NAME.fullmatch(obj["Key"][len(prefix) :]):
            files.append(
                DataFile(obj["Key"], day, int(obj.get("Size", 0)), str(obj.get("ETag", "")))
            )
        else:
            ignored.append(Ignored(obj["Key"], NOT_DATA_NAME))
    return WindowListing(start, end, tuple(files), tuple(ignored))


def _real_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
