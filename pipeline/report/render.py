"""The run report: one self-contained HTML page a data engineer reads in two minutes.

Invariant: the page needs nothing but itself: inline CSS, charts as inline SVG drawn here, no script,
no font, no image, no link that loads anything (a Content-Security-Policy of `default-src 'none'` makes
the browser refuse any that slipped in). Everything that came from input data reaches the page through
Jinja2 with autoescaping on, so a company called `<script>` shows as text. The page is a function of
its inputs: the same inputs give the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import jinja2
import pandas as pd

from pipeline import formatting, jsonio
from pipeline.policy.definition import TenantDecision
from pipeline.policy.exemptions import EXPIRING_WITHIN_DAYS, ExemptionProblem, ExemptionState
from pipeline.publish.manifest import GateStatus
from pipeline.quality.results import Outcome
from pipeline.reconcile.billing import AT_RISK_DECISIONS, NO_DECISION, RevenueBasis
from pipeline.report import charts
from pipeline.report.cases import Case, CaseBuilder, fraction, records, text
from pipeline.report.records import ReportInputs, RunSummary, partner_of
from pipeline.report.summary import decided, summarise
from pipeline.report.why import why_changed
from pipeline.review.apply import nights_open, priority

MAX_ROWS = 200  # rows shown per table; the rest are counted, and `recon explain` reaches any of them
MAX_CASES = 100  # review cases shown with their full evidence chain
HISTORY_RUNS = 14  # runs shown in the history charts, this one included
DECISIONS = tuple(d.value for d in TenantDecision)
BASIS_LABELS = {RevenueBasis.INVOICED.value: "invoiced", RevenueBasis.USAGE_ESTIMATE.value: "usage (estimated)"}
PARTNER_SERIES = 6  # the palette has p0..p5; more partners reuse colours
OUTCOME_ORDER = {
    o.value: i
    for i, o in enumerate((Outcome.FAILED, Outcome.QUARANTINED, Outcome.WARNED, Outcome.INFO, Outcome.PASSED))
}


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=True,  # on for every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["share_range"] = lambda low, high: formatting.share_range(fraction(low), fraction(high), "–")
    env.filters["px"] = lambda v: f"{float(v):.1f}"
    return env


def render_report(inputs: ReportInputs) -> str:
    """The report page for one run (UTF-8 HTML text)."""
    summary = summarise(inputs)
    partners = inputs.all_partners()
    earlier = tuple(h for h in inputs.history if h.run_id != inputs.run_id)
    runs = (*earlier, summary)[-HISTORY_RUNS:]
    previous = earlier[-1] if earlier else None
    context = {
        "run": {
            "run_id": inputs.run_id,
            "logical_date": inputs.logical_date.isoformat(),
            "policy_id": inputs.policy_id,
            "policy_version": inputs.policy_version,
            "partners": partners,
        },
        "decisions": DECISIONS,
        "headline": _headline(inputs, summary, partners),
        "changes": _changes(inputs, summary, previous, partners),
        "review": _review(inputs),
        "exemptions": _exemptions(inputs),
        "gaps": _gaps(inputs),
        "revenue": _revenue(inputs, partners),
        "recon": _recon(inputs),
        "quality": _quality(inputs, summary),
        "sources": _sources(inputs),
        "history": _history(runs, partners),
        "history_problems": inputs.history_problems,
        "publication": _publication(inputs, partners),
        "basis_labels": BASIS_LABELS,
        "period": (
            f"billing dated {inputs.billing_period[0]} to {inputs.billing_period[1]} in this run's exports"
            if inputs.billing_period
            else "this run's billing (no dated line)"
        ),
        "max_rows": MAX_ROWS,
        "stopped": inputs.stopped,
    }
    return _environment().get_template("report.html.j2").render(**context)


# --- sections ---------------------------------------------------------------------------------


def _headline(inputs: ReportInputs, summary: RunSummary, partners: tuple[str, ...]) -> dict[str, Any]:
    if not decided(inputs):
        # Stopped before deciding: the counts are not available, which is not the same as zero.
        missing: dict[str, int | None] = dict.fromkeys(DECISIONS)
        gone: list[dict[str, Any]] = [{"partner": p, "counts": missing, "total": None} for p in partners]
        none_totals: dict[str, int | None] = dict.fromkeys(DECISIONS)
        changed = None if inputs.gate is None else sum(c["added"] for c in summary.changes.values())
        return {
            "rows": gone,
            "totals": none_totals,
            "grand_total": None,
            "tiles": [
                ("revoke", "to revoke", None),
                ("review", "in review", None),
                ("added", "added to lists", changed),
                (
                    "lifted",
                    "lifted from lists",
                    None if changed is None else sum(c["lifted"] for c in summary.changes.values()),
                ),
                ("gaps", "enforcement gaps", None),
                ("failed", "checks failed", summary.checks.get(Outcome.FAILED.value, 0)),
                ("warned", "checks warned", summary.checks.get(Outcome.WARNED.value, 0)),
                ("quarantined", "rows quarantined", sum(summary.quarantine.values())),
            ],
        }
    rows: list[dict[str, Any]] = [
        {"partner": p, "counts": summary.decisions.get(p, {}), "total": sum(summary.decisions.get(p, {}).values())}
        for p in partners
    ]
    totals = {d: sum(summary.decisions.get(p, {}).get(d, 0) for p in partners) for d in DECISIONS}
    rec = inputs.reconciliation
    gate_reached = inputs.gate is not None or not inputs.stopped
    tiles = [
        ("revoke", "to revoke", totals["revoke"]),
        ("review", "in review", totals["review"]),
        ("added", "added to lists", sum(c["added"] for c in summary.changes.values()) if gate_reached else None),
        ("lifted", "lifted from lists", sum(c["lifted"] for c in summary.changes.values()) if gate_reached else None),
        ("gaps", "enforcement gaps", len(rec.gaps) if rec is not None else None),
        ("failed", "checks failed", summary.checks.get(Outcome.FAILED.value, 0)),
        ("warned", "checks warned", summary.checks.get(Outcome.WARNED.value, 0)),
        ("quarantined", "rows quarantined", sum(summary.quarantine.values())),
    ]
    return {"rows": rows, "totals": totals, "grand_total": sum(totals.values()), "tiles": tiles}


def _decision_lookup(decisions: pd.DataFrame, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    wanted = set(keys)
    if not wanted:
        return {}
    rows = decisions[decisions["tenant_id"].isin({k[1] for k in wanted})]
    return {
        (text(r["partner"]), text(r["tenant_id"])): r
        for r in records(rows)
        if (text(r["partner"]), text(r["tenant_id"])) in wanted
    }


def _chain_text(case: Case | None) -> str:
    """The ownership chain with the stake on each hop, up to the ultimate parent, in one line."""
    if case is None or case.entity is None:
        return ""
    parts = []
    for i, h in enumerate(case.entity.chain):
        label = f"{h.name or h.entity_id} [{h.entity_id}]"
        if h.root_basis:
            label += f" (restricted root: {h.root_basis})"
        if i < len(case.entity.chain) - 1:
            stakes = "; ".join(f"{s.interest_type} {s.share}" for s in h.held_by) or "no declared interest"
            label += f", held ({stakes}) by"
        parts.append(label)
    return " ".join(parts)


def _delta_rows(
    inputs: ReportInputs, partner: str, kind: str, rows: tuple[dict[str, str], ...]
) -> list[dict[str, Any]]:
    """The gate's diff rows for display: the decision now and before, why it changed, and the chain."""
    shown = rows[:MAX_ROWS]
    key = inputs.list_key(partner)
    tenant_ids = [text(r.get(key)) for r in shown]
    found = _decision_lookup(inputs.decisions, ((partner, t) for t in tenant_ids))
    before = (
        _decision_lookup(inputs.previous_decisions, ((partner, t) for t in tenant_ids))
        if inputs.previous_decisions is not None
        else {}
    )
    builder = CaseBuilder(inputs.ownership, inputs.links, inputs.interests, inputs.logical_date)
    present = [t for t in tenant_ids if (partner, t) in found]
    cases = {c.tenant_id: c for c in builder.cases(inputs.decisions.loc[_rows_of(inputs.decisions, partner, present)])}
    out = []
    for tenant_id, r in zip(tenant_ids, shown, strict=True):
        d = found.get((partner, tenant_id))
        b = before.get((partner, tenant_id))
        why = (
            why_changed(b, d, inputs.previous_interests, inputs.interests)
            if inputs.previous_decisions is not None
            else ["no earlier complete run to compare with"]
        )
        out.append(
            {
                "tenant_id": tenant_id,
                "company_name": text((d or {}).get("company_name")) or text((b or {}).get("company_name")),
                "decision": text((d or {}).get("decision")) or "(no decision this run)",
                "listed_as": text(r.get("decision")),
                "effective_date": text(r.get("effective_date")),
                "reason_codes": text(r.get("reason_codes")),
                "explanation": text((d or {}).get("explanation")) or text(r.get("explanation")),
                "chain": _chain_text(cases.get(tenant_id)),
                "why": why,
                # The supported list changed under the tenant (pipeline.policy.list_change), when it did.
                "cause": inputs.list_causes.get((partner, tenant_id), ""),
                "before": (
                    f"{text(b.get('decision'))}: {text(b.get('explanation'))}"
                    if b is not None and kind != "added"
                    else ""
                ),
            }
        )
    return out


