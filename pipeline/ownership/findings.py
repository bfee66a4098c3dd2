"""Findings: data-quality observations the ownership code makes while reading and resolving.

Invariant: a finding never changes a result; it reports something a reviewer or the quality stage must
see (a reference to an unknown record, stakes over 100%, a cycle, a declared indirect share that does not
match the graph). Every finding frame has exactly `FINDING_COLUMNS`, and `severity` is a `Severity`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pandas as pd


class Severity(enum.StrEnum):
    ERROR = "error"
    WARN = "warn"
    INFO = "info"


class Check(enum.StrEnum):
    UNKNOWN_REFERENCE = "unknown_reference"
    SUBJECT_NOT_ENTITY = "subject_not_entity"
    RECORD_TYPE_CHANGED = "record_type_changed"
    EDGE_TO_UNKNOWN_RECORD = "edge_to_unknown_record"
    SELF_OWNERSHIP = "self_ownership"
    STAKES_OVER_100 = "stakes_over_100_percent"
    INVALID_SHARE = "invalid_share"
    OWNERSHIP_CYCLE = "ownership_cycle"
    MAJORITY_CYCLE = "majority_chain_cycle"
    MULTIPLE_MAJORITY_OWNERS = "multiple_majority_owners"
    DECLARED_INDIRECT_MISMATCH = "declared_indirect_mismatch"
    NOT_CONVERGED = "not_converged"
    DUPLICATE_ENTITY = "duplicate_entity"
    CONFLICTING_STATEMENT = "conflicting_statement_id"  # one statement id, versions that decide differently
    DUPLICATE_STATEMENT = "duplicate_statement_id"  # one statement id, versions that differ elsewhere only
    UNKNOWN_JURISDICTION = "unknown_jurisdiction_code"
    UNREAD_STATEMENT = "unread_statement"
    UNATTRIBUTED_STATEMENT = "unattributed_statement"
    SOURCE_CONFLICT = "source_conflict"  # merged sources disagree on a fact (pipeline.ownership.merge)


FINDING_COLUMNS = ("check", "severity", "entity_id", "message")


@dataclass(frozen=True)
class Finding:
    check: Check
    severity: Severity
    entity_id: str
    message: str


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    # Sorted here, as `_sorted` sorts a frame (Python's str order is pandas' `str` order: code points).
    rows = sorted(
        ((str(f.check), str(f.severity), f.entity_id, f.message) for f in findings), key=lambda r: (r[0], r[2], r[3])
    )
    columns = zip(*rows, strict=True) if rows else ((),) * len(FINDING_COLUMNS)
    return pd.DataFrame({c: pd.array(list(v), dtype="str") for c, v in zip(FINDING_COLUMNS, columns, strict=True)})


def merge_findings(*frames: pd.DataFrame) -> pd.DataFrame:
    """Several findings frames as one, in the same order `findings_frame` gives."""
    return _sorted(pd.concat(frames, ignore_index=True))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["check", "entity_id", "message"], kind="stable").reset_index(drop=True)
