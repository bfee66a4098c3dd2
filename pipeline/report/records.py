"""What the run report is made from: typed records for checks, the gate, publications, and the inputs.

Invariant: every record here is immutable and validated when built; a producer's JSON that does not
fit (unknown key, unknown status or severity) is rejected with the source and the item named, so the
report never shows a check it misread. Frames keep the columns of pipeline/datasets.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from pipeline import datasets as ds
from pipeline.errors import RunStopped
from pipeline.ownership.source_format import SourceFigures  # light: a run summary's field type

if TYPE_CHECKING:  # annotations only: `recon explain` reads run summaries without loading these stages
    from pipeline.publish.gate import GateResult
    from pipeline.publish.manifest import PublishedList
    from pipeline.quality.results import ValidationReport
    from pipeline.reconcile import Reconciliation

_PARTNER_IN_SCOPE = re.compile(r"\bpartner=([^\s/]+)")


class ReportInputError(RunStopped, ValueError):
    """A report input does not have the expected shape; the message names the source and the item."""


def partner_of(report: ValidationReport) -> str:
    """The partner a validation report is about (`partner=<p>` in its scope), or "" for run-wide ones."""
    found = _PARTNER_IN_SCOPE.search(report.scope)
    return found.group(1) if found else ""


class StopRecord(BaseModel):
    """Why a run stopped: the stage (and partner) that stopped it and its message, as the stage runner
    recorded it (`pipeline.run.stages.record_stop`). `deliberate` is a stop on purpose (a failed check, the
    gate, bad input), as opposed to an unexpected error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str
    partner: str | None = None
    error: str
    message: str
    deliberate: bool


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
    # partner -> {"added": n, "lifted": n, "changed": n} against the last published list (the gate's diff)
    changes: dict[str, dict[str, int]] = {}
    # dataset (partner/dataset for partner datasets) -> quarantined rows
    quarantine: dict[str, int] = {}
    # check outcome (passed, quarantined, warned, info, failed) -> number of checks
    checks: dict[str, int] = {}
    # the stages that stopped the run ("stage" or "stage/partner"); empty for a complete run
    stopped: tuple[str, ...] = ()
    # partner -> cases open longer than the policy's review.max_nights (escalated: rule review_overdue)
    escalated: dict[str, int] = {}
    # ownership source key (`source_keys`) -> how new and big it was: the next run's size check compares
    sources: dict[str, SourceFigures] = {}

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

    - `validation`: every stage's `ValidationReport` (pipeline.quality), as written to its
      validation.json; a report whose scope names `partner=<p>` is that partner's.
    - `quarantine`: the QUARANTINE rows of every stage, concatenated; an extra `partner` column, when
      present, tells the partners' datasets apart (aws/billing vs gcp/billing).
    - `gate`: the safety gate's result (gate.json), None when the run stopped before the gate. Its
      per-partner diff (added, lifted, changed rows) is what "changed since the last run" shows, also
      when the gate blocked publishing.
    - `published`: per partner, the list in force after this run (`read_published` for this date, else
      `last_published`); whether this run published it is read from its manifest.
    - `interests`: the INTERESTS frame, when available, to show the declared stake on each hop of an
      ownership chain; without it the chain shows entities and the engine's evidence only.
    - `history`: earlier runs' summaries (oldest first); this run's own summary is added by the report.
    - `partners`: the configured partners, so that a partner with no rows at all still shows.
    - `exemptions`: every exemption's state, what it applied to and its problems, as the decide stage
      wrote them (`pipeline.policy.exemptions.review_exemptions`); None when the run did not get there.
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
    exemptions: pd.DataFrame | None = None
    reconciliation: Reconciliation | None = None
    validation: tuple[ValidationReport, ...] = ()
    quarantine: pd.DataFrame = field(default_factory=lambda: _empty(ds.QUARANTINE))
    gate: GateResult | None = None
    published: Mapping[str, PublishedList] = field(default_factory=dict)
    # partner -> the key column of its list format (`ListFormat.key`): the gate's diff rows are keyed by it.
    list_keys: Mapping[str, str] = field(default_factory=dict)
    history: tuple[RunSummary, ...] = ()
    history_problems: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    # Why the run stopped, when it did; a stopped run's report shows what the run left behind.
    stopped: tuple[StopRecord, ...] = ()
    # (partner, tenant_id) -> why its list row changed, when a change of the supported list since the
    # list compared with flipped a jurisdiction the tenant is tied to (`pipeline.policy.list_change`).
    list_causes: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # (partner, tenant id) -> {basis: {currency: amount}}: the counted billing of the tenants in review,
    # which orders the review queue (`pipeline.reconcile.billing.revenue_per_tenant`).
    review_revenue: Mapping[tuple[str, str], Mapping[str, Mapping[str, Decimal]]] = field(default_factory=dict)
    # The first and last day of the billing lines read (every money figure covers this period); None: none.
    billing_period: tuple[str, str] | None = None
    # The run configuration, named in the command that resolves a case (`recon review decide --config`).
    config_uri: str = ""
    # review.max_nights of the policy: a case open longer is escalated.
    max_nights: int = 7
    # The previous complete run's DECISIONS and INTERESTS (None when there is none): what each list row
    # changed from (`pipeline.report.why`).
    previous_decisions: pd.DataFrame | None = None
    previous_interests: pd.DataFrame | None = None
    # ownership source key -> its figures as extraction counted them (empty when it did not get that far).
    sources: Mapping[str, SourceFigures] = field(default_factory=dict)

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

    def list_key(self, partner: str) -> str:
        """The column of the partner's list rows that holds the tenant id."""
        if partner in self.list_keys:
            return self.list_keys[partner]
        if partner in self.published:
            return self.published[partner].manifest.key
        raise ReportInputError(f"report inputs: no list key for partner {partner!r} (give `list_keys`)")

    def all_partners(self) -> tuple[str, ...]:
        found = set(self.partners)
        for frame in (self.decisions, self.tenants):
            found |= {str(p) for p in frame["partner"].dropna().unique()}
        found |= set(self.published) | set(self.list_keys)
        if self.gate is not None:
            found |= {p.partner for p in self.gate.partners}
        return tuple(sorted(found))