def _rows_of(decisions: pd.DataFrame, partner: str, tenant_ids: list[str]) -> pd.Series:
    wanted = set(tenant_ids)
    return (decisions["partner"].astype("str") == partner) & decisions["tenant_id"].astype("str").isin(wanted)


def _publication_status(inputs: ReportInputs, partner: str) -> tuple[str, str]:
    """(badge, text) for whether this run published the partner's list."""
    listed = inputs.published.get(partner)
    if inputs.gate is None:
        return "not_published", "the run stopped before the safety gate: nothing published"
    if inputs.gate.status is GateStatus.BLOCKED:
        return "blocked", "blocked by the safety gate: nothing published"
    if listed is None:
        return "not_published", "no list published"
    m = listed.manifest
    if m.logical_date == inputs.logical_date and m.run_id == inputs.run_id:
        return "published", "published by this run"
    if m.logical_date == inputs.logical_date:
        return "unchanged", f"already published for this date by run {m.run_id}"
    return "not_published", f"not published by this run; in force: the list of {m.logical_date.isoformat()}"


def _changes(
    inputs: ReportInputs, summary: RunSummary, previous: RunSummary | None, partners: tuple[str, ...]
) -> dict[str, Any]:
    gates = {p.partner: p for p in inputs.gate.partners} if inputs.gate is not None else {}
    out = []
    for partner in partners:
        gate = gates.get(partner)
        now = summary.decisions.get(partner, {})
        before = previous.decisions.get(partner) if previous is not None else None
        badge, status = _publication_status(inputs, partner)
        out.append(
            {
                "partner": partner,
                "badge": badge,
                "status": status,
                "gate": gate,
                "compared_with": gate.compared_with.logical_date.isoformat()
                if gate is not None and gate.compared_with is not None
                else None,
                "kinds": [
                    (kind, count, _delta_rows(inputs, partner, kind, rows))
                    for kind, count, rows in (
                        ("added", gate.added, gate.added_rows),
                        ("lifted", gate.lifted, gate.lifted_rows),
                        ("changed", gate.changed, gate.changed_rows),
                    )
                ]
                if gate is not None
                else [],
                "deltas": [
                    {
                        "decision": d,
                        "now": now.get(d, 0),
                        "before": before.get(d, 0) if before is not None else None,
                        "diff": now.get(d, 0) - before.get(d, 0) if before is not None else None,
                    }
                    for d in DECISIONS
                ],
            }
        )
    return {
        "partners": out,
        "previous": {"run_id": previous.run_id, "logical_date": previous.logical_date.isoformat()}
        if previous is not None
        else None,
    }


