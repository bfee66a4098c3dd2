"""What reading one partner's export for one logical date produces, whatever the partner.

Invariant: a `PartnerExtract` holds the canonical frames (exactly the TENANTS, ENTITLEMENTS,
BILLING and QUARANTINE columns, in order), the fingerprint of every input file read, and the
validation of everything read. Readers never raise on bad data: every problem is in `validation`
(and bad rows in `quarantine`); the caller writes the outputs and the report, then calls
`validation.raise_for_errors()`, so a stopped run still leaves its evidence behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.datasets import QUARANTINE, Dataset, conform
from pipeline.partners.files import InputFile
from pipeline.quality.results import ValidationReport


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
