"""Partner configurations for the fixture worlds, partner drops built from fixture folders in memory,
and raw checks that reject chosen rows.

The readers are pure: a test hands them bytes, never a storage client, and a `RawCheck` in place of
the raw contracts' Great Expectations checks (those run once, in tests/quality).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.config import AwsFeeds, PartnerConfig, PartnerKind
from pipeline.partners import PartnerDrop
from pipeline.quality.contracts import Contract, Severity
from pipeline.quality.quarantine import Quarantined, quarantine_frame, record_json
from pipeline.quality.results import CheckResult

FIXTURES = Path(__file__).parent / "fixtures"
LOGICAL_DATE = dt.date(2026, 11, 20)
SELLER = "acc-seller"


def aws_partner(inbox: str, **feeds: object) -> PartnerConfig:
    return PartnerConfig(
        name="aws",
        kind=PartnerKind.AWS,
        inbox=inbox,
        outbox=inbox.rstrip("/") + "-out",
        seller_account_id=SELLER,
        aws_feeds=AwsFeeds(**{"months_back": 2, **feeds}),  # type: ignore[arg-type]
    )


def gcp_partner(inbox: str) -> PartnerConfig:
    return PartnerConfig(name="gcp", kind=PartnerKind.GCP, inbox=inbox, outbox=inbox.rstrip("/") + "-out")


def azure_partner(inbox: str) -> PartnerConfig:
    return PartnerConfig(name="azure", kind=PartnerKind.AZURE, inbox=inbox, outbox=inbox.rstrip("/") + "-out")


def drop_of(folder: Path, root: str, edit: Callable[[str, bytes], bytes | None] | None = None) -> PartnerDrop:
    """Every file under `folder` as it would be fetched from `root` (`root/<relative path>`); `edit` may
    change a file's bytes (given its relative path) or leave it out (by returning None)."""
    files: dict[str, bytes] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        data: bytes | None = path.read_bytes()
        if edit is not None:
            data = edit(relative, data)
        if data is not None:
            files[f"{root.rstrip('/')}/{relative}"] = data
    return PartnerDrop(files)


@dataclass(frozen=True, eq=False)
class Rejected:
    valid: pd.DataFrame
    quarantine: pd.DataFrame
    results: tuple[CheckResult, ...] = ()


@dataclass
class Reject:
    """A `RawCheck` that quarantines the rows at the given (file URI ending, line) with a rule, as a raw
    contract's row rule would, and lets every other row pass; it remembers each call (contract, rows)."""

    lines: Mapping[tuple[str, int], str] = field(default_factory=dict)
    seen: list[tuple[str, int]] = field(default_factory=list)

    def rule(self, uri: str, line: int) -> str | None:
        return next((rule for (end, at), rule in self.lines.items() if uri.endswith(end) and at == line), None)

    def __call__(self, rows: pd.DataFrame, contract: Contract, /) -> Rejected:
        self.seen.append((contract.name, len(rows)))
        rules = [self.rule(str(u), int(n)) for u, n in zip(rows["source_uri"], rows["source_line"], strict=True)]
        quarantined = [
            Quarantined(
                contract.name,
                rule,
                Severity.ERROR,
                f"rejected by {rule}",
                str(row["source_uri"]),
                int(row["source_line"]),
                record_json(row),
            )
            for rule, row in zip(rules, rows.to_dict("records"), strict=True)
            if rule is not None
        ]
        keep = [rule is None for rule in rules]
        return Rejected(rows.loc[keep].reset_index(drop=True), quarantine_frame(quarantined))