def _publication(inputs: ReportInputs, partners: tuple[str, ...]) -> dict[str, Any]:
    gate = inputs.gate
    lists = []
    for partner in partners:
        listed = inputs.published.get(partner)
        badge, status = _publication_status(inputs, partner)
        lists.append(
            {
                "partner": partner,
                "badge": badge,
                "status": status,
                "manifest_uri": listed.manifest_uri if listed is not None else None,
                "manifest": listed.manifest.model_dump(mode="json") if listed is not None else None,
                "rows": len(listed.snapshot) if listed is not None else None,
            }
        )
    return {
        "gate": None
        if gate is None
        else {
            "status": gate.status.value,
            "approved_by": gate.approved_by,
            "messages": gate.messages(),
            "limits": gate.limits.model_dump(mode="json"),
        },
        "lists": lists,
    }


def _review(inputs: ReportInputs) -> dict[str, Any]:
    """The queue by priority: revenue at risk (largest amount first), then nights open, then key."""
    queue = inputs.decisions[inputs.decisions["decision"] == TenantDecision.REVIEW.value]
    keys = list(zip(queue["partner"].astype("str"), queue["tenant_id"].astype("str"), strict=True))
    since = queue["review_since"].tolist() if "review_since" in queue.columns else [None] * len(queue)
    nights = [nights_open(s, inputs.logical_date) for s in since]
    revenue = [inputs.review_revenue.get(k, {}) for k in keys]
    order = sorted(range(len(queue)), key=lambda i: priority(revenue[i], nights[i], keys[i]))[:MAX_CASES]
    builder = CaseBuilder(inputs.ownership, inputs.links, inputs.interests, inputs.logical_date)
    cases = builder.cases(queue.iloc[order]) if order else []
    by_key = {(c.partner, c.tenant_id): c for c in cases}
    config = inputs.config_uri.removeprefix("file://") or "CONFIG"
    overdue = [n is not None and n > inputs.max_nights for n in nights]
    items = [
        {
            "case": by_key[keys[i]],
            "nights": nights[i],
            "new": nights[i] == 1,
            "overdue": overdue[i],
            "revenue": [
                f"{currency} {amount:.2f} {BASIS_LABELS.get(basis, basis)}"
                for basis, per in sorted(revenue[i].items())
                for currency, amount in sorted(per.items())
            ],
            "command": (
                f"recon review decide --config {config} --partner {keys[i][0]} --tenant {keys[i][1]} "
                "--decision revoke|allow --reason TEXT --by NAME"
            ),
        }
        for i in order
    ]
    return {
        "total": len(queue),
        "cases": items,
        "new": sum(1 for n in nights if n == 1),
        "overdue": sum(overdue),
        "max_nights": inputs.max_nights,
        "has_interests": inputs.interests is not None,
        "shown": len(items),
    }


