"""The published CSV form: deterministic, spreadsheet-safe, strict about the list's shape."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.lists_vocabulary import neutralise
from pipeline.partners.aws.revocations import LIST_FORMAT as AWS
from pipeline.publish.lists import ListFormat, ListFormatError, from_csv_bytes, to_csv_bytes, validate_list
from tests.publish.builders import aws_row


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "' =1"),  # carriage return quoted, then line breaks become spaces
        ("a\nb\r\nc", "a b  c"),
        ("prod-a", "prod-a"),
        ("", ""),
        ("'=already", "'=already"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


@given(st.text())
def test_neutralise_is_idempotent_and_never_leaves_a_formula(cell: str) -> None:
    once = neutralise(cell)
    assert neutralise(once) == once
    assert not once.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert "\n" not in once and "\r" not in once


def test_csv_is_deterministic_sorted_and_neutralised() -> None:
    rows = [aws_row("200000000000"), aws_row("000000000001", product_codes="=cmd|' /C calc'!A0")]
    a = to_csv_bytes(pd.DataFrame(rows), AWS.columns)
    b = to_csv_bytes(pd.DataFrame(list(reversed(rows))), AWS.columns)
    assert a == b
    text = a.decode("utf-8")
    assert "\r" not in text and text.endswith("\n")
    lines = text.split("\n")
    assert lines[0] == ",".join(AWS.columns)
    assert lines[1].startswith("000000000001,")  # leading zeros kept, sorted by key
    assert ",'=cmd|' /C calc'!A0," in lines[1]
    assert not a.startswith(b"\xef\xbb\xbf")  # no BOM


def test_csv_keeps_non_ascii_as_utf8_and_quotes_commas() -> None:
    data = to_csv_bytes(pd.DataFrame([aws_row("000000000001", explanation="Zürich, 北京")]), AWS.columns)
    assert '"Zürich, 北京"'.encode() in data
    back = from_csv_bytes(data, "x.csv")
    assert back.loc[0, "explanation"] == "Zürich, 北京"


def test_missing_cells_are_written_empty() -> None:
    df = pd.DataFrame([aws_row("000000000001", product_codes="")])
    df.loc[0, "agreement_ids"] = None
    back = from_csv_bytes(to_csv_bytes(df, AWS.columns), "x.csv")
    assert back.loc[0, "product_codes"] == "" and back.loc[0, "agreement_ids"] == ""


SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)


@given(st.lists(st.tuples(SAFE_TEXT, SAFE_TEXT), max_size=8))
def test_written_read_and_written_again_gives_the_same_bytes(cells: list[tuple[str, str]]) -> None:
    fmt_cols = ("k", "v")
    df = pd.DataFrame(cells, columns=list(fmt_cols), dtype="str")
    first = to_csv_bytes(df, fmt_cols)
    again = to_csv_bytes(from_csv_bytes(first, "x.csv"), fmt_cols)
    assert again == first


def test_from_csv_rejects_ragged_rows_and_non_utf8() -> None:
    with pytest.raises(ListFormatError, match=r"x\.csv: line 2 has 1 cells, the header has 2"):
        from_csv_bytes(b"a,b\n1\n", "x.csv")
    with pytest.raises(ListFormatError, match=r"x\.csv: not UTF-8"):
        from_csv_bytes(b"a\n\xff\n", "x.csv")
    with pytest.raises(ListFormatError, match="empty file"):
        from_csv_bytes(b"", "x.csv")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([aws_row("1"), aws_row("1")], r"aws_account_id '1' is listed more than once"),
        ([aws_row("")], r"row 1: empty aws_account_id"),
        ([aws_row("1", decision="allow")], r"decision 'allow', a snapshot lists only 'revoke'"),
        ([aws_row("1", effective_date="26/11/2026")], r"effective_date '26/11/2026' is not a YYYY-MM-DD date"),
        ([aws_row("1", listed_since="2026-12-11")], r"listed_since 2026-12-11 is after effective_date"),
    ],
)
def test_validate_list_names_the_row_and_rule(rows: list[dict[str, str]], expected: str) -> None:
    with pytest.raises(ListFormatError, match=expected):
        validate_list(pd.DataFrame(rows), AWS, "aws list")


def test_validate_list_requires_the_exact_columns() -> None:
    df = pd.DataFrame([aws_row("1")]).drop(columns=["explanation"])
    with pytest.raises(ListFormatError, match=r"aws list: columns .* differ from aws_revocation_list"):
        validate_list(df, AWS, "aws list")


def test_a_format_must_lead_with_its_key_and_have_the_common_columns() -> None:
    with pytest.raises(ValueError, match="must be the first column"):
        ListFormat("x", "k", ("decision", "k"))
    with pytest.raises(ValueError, match="lacks the common columns"):
        ListFormat("x", "k", ("k", "decision"))


def test_tenant_view_names_the_key_tenant_id_for_partner_neutral_readers() -> None:
    from pipeline.publish.lists import tenant_view

    view = tenant_view(pd.DataFrame([aws_row("000000000001")]), AWS)
    assert view.columns[0] == "tenant_id" and view.loc[0, "tenant_id"] == "000000000001"
    assert "effective_date" in view.columns and "aws_account_id" not in view.columns
