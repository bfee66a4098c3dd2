"""One file of a partner's dated drop (GCP, Azure): read whole, parsed, deduplicated and checked.

Invariant: a missing required file, or a required one that holds no records, is an error finding (an
absent export must never read as "nobody to revoke"); a missing optional one is a warning. The rows that
pass the file's contract, the quarantined ones and the counts come back together, for the reader to map.
Pure: the file comes as bytes in the `PartnerDrop`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pipeline.partners.base import PartnerDrop, RawCheck
from pipeline.partners.files import InputFile, RawRead, drop_identical, empty_rows, parse_csv, parse_jsonl
from pipeline.quality.contracts import Contract, Scope, Severity, load_contract
from pipeline.quality.quarantine import concat_quarantine, quarantine_frame
from pipeline.quality.results import CheckResult, DatasetCounts, Source


@dataclass(frozen=True)
class DropFile:
    attr: str  # the partner's files setting (GcpFiles, AzureFiles) naming the path
    contract: str
    required: bool
    json_lines: bool


@dataclass(frozen=True, eq=False)
class DropData:
    contract: Contract
    rows: pd.DataFrame  # rows that passed the file's contract
    quarantine: pd.DataFrame
    results: tuple[CheckResult, ...]
    inputs: tuple[InputFile, ...]
    counts: DatasetCounts  # rows read, kept and set aside, for the stage's quarantine-share check


def read_drop_file(drop: PartnerDrop, uri: str, spec: DropFile, logical_date: dt.date, check: RawCheck) -> DropData:
    """One file of a dated drop, at `uri`, checked against its contract."""
    contract = load_contract(spec.contract)
    name = contract.name
    severity = Severity.ERROR if spec.required else Severity.WARN
    data = drop.get(uri)
    if data is None:
        missing = CheckResult(
            name,
            "export.missing",
            severity,
            Scope.DATASET,
            False,
            f"{uri} is missing: the {spec.attr} export for {logical_date} did not arrive"
            + (" (an absent export must never read as 'nobody to revoke')" if spec.required else ""),
            source=Source.READER,
        )
        return DropData(
            contract, empty_rows(contract), quarantine_frame([]), (missing,), (), DatasetCounts(name, name, 0, 0, 0)
        )
    parse = parse_jsonl if spec.json_lines else parse_csv
    read: RawRead = parse(uri, data, contract, broken=severity)
    results = list(read.results)
    frame, dup_results = drop_identical(read.frame, list(contract.column_names), name, list(contract.key))
    results.extend(dup_results)
    v = check(frame, contract)
    results.extend(v.results)
    if read.usable and spec.required and len(frame) == 0 and len(read.quarantine) == 0:
        results.append(
            CheckResult(
                name,
                "export.empty",
                Severity.ERROR,
                Scope.DATASET,
                False,
                f"{uri} holds no records: an empty export must never read as 'nobody to revoke'",
                source=Source.READER,
            )
        )
    rows_read = len(frame) + len(read.quarantine)
    bad = len(read.quarantine) + len(frame) - len(v.valid)
    quarantine = concat_quarantine([read.quarantine, v.quarantine])
    counts = DatasetCounts(name, name, rows_read, rows_read - bad, bad)
    return DropData(contract, v.valid, quarantine, tuple(results), (read.input,), counts)