# The report's exemption groups, in the order a reader acts on them: what silently does not apply first.
EXEMPTION_GROUPS = (
    ("never_matched", "Never matched", "in force, but applied to no tenant of this run (a misspelt partner, "
     "an unknown tenant or entity, an id without its leading zeros, or nothing revoked to clear)"),
    ("expired", "Expired", "past their expiry: the tenants they cleared are decided by the policy again"),
    ("expiring", f"Expiring within {EXPIRING_WITHIN_DAYS} days", "applied today; Legal renews them or they lapse"),
    ("in_force", "In force", "applied today"),
    ("not_yet_approved", "Not yet in force", "approved after this run's date"),
)  # fmt: skip


def _exemption_group(state: str, applied: int) -> str:
    if state in (ExemptionState.EXPIRED, ExemptionState.NOT_YET_APPROVED):
        return state
    return "never_matched" if applied == 0 else state


def _exemptions(inputs: ReportInputs) -> dict[str, Any] | None:
    """Every exemption of the run (`review_exemptions`, as the decide stage wrote it) in its group."""
    if inputs.exemptions is None:
        return None
    rows: dict[str, list[dict[str, Any]]] = {key: [] for key, _, _ in EXEMPTION_GROUPS}
    for r in records(inputs.exemptions):
        applied = int(r["applied"])
        rows[_exemption_group(text(r["state"]), applied)].append(
            {
                "id": text(r["exemption_id"]),
                "target": text(r["target"]),
                "partner": text(r["partner"]) or "any",
                "expires": text(r["expires"]),
                "days_left": int(r["days_left"]),
                "applied": applied,
                "tenants": jsonio.loads(text(r["tenants"]) or "[]"),
                "problems": [ExemptionProblem(p).value for p in jsonio.loads(text(r["problems"]) or "[]")],
                "hint": text(r["hint"]),
            }
        )
    groups = [{"key": key, "title": title, "note": note, "rows": rows[key]} for key, title, note in EXEMPTION_GROUPS]
    return {
        "total": len(inputs.exemptions),
        "groups": groups,
        "counts": {key: len(found) for key, found in rows.items()},
        "not_applying": len(rows["never_matched"]) + len(rows["expired"]),
    }


