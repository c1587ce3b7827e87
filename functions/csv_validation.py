"""Checking that a training file is what Linear Learner expects, without loading it whole.

A valid file is UTF-8 text, not empty, with no header: every line is the same number
(at least 2: the target, then features) of comma-separated finite decimal numbers
(`1`, `-0.5`, `3e-2`; no spaces, quotes, `nan` or `inf`). A trailing newline is fine; an
empty line is not. The object is streamed in chunks, so memory stays flat whatever the
file's size, and a line longer than MAX_LINE_CHARS is rejected rather than buffered.

The first problem found raises DataValidationError naming the s3 URI, the line (1-based),
the column (1-based, as a spreadsheet numbers them: `line 1, column 1` is the first
value of the file) and the offending value, truncated.
"""

from __future__ import annotations

import codecs
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contract.errors import DataValidationError
from functions.payload import shown

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK_BYTES = 256 * 1024
MAX_LINE_CHARS = 1024 * 1024
_NUMBER_CHARS = "0123456789+-.eE"
CONSEQUENCE = (
    "A bad file fails the run before anything is written (no manifest, no training, "
    "marker untouched): fix or remove the file, then start the pipeline again."
)


@dataclass(frozen=True)
class FileSummary:
    rows: int
    columns: int
    # Per column (label first): the sum and the sum of squares of its values, for the drift
    # report (functions.drift), gathered while the file is read for validation anyway.
    sums: tuple[float, ...] = ()
    squares: tuple[float, ...] = ()


def validate_object(s3: S3Client, bucket: str, key: str) -> FileSummary:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        return validate_stream(body.iter_chunks(CHUNK_BYTES), f"s3://{bucket}/{key}")
    finally:
        body.close()


def validate_stream(chunks: Iterable[bytes], uri: str) -> FileSummary:
    checker = _Rows(uri)
    for line_number, line in _lines(chunks, uri):
        checker.check(line_number, line)
    if checker.rows == 0:
        raise DataValidationError(f"{uri}: the file is empty (no rows). {CONSEQUENCE}")
    return FileSummary(checker.rows, checker.columns, tuple(checker.sums), tuple(checker.squares))


def _fail(uri: str, line: int, column: int, problem: str) -> DataValidationError:
    """`column` is 1-based: the first value of a line is column 1."""
    return DataValidationError(f"{uri} line {line}, column {column}: {problem}. {CONSEQUENCE}")


def _lines(chunks: Iterable[bytes], uri: str) -> Iterator[tuple[int, str]]:
    """(line number, line) pairs, decoding UTF-8 incrementally."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    pending = ""
    line_number = 0

    def decode(chunk: bytes, final: bool) -> str:
        try:
            return decoder.decode(chunk, final=final)
        except UnicodeDecodeError as error:
            good = error.object[: error.start].decode("utf-8", "ignore")
            before = (pending + good).split("\n")
            bad = bytes(error.object[error.start : error.start + 6])
            raise _fail(
                uri,
                line_number + len(before),
                before[-1].count(",") + 1,
                f"not UTF-8 text (bytes {bad!r}); is the file compressed or binary?",
            ) from None

    for chunk in chunks:
        parts = (pending + decode(chunk, final=False)).split("\n")
        pending = parts.pop()
        for line in parts:
            line_number += 1
            yield line_number, line.removesuffix("\r")
        if len(pending) > MAX_LINE_CHARS:
            raise _fail(
                uri,
                line_number + 1,
                pending.count(",") + 1,
                f"line longer than {MAX_LINE_CHARS} characters without a newline",
            )
    pending += decode(b"", final=True)
    if pending:
        yield line_number + 1, pending.removesuffix("\r")


class _Rows:
    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.rows = 0
        self.columns = 0
        self.sums: list[float] = []
        self.squares: list[float] = []

    def check(self, line_number: int, line: str) -> None:
        if not line:
            raise _fail(self.uri, line_number, 1, "the line is empty")
        values = line.split(",")
        if self.rows == 0:
            if len(values) < 2:
                raise _fail(
                    self.uri,
                    line_number,
                    len(values) + 1,
                    f"only {len(values)} field; every row needs the target then at least "
                    f"one feature",
                )
            self.columns = len(values)
            self.sums = [0.0] * self.columns
            self.squares = [0.0] * self.columns
        elif len(values) != self.columns:
            extra = len(values) > self.columns
            field = self.columns if extra else len(values)
            value = shown(values[field]) if extra else "(missing)"
            raise _fail(
                self.uri,
                line_number,
                field + 1,
                f"{len(values)} fields where line 1 has {self.columns} ({value})",
            )
        for index, value in enumerate(values):
            number = _finite_number(value)
            if number is None:
                hint = " (a header row? files must not have one)" if line_number == 1 else ""
                raise _fail(
                    self.uri,
                    line_number,
                    index + 1,
                    f"{shown(value)} is not a finite decimal number{hint}",
                )
            self.sums[index] += number
            self.squares[index] += number * number
        self.rows += 1


def _finite_number(value: str) -> float | None:
    """The value as a number, or None when it is not a finite decimal number."""
    # The character set first: float() also accepts " 1", "1_0", "nan" and "inf".
    if not value or value.strip(_NUMBER_CHARS):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
