"""The shape of OWNERSHIP's nested columns: the evidence of a decision, the chain and the rules.

Invariants:
- Declared once, here, as frozen dataclasses; the Arrow types the engine builds and Parquet stores are
  derived from them (`pipeline.nested.arrow_type`), and the `resolved_ownership` contract declares the
  same shape in ODCS terms (a test keeps the two in step; validation checks the column's type).
- Numbers stay numbers: a stake is its interval (`Stake`), never its text; `pipeline.formatting` writes
  the text when a person reads it.
- Every record has evidence. A record that is neither restricted nor under review, and a restricted
  root (its basis is its evidence: the `root_basis` column), has empty lists; a flagged record lists
  the roots its paths start from, its carrying holders (the first `MAX_OWNERS_LISTED`, largest stake
  first, and how many there were), its paths (at most `MAX_PATHS`, and whether there were more), the
  quarantined statements about it and the holders outside the data that could decide it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from pipeline import nested


@dataclass(frozen=True)
class Stake:
    """A holder's stake: the interval of its share (open bounds as in `stakes`), or control without
    shares (`control`, and no share at all)."""

    low: float | None
    low_open: bool
    high: float | None
    high_open: bool
    control: bool

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> Stake:
        return nested.of(cls, value)


@dataclass(frozen=True)
class Root:
    """Where a path starts: a restricted root (its basis, `incorporation:CN`), or a record held as
    possibly restricted because a statement about it could not be read (`data.unread_statement`)."""

    id: str
    basis: str


@dataclass(frozen=True)
class Owner:
    """A holder that carries restriction into the record, with its stake."""

    id: str
    name: str | None
    stake: Stake


@dataclass(frozen=True)
class Path:
    """Root first: the ids on the path and the stake of each step (one fewer than the ids)."""

    ids: tuple[str, ...]
    stakes: tuple[Stake, ...]


@dataclass(frozen=True)
class UnreadStatement:
    """A quarantined statement about the record."""

    statement_id: str | None
    record_id: str | None
    rule: str | None
    reason: str | None
    source_uri: str | None
    source_line: str | None


@dataclass(frozen=True)
class UnknownHolder:
    """A stake or control held in the record by a holder that is not in the data."""

    id: str
    stake: Stake


@dataclass(frozen=True)
class Evidence:
    roots: tuple[Root, ...]
    owners: tuple[Owner, ...]
    owners_total: int
    paths: tuple[Path, ...]
    paths_truncated: bool
    unread_statements: tuple[UnreadStatement, ...]
    unknown_holders: tuple[UnknownHolder, ...]

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> Evidence:
        return nested.of(cls, value)


STAKE_TYPE = nested.arrow_type(Stake)
ROOT_TYPE = nested.arrow_type(Root)
OWNER_TYPE = nested.arrow_type(Owner)
PATH_TYPE = nested.arrow_type(Path)
UNREAD_TYPE = nested.arrow_type(UnreadStatement)
UNKNOWN_HOLDER_TYPE = nested.arrow_type(UnknownHolder)
EVIDENCE_TYPE = nested.arrow_type(Evidence)
# `chain` (ids from the record up to its ultimate parent) and `rules` (rule ids).
IDS_TYPE = pa.large_list(pa.large_string())

STAKE_FIELDS = nested.field_names(Stake)

# The OWNERSHIP columns that hold nested values, and their types.
NESTED_COLUMNS = {"chain": IDS_TYPE, "rules": IDS_TYPE, "evidence": EVIDENCE_TYPE}