def _money_list(amounts_json: Any) -> list[str]:
    """'USD 250.00 invoiced' items from a {basis: {currency: amount}} JSON cell."""
    try:
        doc = jsonio.loads(text(amounts_json) or "{}")
    except jsonio.JSONDecodeError:
        return [text(amounts_json)]
    return [
        f"{currency} {amount} {BASIS_LABELS.get(basis, basis)}"
        for basis, per in sorted(doc.items())
        for currency, amount in sorted(per.items())
    ]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return records(frame.head(MAX_ROWS))


def _gaps(inputs: ReportInputs) -> dict[str, Any] | None:
    rec = inputs.reconciliation
    if rec is None:
        return None
    rows = []
    for r in _records(rec.gaps):
        rows.append(
            {**r, "money": _money_list(r["amounts"]), "products": ", ".join(jsonio.loads(r["products"] or "[]"))}
        )
    return {
        "rows": rows,
        "total": len(rec.gaps),
        "lines": len(rec.gap_lines),
        "assessed": rec.assessed_partners,
        "not_assessed": [p for p in inputs.all_partners() if p not in rec.assessed_partners],
        "pending": dict(rec.pending_revocations),
        "as_of": rec.as_of.isoformat(),
    }


def _revenue(inputs: ReportInputs, partners: tuple[str, ...]) -> dict[str, Any] | None:
    rec = inputs.reconciliation
    if rec is None:
        return None
    keys = sorted({(t.basis.value, t.currency) for t in rec.totals})
    by = {(t.decision, t.basis.value, t.currency): t.amount for t in rec.totals}
    at_risk = []
    for basis, currency in keys:
        revoke = by.get(("revoke", basis, currency))
        review = by.get(("review", basis, currency))
        if revoke is None and review is None:
            continue
        at_risk.append(
            {
                "basis": basis,
                "currency": currency,
                "revoke": _fmt(revoke),
                "review": _fmt(review),
                "total": _fmt((revoke or Decimal(0)) + (review or Decimal(0))),
                "allow": _fmt(by.get(("allow", basis, currency))),
                "no_decision": _fmt(by.get((NO_DECISION, basis, currency))),
            }
        )
    per_partner: dict[tuple[str, str, str], dict[str, Decimal]] = {}
    for r in records(rec.revenue):
        if r["decision"] in AT_RISK_DECISIONS:
            node = per_partner.setdefault((str(r["basis"]), str(r["currency"]), str(r["partner"])), {})
            node[str(r["decision"])] = Decimal(str(r["amount"]))
    chart_list = []
    for basis, currency in sorted({(b, c) for b, c, _ in per_partner}):
        bars = []
        for p in partners:
            node = per_partner.get((basis, currency, p), {})
            segs = tuple(
                charts.Segment(float(node[d]), d, f"{p} {d}: {currency} {_fmt(node[d])}")
                for d in AT_RISK_DECISIONS
                if d in node
            )
            total = sum(node.values(), Decimal(0))
            bars.append(charts.Bar(p, segs, f"{currency} {_fmt(total)}"))
        title = f"Revenue at risk, {BASIS_LABELS.get(basis, basis)}, {currency}"
        chart_list.append(charts.horizontal(title, tuple(bars), (("revoke", "revoke"), ("review", "review"))))
    return {"at_risk": at_risk, "rows": _records(rec.revenue), "total_rows": len(rec.revenue), "charts": chart_list}


