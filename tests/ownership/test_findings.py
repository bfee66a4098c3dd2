"""Findings frames: the order and columns every stage relies on."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.findings import FINDING_COLUMNS, Check, Finding, Severity, findings_frame, merge_findings

texts = st.text(alphabet=st.sampled_from(["a", "B", "é", "中", "1", " ", "_"]), max_size=3)
findings = st.builds(Finding, st.sampled_from(list(Check)), st.sampled_from(list(Severity)), texts, texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(findings, max_size=30))
def test_findings_frame_is_the_frame_sorted_as_merge_findings_sorts(found: list[Finding]) -> None:
    rows = [(str(f.check), str(f.severity), f.entity_id, f.message) for f in found]
    # merge_findings sorts a frame in pandas; findings_frame sorts the rows first: one order for both.
    expected = merge_findings(pd.DataFrame(rows, columns=list(FINDING_COLUMNS), dtype="str"))
    pd.testing.assert_frame_equal(findings_frame(found), expected)
