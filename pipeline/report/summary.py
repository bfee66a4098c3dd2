"""`run_summary.json`: the per-run figures later runs chart (decisions, revenue at risk, quarantine).

Invariant: a summary is a function of the report inputs alone (no clock, no storage), so rerunning a
run rewrites the same summary; money stays a decimal string per currency.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from pipeline.policy.definition import TenantDecision
from pipeline.policy.tenants import TenantRule
from pipeline.reconcile.billing import AT_RISK_DECISIONS
from pipeline.report.cases import text
from pipeline.report.records import ReportInputs, RunSummary


def quarantine_counts(quarantine: pd.DataFrame) -> dict[str, int]:
    """Quarantined rows per dataset; partner datasets as partner/dataset when a partner column is given."""
    if quarantine.empty:
        return {}
    dataset = quarantine["dataset"].map(text)
    if "partner" in quarantine.columns:
        partner = quarantine["partner"].map(text)
        dataset = (partner + "/" + dataset).where(partner != "", dataset)
    return {str(k): int(v) for k, v in sorted(dataset.value_counts().items())}


def decision_counts(decisions: pd.DataFrame, partners: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Tenants per partner and decision, every decision present (zero when none)."""
    counts = decisions.groupby(["partner", "decision"]).size() if not decisions.empty else pd.Series(dtype="int64")
    out: dict[str, dict[str, int]] = {}
    for p in partners:
        out[p] = {d.value: int(counts.get((p, d.value), 0)) for d in TenantDecision}
    return out


def decided(inputs: ReportInputs) -> bool:
    """Whether the run decided its tenants: a complete run did; a stopped one only if decisions exist."""
    return not inputs.stopped or not inputs.decisions.empty


def summarise(inputs: ReportInputs) -> RunSummary:
    """The run's summary, as written to `run_summary.json` beside its report."""
    partners = inputs.all_partners()
    revenue: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    gaps: dict[str, int] = {}
    rec = inputs.reconciliation
    if rec is not None:
        for row in rec.revenue.to_dict("records"):
            if row["decision"] in AT_RISK_DECISIONS:
                node = revenue.setdefault(str(row["partner"]), {}).setdefault(str(row["decision"]), {})
                node.setdefault(str(row["basis"]), {})[str(row["currency"])] = str(row["amount"])
        counted = rec.gaps["partner"].value_counts()
        gaps = {p: int(counted.get(p, 0)) for p in rec.assessed_partners}
    changes = (
        {p.partner: {"added": p.added, "lifted": p.lifted, "changed": p.changed} for p in inputs.gate.partners}
        if inputs.gate is not None
        else {}
    )
    return RunSummary(
        run_id=inputs.run_id,
        logical_date=inputs.logical_date,
        policy_id=inputs.policy_id,
        policy_version=inputs.policy_version,
        # A run stopped before deciding has no decision counts: absent, never zeros (which would read as "none").
        decisions=decision_counts(inputs.decisions, partners) if decided(inputs) else {},
        revenue_at_risk=revenue,
        enforcement_gaps=gaps,
        changes=dict(sorted(changes.items())),
        quarantine=quarantine_counts(inputs.quarantine),
        checks=dict(sorted(Counter(r.outcome.value for v in inputs.validation for r in v.results).items())),
        stopped=tuple(f"{s.stage}/{s.partner}" if s.partner else s.stage for s in inputs.stopped),
        escalated=escalated_counts(inputs.decisions),
        sources=dict(inputs.sources),
    )


def escalated_counts(decisions: pd.DataFrame) -> dict[str, int]:
    """Per partner, the decisions escalated for staying in review too long (rule `review_overdue`)."""
    if decisions.empty:
        return {}
    overdue = decisions["rules"].astype("str").str.contains(f'"{TenantRule.REVIEW_OVERDUE}"', regex=False)
    counts = decisions.loc[overdue, "partner"].astype("str").value_counts()
    return {str(p): int(n) for p, n in sorted(counts.items())}