def _fmt(amount: Decimal | None) -> str:
    return "" if amount is None else format(amount, "f")


def _recon(inputs: ReportInputs) -> dict[str, Any] | None:
    rec = inputs.reconciliation
    if rec is None:
        return None
    unknown = [
        {**r, "money": _money_list(r["amounts"]), "payers": ", ".join(jsonio.loads(r["payer_account_ids"] or "[]"))}
        for r in _records(rec.unknown_billed)
    ]
    not_counted = [
        {**r, "samples": ", ".join(jsonio.loads(r["sample_line_ids"] or "[]"))} for r in _records(rec.not_counted)
    ]
    return {
        "unknown": unknown,
        "unknown_total": len(rec.unknown_billed),
        "unbilled": _records(rec.unbilled_active),
        "unbilled_total": len(rec.unbilled_active),
        "not_counted": not_counted,
    }


def _sample_table(sample: tuple[Mapping[str, Any], ...]) -> dict[str, Any]:
    columns: list[str] = []
    for row in sample:
        columns += [k for k in row if k not in columns]
    return {"columns": columns, "rows": [[text(row.get(c)) for c in columns] for row in sample]}


def _quality(inputs: ReportInputs, summary: RunSummary) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for report in inputs.validation:
        partner = partner_of(report)
        for r in report.results:
            rows.append(
                {
                    "outcome": r.outcome.value,
                    "severity": r.severity.value,
                    "scope": r.scope.value,
                    "where": partner or report.scope,
                    "dataset": r.dataset,
                    "check": r.check,
                    "checked": r.checked,
                    "failed": r.failed,
                    "message": r.message,
                    "sample": _sample_table(r.samples),
                }
            )
    rows.sort(key=lambda r: (OUTCOME_ORDER[r["outcome"]], r["where"], r["dataset"], r["check"]))
    # What needs a look stays in the table at the top; passed (and info) checks fold into one line per stage.
    quiet = (Outcome.PASSED.value, Outcome.INFO.value)
    folded: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["outcome"] in quiet:
            folded.setdefault(row["where"], []).append(row)
    stages = [
        {
            "where": where,
            "passed": sum(1 for row in found if row["outcome"] == Outcome.PASSED.value),
            "info": sum(1 for row in found if row["outcome"] == Outcome.INFO.value),
            "datasets": sorted({row["dataset"] for row in found}),
            "rows": found,
        }
        for where, found in sorted(folded.items())
    ]
    counts = [
        {
            "where": partner_of(report) or report.scope,
            "dataset": c.dataset,
            "contract": c.contract,
            "rows": c.rows,
            "valid": c.valid,
            "quarantined": c.quarantined,
        }
        for report in inputs.validation
        for c in report.counts
    ]
    q = inputs.quarantine
    by_rule: list[dict[str, Any]] = []
    if not q.empty:
        label = q["dataset"].map(text)
        if "partner" in q.columns:
            partner_col = q["partner"].map(text)
            label = (partner_col + "/" + label).where(partner_col != "", label)
        keyed = q.assign(label=label, rule_t=q["rule"].map(text), severity_t=q["severity"].map(text))
        for (lab, rule, severity), group in keyed.groupby(["label", "rule_t", "severity_t"], sort=True):
            example = group.iloc[0]
            by_rule.append(
                {
                    "dataset": lab,
                    "rule": rule,
                    "severity": severity,
                    "rows": len(group),
                    "message": text(example["message"]),
                    "where": f"{text(example['source_uri'])}:{text(example['source_line'])}",
                }
            )
    bars = tuple(
        charts.Bar(label, (charts.Segment(float(n), "quarantine", f"{label}: {n} rows"),), str(n))
        for label, n in summary.quarantine.items()
    )
    return {
        "counts": {o.value: summary.checks.get(o.value, 0) for o in Outcome},
        "checked": bool(inputs.validation),
        "rows": [row for row in rows if row["outcome"] not in quiet],
        "stages": stages,
        "datasets": counts,
        "quarantine": by_rule,
        "quarantine_total": sum(summary.quarantine.values()),
        "quarantine_chart": charts.horizontal("Rows quarantined in this run, per dataset", bars) if bars else None,
    }


