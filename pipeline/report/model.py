"""What the run report is made from: typed records for checks, the gate, publications, and the inputs.

Invariant: every record here is immutable and validated when built; a producer's JSON that does not
fit (unknown key, unknown status or severity) is rejected with the source and the item named, so the
report never shows a check it misread. Frames keep the columns of pipeline/datasets.py.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from pipeline import datasets as ds
from pipeline.reconcile import Reconciliation


class Severity(enum.StrEnum):
    ERROR = "error"  # a failure stops the run
    WARN = "warn"  # a failure is reported


class CheckStatus(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"  # failed, at warn severity
    FAIL = "fail"  # failed, at error severity


Scalar = str | int | float | bool | None


class CheckResult(BaseModel):
    """One data-quality check of one dataset in one run, as the quality stage records it.

    `rows` is how many rows the check looked at, `failed` how many failed it (both absent for a
    dataset-level check such as "file present"); `sample` holds a few failing rows (column -> value).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    check: str
    severity: Severity
    status: CheckStatus
    partner: str | None = None
    rows: int | None = None
    failed: int | None = None
    message: str = ""
    sample: tuple[dict[str, Scalar], ...] = ()


class ReportInputError(ValueError):
    """A report input does not have the expected shape; the message names the source and the item."""


def load_checks(doc: Any, source: str) -> tuple[CheckResult, ...]:
    """Check records from a validation JSON document: a list of records, or {"results": [...]}."""
    items = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ReportInputError(f"{source}: expected a list of check records (or an object with 'results')")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(CheckResult.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise ReportInputError(f"{source}: check record {i}: {problems}") from exc
    return tuple(out)


class GateStatus(enum.StrEnum):
    PASSED = "passed"  # within the limits
    APPROVED = "approved"  # over the limits, approved by a human for this run
    BLOCKED = "blocked"  # over the limits: nothing published until approved
    NOT_RUN = "not_run"  # the run stopped before the gate


@dataclass(frozen=True)
class GateResult:
    status: GateStatus
    messages: tuple[str, ...] = ()
    approved_by: str | None = None


class PublicationStatus(enum.StrEnum):
    PUBLISHED = "published"  # a new list for this date
    UNCHANGED = "unchanged"  # a rerun found the same list already published
    NOT_PUBLISHED = "not_published"  # gate blocked, run stopped, or partner failed


@dataclass(frozen=True)
class Publication:
    """One partner's publication in this run.

    `added` / `lifted` hold the delta against the last published list: at least a `tenant_id` column;
    other columns (effective_date, reasons, ...) are shown as given. `manifest` is the manifest
    document as written (shown key by key); `listed` is the number of rows in the full snapshot.
    """

    partner: str
    status: PublicationStatus
    listed: int = 0
    added: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"tenant_id": pd.Series([], dtype="str")}))
    lifted: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"tenant_id": pd.Series([], dtype="str")}))
    manifest_uri: str | None = None
    manifest: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("added", "lifted"):
            if "tenant_id" not in getattr(self, name).columns:
                raise ReportInputError(f"publication of {self.partner}: `{name}` lacks a tenant_id column")


class RunSummary(BaseModel):
    """`run_summary.json`: one run's headline figures, written by the report stage, read by later runs.

    Money stays a decimal string per currency (never a float, never converted); keys are partners,
    decisions (revoke/review), revenue bases (invoiced/usage_estimate) and ISO 4217 currencies.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    run_id: str
    logical_date: dt.date
    policy_id: str
    policy_version: str
    # partner -> decision -> tenants
    decisions: dict[str, dict[str, int]] = {}
    # partner -> decision -> basis -> currency -> amount (revoke and review only)
    revenue_at_risk: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    # partner -> tenants with activity after their revocation took effect (assessed partners only)
    enforcement_gaps: dict[str, int] = {}
    # partner -> {"added": n, "lifted": n} against the last published list
    changes: dict[str, dict[str, int]] = {}
    # dataset (partner/dataset for partner datasets) -> quarantined rows
    quarantine: dict[str, int] = {}
    # check status -> number of checks
    checks: dict[str, int] = {}

    @field_validator("revenue_at_risk")
    @classmethod
    def _decimal_strings(
        cls, value: dict[str, dict[str, dict[str, dict[str, str]]]]
    ) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
        for partner, per_decision in value.items():
            for per_basis in per_decision.values():
                for per_currency in per_basis.values():
                    for currency, amount in per_currency.items():
                        try:
                            ok = Decimal(amount).is_finite()
                        except InvalidOperation:
                            ok = False
                        if not ok:
                            raise ValueError(f"{partner}: {currency} amount {amount!r} is not a decimal string")
        return value


def _empty(dataset: ds.Dataset) -> pd.DataFrame:
    return ds.empty(dataset)


@dataclass(frozen=True)
class ReportInputs:
    """Everything one run's report shows. Frames have the columns of pipeline/datasets.py.

    - `quarantine`: the QUARANTINE rows of every stage, concatenated; an extra `partner` column, when
      present, tells the partners' datasets apart (aws/billing vs gcp/billing).
    - `interests`: the INTERESTS frame, when available, to show the declared stake on each hop of an
      ownership chain; without it the chain shows entities and the engine's evidence only.
    - `history`: earlier runs' summaries (oldest first); this run's own summary is added by the report.
    - `partners`: the configured partners, so that a partner with no rows at all still shows.
    """

    run_id: str
    logical_date: dt.date
    policy_id: str
    policy_version: str
    decisions: pd.DataFrame = field(default_factory=lambda: _empty(ds.DECISIONS))
    ownership: pd.DataFrame = field(default_factory=lambda: _empty(ds.OWNERSHIP))
    links: pd.DataFrame = field(default_factory=lambda: _empty(ds.LINKS))
    tenants: pd.DataFrame = field(default_factory=lambda: _empty(ds.TENANTS))
    interests: pd.DataFrame | None = None
    reconciliation: Reconciliation | None = None
    checks: tuple[CheckResult, ...] = ()
    quarantine: pd.DataFrame = field(default_factory=lambda: _empty(ds.QUARANTINE))
    gate: GateResult | None = None
    publications: tuple[Publication, ...] = ()
    history: tuple[RunSummary, ...] = ()
    history_problems: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, dataset in (
            ("decisions", ds.DECISIONS),
            ("ownership", ds.OWNERSHIP),
            ("links", ds.LINKS),
            ("tenants", ds.TENANTS),
            ("quarantine", ds.QUARANTINE),
        ):
            frame: pd.DataFrame = getattr(self, name)
            missing = [c for c in dataset.columns if c not in frame.columns]
            if missing:
                raise ReportInputError(f"report input `{name}` lacks columns {missing}")

    def all_partners(self) -> tuple[str, ...]:
        found = set(self.partners)
        for frame in (self.decisions, self.tenants):
            found |= {str(p) for p in frame["partner"].dropna().unique()}
        found |= {p.partner for p in self.publications}
        return tuple(sorted(found))
