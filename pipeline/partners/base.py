"""What a partner reader is given and what it gives back, whatever the partner.

Invariant: a reader is pure. It is given the export's files as bytes (`PartnerDrop`), the partner's
configuration, the logical date and a `RawCheck` (the raw contracts' row checks, which the stage runs with
Great Expectations), and returns an `Extracted`: the canonical TENANTS, ENTITLEMENTS and BILLING frames
(exactly their columns, in canonical order) before their own contracts are checked, every record it set
aside (QUARANTINE columns, with file, line and rule), its findings as `CheckResult`s, the row counts of
each raw dataset and the fingerprint of every file. Readers never raise on bad data and never judge a
quarantine share: the stage does both, after it has written the evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from pipeline.datasets import LINEAGE, Dataset, conform
from pipeline.partners.files import InputFile
from pipeline.quality.contracts import Contract
from pipeline.quality.quarantine import Quarantined, quarantine_frame
from pipeline.quality.results import CheckResult, DatasetCounts


@dataclass(frozen=True, eq=False)
class PartnerDrop:
    """The files of one partner's export that exist, as bytes by URI (a file absent here was not delivered)."""

    files: Mapping[str, bytes] = field(default_factory=dict)

    def get(self, uri: str) -> bytes | None:
        return self.files.get(uri)


class Checked(Protocol):
    """Rows checked against a contract: those that pass its `error` row rules, the quarantined ones, and
    a result per rule (`pipeline.quality.validate_frame` gives exactly this)."""

    @property
    def valid(self) -> pd.DataFrame: ...

    @property
    def quarantine(self) -> pd.DataFrame: ...

    @property
    def results(self) -> Sequence[CheckResult]: ...


class RawCheck(Protocol):
    """Checks the rows of a raw partner dataset against its contract (the rows keep their lineage)."""

    def __call__(self, rows: pd.DataFrame, contract: Contract, /) -> Checked: ...


@dataclass(frozen=True, eq=False)
class Unchecked:
    valid: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=lambda: quarantine_frame([]))
    results: Sequence[CheckResult] = ()


def unchecked(rows: pd.DataFrame, contract: Contract, /) -> Unchecked:
    """A `RawCheck` that lets every row pass: for reading an export whose raw rows need no contract check
    (tests of the mapping, benchmarks of the reader alone)."""
    return Unchecked(rows)


def canonical_order(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The frame conformed to the dataset and sorted by its key (then lineage), so output bytes do not
    depend on the order of files or rows read."""
    keys = [*dataset.key, *(c for c in LINEAGE if c in dataset.columns)]
    return conform(frame.sort_values(keys, kind="stable", na_position="last"), dataset)


@dataclass(frozen=True, eq=False)
class Canonical:
    """One canonical dataset as a reader built it, before its contract is checked: the frame (the
    dataset's columns, in canonical order), the rows the reader set aside while building it (they count
    in the dataset's quarantine share), and what the reader found while building it."""

    dataset: Dataset
    frame: pd.DataFrame
    quarantine: pd.DataFrame
    results: tuple[CheckResult, ...] = ()


def canonical(
    dataset: Dataset, frame: pd.DataFrame, quarantined: Sequence[Quarantined] = (), results: Iterable[CheckResult] = ()
) -> Canonical:
    return Canonical(dataset, canonical_order(frame, dataset), quarantine_frame(quarantined), tuple(results))


@dataclass(frozen=True, eq=False)
class Extracted:
    """One partner's export for one logical date as its reader read it (see the module docstring)."""

    partner: str
    logical_date: dt.date
    # Per raw dataset (a feed, a file of the drop), in the order read: what reading and its RawCheck found,
    # the records set aside, and the rows read, kept and set aside.
    results: tuple[CheckResult, ...]
    quarantine: pd.DataFrame
    counts: tuple[DatasetCounts, ...]
    tenants: Canonical
    entitlements: Canonical
    billing: Canonical
    inputs: tuple[InputFile, ...]

    @property
    def canonical(self) -> tuple[Canonical, Canonical, Canonical]:
        return (self.tenants, self.entitlements, self.billing)

    def inputs_json(self) -> list[dict[str, Any]]:
        return [i.to_json() for i in self.inputs]
