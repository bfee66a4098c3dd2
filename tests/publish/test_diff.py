"""The delta against the last published list: exact (it rebuilds the current list), and lifted rows say so."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.partners.aws.revocations import LIST_FORMAT as AWS
from pipeline.publish.diff import apply_delta, diff_lists
from pipeline.publish.lists import sort_rows
from tests.publish.builders import aws_row

D = dt.date(2026, 11, 26)


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(AWS.columns), dtype="str")


def test_added_changed_lifted() -> None:
    previous = frame([aws_row("000000000001"), aws_row("000000000002"), aws_row("000000000003")])
    current = frame(
        [aws_row("000000000001"), aws_row("000000000002", agreement_ids="agmt-1;agmt-9"), aws_row("000000000004")]
    )
    diff = diff_lists(previous, current, AWS, D)
    assert list(diff.added["aws_account_id"]) == ["000000000004"]
    assert list(diff.changed["aws_account_id"]) == ["000000000002"]
    assert list(diff.lifted["aws_account_id"]) == ["000000000003"]
    assert diff.unchanged == 1
    lifted = diff.lifted.iloc[0]
    assert lifted["decision"] == "allow"
    assert lifted["effective_date"] == "2026-11-26"
    assert lifted["explanation"].startswith("Revocation lifted from 2026-11-26")
    assert lifted["agreement_ids"] == "agmt-1"  # what the lifted revocation covered
    assert list(diff.delta["change"]) == ["added", "changed", "lifted"]
    assert diff.delta_bytes.decode().splitlines()[0] == "change," + ",".join(AWS.columns)


def test_first_list_is_all_added_and_an_empty_list_lifts_everything() -> None:
    current = frame([aws_row("000000000001"), aws_row("000000000002")])
    first = diff_lists(None, current, AWS, D)
    assert len(first.added) == 2 and len(first.lifted) == 0
    emptied = diff_lists(current, frame([]), AWS, D)
    assert len(emptied.lifted) == 2 and len(emptied.added) == 0


def test_identical_lists_have_an_empty_delta() -> None:
    current = frame([aws_row("000000000001")])
    diff = diff_lists(current, current.iloc[::-1], AWS, D)
    assert diff.delta.empty and diff.unchanged == 1
    assert diff.delta_bytes == ("change," + ",".join(AWS.columns) + "\n").encode()


ACCOUNTS = st.sampled_from([f"{i:012d}" for i in range(8)])
ROW = st.builds(
    lambda account, agreements, codes: aws_row(account, agreement_ids=agreements, reason_codes=codes),
    ACCOUNTS,
    st.sampled_from(["", "agmt-1", "agmt-1;agmt-2"]),
    st.sampled_from(["entity_restricted", "restricted_payer"]),
)
LIST = st.lists(ROW, max_size=8, unique_by=lambda r: r["aws_account_id"]).map(frame)


@settings(max_examples=60, deadline=None)
@given(LIST, LIST)
def test_the_delta_rebuilds_the_current_list_exactly(previous: pd.DataFrame, current: pd.DataFrame) -> None:
    diff = diff_lists(previous, current, AWS, D)
    assert apply_delta(previous, diff.delta, AWS).equals(sort_rows(current, AWS.columns))
    assert len(diff.added) + len(diff.changed) + diff.unchanged == len(current)
    assert len(diff.lifted) + len(diff.changed) + diff.unchanged == len(previous)
    # Row order never matters.
    shuffled = diff_lists(previous.iloc[::-1], current.iloc[::-1], AWS, D)
    assert shuffled.delta_bytes == diff.delta_bytes


def test_a_formula_cell_compares_equal_to_its_published_neutralised_form() -> None:
    from pipeline.publish.lists import from_csv_bytes, to_csv_bytes

    current = frame([aws_row("000000000001", product_codes="=1+1")])
    published = from_csv_bytes(to_csv_bytes(current, AWS.columns), "x.csv")
    assert published.loc[0, "product_codes"] == "'=1+1"
    diff = diff_lists(published, current, AWS, D)
    assert diff.delta.empty and diff.unchanged == 1