def _sources(inputs: ReportInputs) -> list[dict[str, Any]]:
    """Each ownership source's figures beside the last complete run's (what the size check compared)."""
    complete = [h for h in inputs.history if not h.stopped]
    before = complete[-1].sources if complete else {}
    rows = []
    for key, figures in inputs.sources.items():
        last = before.get(key)
        rows.append(
            {
                "key": key,
                "uri": figures.uri,
                "published": figures.published.isoformat() if figures.published else "no dated record",
                "figures": [
                    {"now": getattr(figures, m), "before": getattr(last, m) if last is not None else None}
                    for m in ("entities", "relationships", "roots")
                ],
            }
        )
    return rows


def _history(runs: tuple[RunSummary, ...], partners: tuple[str, ...]) -> dict[str, Any]:
    every_partner = sorted({p for r in runs for p in r.decisions} | set(partners))
    series = {p: f"p{i % PARTNER_SERIES}" for i, p in enumerate(every_partner)}
    legend = tuple((series[p], p) for p in every_partner)

    def label(r: RunSummary) -> str:
        return r.logical_date.isoformat()[5:]

    out = []
    for decision in DECISIONS:
        bars = []
        for r in runs:
            segs = tuple(
                charts.Segment(
                    float(r.decisions[p].get(decision, 0)),
                    series[p],
                    f"{r.logical_date} {r.run_id}: {p} {r.decisions[p].get(decision, 0)}",
                )
                for p in every_partner
                if p in r.decisions
            )
            total = sum(r.decisions[p].get(decision, 0) for p in r.decisions)
            # A run that stopped before deciding has no counts: its column says so instead of drawing 0.
            bars.append(charts.Bar(label(r), segs, str(total) if r.decisions else "n/a"))
        out.append(
            charts.vertical(
                f"Tenants to {decision}" if decision != "review" else "Tenants in review", tuple(bars), legend
            )
        )
    quarantine = tuple(
        charts.Bar(
            label(r),
            (charts.Segment(float(sum(r.quarantine.values())), "quarantine", f"{r.logical_date} {r.run_id}"),),
            str(sum(r.quarantine.values())),
        )
        for r in runs
    )
    out.append(charts.vertical("Rows quarantined", quarantine))
    gaps = tuple(
        charts.Bar(
            label(r),
            (charts.Segment(float(sum(r.enforcement_gaps.values())), "revoke", f"{r.logical_date} {r.run_id}"),),
            str(sum(r.enforcement_gaps.values())),
        )
        for r in runs
    )
    out.append(charts.vertical("Enforcement gaps (tenants)", gaps))
    return {"charts": out, "runs": len(runs)}
