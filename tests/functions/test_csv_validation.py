"""The streaming CSV check on its own: chunk boundaries must not matter."""

from __future__ import annotations

import pytest

from contract.errors import DataValidationError
from functions.csv_validation import MAX_LINE_CHARS, validate_stream

pytestmark = pytest.mark.unit


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1 << 20])
def test_any_chunking_gives_the_same_answer(size):
    data = b"1.5,2,3\r\n-4e2,.5,6.\n7,8,9"
    summary = validate_stream(chunks(data, size), "s3://b/k.csv")
    assert (summary.rows, summary.columns) == (3, 3)


@pytest.mark.parametrize("size", [1, 2, 5])
def test_a_multibyte_character_split_across_chunks_is_still_reported_where_it_is(size):
    data = "1,2\n3,é\n".encode()
    with pytest.raises(
        DataValidationError, match="line 2, column 2: 'é' is not a finite decimal number"
    ):
        validate_stream(chunks(data, size), "s3://b/k.csv")


def test_a_truncated_multibyte_sequence_at_the_end_is_not_utf8():
    with pytest.raises(
        DataValidationError, match=r"line 2, column 2: not UTF-8 text \(bytes b'\\xc3'\)"
    ):
        validate_stream([b"1,2\n3,\xc3"], "s3://b/k.csv")


def test_a_line_without_end_is_refused_before_it_fills_memory():
    endless = (b"1," * 1024 for _ in range(MAX_LINE_CHARS // 1024))
    with pytest.raises(DataValidationError, match=r"line 1, column \d+: line longer than"):
        validate_stream(endless, "s3://b/k.csv")
