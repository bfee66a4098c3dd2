"""Partner CSVs: Arrow's reading of one-line records and the record-by-record reading agree.

Each case is the AWS address fixture with one change; the file is parsed as delivered and again with the
Arrow reading turned off, and both must give the same rows, lines, quarantine and results. The clean
files must be read by Arrow (else the comparison compares the slow reading with itself).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.partners import files
from pipeline.quality.contracts import load_contract
from tests.partners.builders import FIXTURES

CONTRACT = load_contract("aws_address_feed")
LINES = (FIXTURES / "aws" / "AddressFeed_V1" / "year=2026" / "month=11" / "data.csv").read_bytes().split(b"\n")
Change = Callable[[list[bytes]], list[bytes]]


def _row(lines: list[bytes], new: bytes) -> list[bytes]:
    return [*lines[:2], new, *lines[3:]]


CHANGES: dict[str, tuple[Change, bool]] = {
    "as delivered": (lambda lines: lines, True),
    "CRLF line ends": (lambda lines: [line + b"\r" for line in lines[:-1]] + [lines[-1]], True),
    "a quoted comma and doubled quotes": (lambda ls: _row(ls, ls[2].replace(b"Late Co", b'"Late, ""Co"""')), True),
    "a quote inside a field": (lambda lines: _row(lines, lines[2].replace(b"Late Co", b'Late "Co')), True),
    "a blank line": (lambda lines: [*lines[:2], b"", *lines[2:]], False),
    "a lone carriage return": (lambda lines: _row(lines, lines[2].replace(b"Late Co", b"Late\rCo")), False),
    "one field too many": (lambda lines: _row(lines, lines[2] + b",x"), False),
    "text after a closing quote": (lambda lines: _row(lines, lines[2].replace(b",", b',"q"x,', 1)), False),
    "a quote never closed": (lambda lines: _row(lines, lines[2].replace(b",", b',"q', 1)), False),
    "a line break inside quotes": (lambda lines: _row(lines, lines[2].replace(b",", b',"q\nr",', 1)), False),
    "bytes that are not UTF-8": (lambda lines: _row(lines, lines[2].replace(b",", b",\xff", 1)), False),
    "no final line break": (lambda lines: lines[:-1], False),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_arrow_and_record_by_record_readings_agree(change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    edit, by_arrow = CHANGES[change]
    data = b"\n".join(edit(list(LINES)))
    arrow_reading, read_by_arrow = files._single_lines, []

    def spy(text: str, width: int) -> object:
        columns = arrow_reading(text, width)
        read_by_arrow.append(columns is not None)
        return columns

    monkeypatch.setattr(files, "_single_lines", spy)
    fast = files.parse_csv("s3://feeds/address.csv", data, CONTRACT)
    monkeypatch.setattr(files, "_single_lines", lambda text, width: None)
    slow = files.parse_csv("s3://feeds/address.csv", data, CONTRACT)
    assert any(read_by_arrow) is by_arrow
    assert fast.frame.equals(slow.frame)
    assert list(fast.frame.dtypes) == list(slow.frame.dtypes)
    assert fast.quarantine.equals(slow.quarantine)
    assert fast.quarantined_rows.equals(slow.quarantined_rows)
    assert (fast.results, fast.input, fast.usable) == (slow.results, slow.input, slow.usable)
