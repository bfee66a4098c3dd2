"""What reading one partner's export for one logical date produces, whatever the partner.

Invariant: a `PartnerExtract` holds the canonical frames (exactly the TENANTS, ENTITLEMENTS,
BILLING and QUARANTINE columns, in order), the fingerprint of every input file read, and the
validation of everything read. Readers never raise on bad data: every problem is in `validation`
(and bad rows in `quarantine`); the caller writes the outputs and the report, then calls
`validation.raise_for_errors()`, so a stopped run still leaves its evidence behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.datasets import BILLING, ENTITLEMENTS, QUARANTINE, TENANTS, Dataset, conform
from pipeline.partners.files import InputFile
from pipeline.quality.cross import check_billed_accounts_known, check_export_present
from pipeline.quality.quarantine import Quarantined, concat_quarantine, quarantine_frame
from pipeline.quality.results import CheckResult, ValidationReport
from pipeline.quality.validate import validate_frame


def canonical_order(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The frame conformed to the dataset and sorted by its key (then lineage), so output bytes do not
    depend on the order of files or rows read."""
    keys = [*dataset.key, *(c for c in ("source_uri", "source_line") if c in dataset.columns)]
    return conform(frame.sort_values(keys, kind="stable", na_position="last"), dataset)


def quarantine_order(frame: pd.DataFrame) -> pd.DataFrame:
    return canonical_order(frame, QUARANTINE)


@dataclass(frozen=True, eq=False)
class PartnerExtract:
    partner: str
    logical_date: dt.date
    tenants: pd.DataFrame
    entitlements: pd.DataFrame
    billing: pd.DataFrame
    quarantine: pd.DataFrame
    inputs: tuple[InputFile, ...]
    validation: ValidationReport

    def inputs_json(self) -> list[dict[str, Any]]:
        return [i.to_json() for i in self.inputs]


@dataclass(frozen=True, eq=False)
class Canonical:
    """One canonical dataset as a reader built it, before its contract is checked: the frame, the rows
    the reader set aside while building it, and the reader's own check results."""

    dataset: Dataset
    frame: pd.DataFrame
    quarantined: Sequence[Quarantined] = ()
    results: Sequence[CheckResult] = ()


def finish_extract(
    partner: str,
    logical_date: dt.date,
    canonical: Sequence[Canonical],
    *,
    read_quarantine: Iterable[pd.DataFrame],
    inputs: Iterable[InputFile],
    report: ValidationReport,
    max_quarantine_share: float,
) -> PartnerExtract:
    """Check each canonical dataset against its contract (bad rows quarantined, counted against the
    share the reader already set aside), then the partner-level checks, into one `PartnerExtract`."""
    quarantines = list(read_quarantine)
    frames: dict[str, pd.DataFrame] = {}
    for item in canonical:
        report.extend(item.results)
        checked = validate_frame(
            canonical_order(item.frame, item.dataset),
            item.dataset.contract,
            dataset=item.dataset.name,
            max_quarantine_share=max_quarantine_share,
            prior_quarantined=len(item.quarantined),
        )
        report.extend(checked.results)
        report.count(checked.counts)
        quarantines += [quarantine_frame(item.quarantined), checked.quarantine]
        frames[item.dataset.name] = checked.valid
    report.add(check_export_present(partner, len(frames[TENANTS.name])))
    report.add(check_billed_accounts_known(partner, frames[TENANTS.name], frames[BILLING.name]))
    return PartnerExtract(
        partner=partner,
        logical_date=logical_date,
        tenants=frames[TENANTS.name],
        entitlements=frames[ENTITLEMENTS.name],
        billing=frames[BILLING.name],
        quarantine=quarantine_order(concat_quarantine(quarantines)),
        inputs=tuple(inputs),
        validation=report,
    )
