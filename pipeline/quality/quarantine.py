"""Quarantined rows: what was excluded from a dataset, by which rule, and where it came from.

Invariant: every excluded row becomes exactly one QUARANTINE row per rule it broke, carrying the
dataset, the rule id, its severity, a message, the source file and line, and the row itself as JSON
(so a reviewer can see it without the input). Frames built here always have the QUARANTINE columns,
in order; `source_line` is a nullable integer (rows that did not come from a file line have none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline import jsonio
from pipeline.datasets import QUARANTINE
from pipeline.quality.contracts import Severity
from pipeline.quality.results import plain


@dataclass(frozen=True)
class Quarantined:
    dataset: str
    rule: str
    severity: Severity
    message: str
    source_uri: str | None
    source_line: int | None
    record: str  # the row as JSON


def record_json(row: Mapping[str, Any]) -> str:
    return jsonio.compact({str(k): plain(v) for k, v in row.items()})


def quarantine_frame(items: Iterable[Quarantined]) -> pd.DataFrame:
    rows = list(items)
    frame = pd.DataFrame(
        {
            "dataset": pd.Series([q.dataset for q in rows], dtype="str"),
            "rule": pd.Series([q.rule for q in rows], dtype="str"),
            "severity": pd.Series([q.severity.value for q in rows], dtype="str"),
            "message": pd.Series([q.message for q in rows], dtype="str"),
            "source_uri": pd.Series([q.source_uri for q in rows], dtype="str"),
            "source_line": pd.Series([q.source_line for q in rows], dtype="Int64"),
            "record": pd.Series([q.record for q in rows], dtype="str"),
        }
    )
    return frame.loc[:, list(QUARANTINE.columns)]


def concat_quarantine(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [f for f in frames if len(f)]
    if not parts:
        return quarantine_frame([])
    out = pd.concat(parts, ignore_index=True)
    out["source_line"] = out["source_line"].astype("Int64")
    return out.loc[:, list(QUARANTINE.columns)]
