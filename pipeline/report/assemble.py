"""Gathering one run's outputs into `ReportInputs`: the report stage's reading edge.

Invariant: everything the report shows is read from where the run's `RunLayout` says its stages wrote
(a stopped run's missing outputs are absent, not errors) and from the earlier runs' summaries under the
reports root, in the producers' own record types (ValidationReport, GateResult, PublishedList); nothing is
recomputed here, so the report can never disagree with the run's own outputs.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from pipeline import datasets as ds
from pipeline import formatting
from pipeline.ownership.source_format import SourceFigures
from pipeline.partners import list_format
from pipeline.policy.definition import Policy, TenantDecision, load_policy_text
from pipeline.policy.list_change import ENTITY_CODE_COLUMNS, list_change, tied_codes
from pipeline.publish.gate import GateResult
from pipeline.publish.manifest import PublishedList, read_manifest_folder
from pipeline.quality.results import ValidationReport
from pipeline.reconcile.billing import revenue_per_tenant
from pipeline.reconcile.store import read_reconciliation
from pipeline.report.output import previous_complete_run, read_history
from pipeline.report.records import ReportInputs, StopRecord, partner_of
from pipeline.run.context import RunContext
from pipeline.run.layout import RunLayout
from pipeline.storage.frames import read_json, read_parquet

# The run-wide stages' checks, in stage order (each partner's extraction checks come first).
_RUN_WIDE_CHECKS = ("extract_ownership", "validate", "resolve_ownership", "match_tenants", "decide", "reconcile")


def _validation(ctx: RunContext, uri: str, partner: str | None) -> ValidationReport:
    report = ValidationReport.from_json(read_json(ctx.storage, uri))
    if partner and partner_of(report) != partner:
        # Shown as that partner's: the scope is what the report groups checks by.
        scoped = ValidationReport(f"partner={partner} {report.scope}".strip())
        scoped.merge(report)
        return scoped
    return report


def assemble_inputs(ctx: RunContext, stopped: tuple[StopRecord, ...] = ()) -> ReportInputs:
    """The report's inputs, read where the run's layout puts each stage's outputs. For a stopped run
    (`stopped` non-empty) an output the run did not reach is simply absent: it shows as empty, never as an
    error; for a complete run every output must be there."""
    storage, layout = ctx.storage, ctx.layout
    policy_file = load_policy_text(ctx.read_input_text(ctx.config.policy), ctx.config.policy)
    policy = policy_file.in_effect(ctx.logical_date)
    partners = tuple(p.name for p in ctx.config.partners)

    def present(uri: str) -> str | None:
        return None if stopped and not storage.exists(uri) else uri

    def frame(dataset: ds.Dataset, partner: str | None = None) -> pd.DataFrame:
        found = present(layout.dataset(dataset, partner))
        return read_parquet(storage, found) if found else ds.empty(dataset)

    def frames(dataset: ds.Dataset) -> pd.DataFrame:
        non_empty = [f for f in (frame(dataset, p) for p in partners) if len(f)]
        return ds.conform(pd.concat(non_empty, ignore_index=True), dataset) if non_empty else ds.empty(dataset)

    validation_uris: list[tuple[str, str | None]] = [(layout.validation("extract", p), p) for p in partners]
    validation_uris += [(layout.validation(stage), None) for stage in _RUN_WIDE_CHECKS]
    validation = tuple(_validation(ctx, found, partner) for uri, partner in validation_uris if (found := present(uri)))

    quarantine = [frame(ds.QUARANTINE, p).assign(partner=p) for p in partners]
    ownership_quarantine = layout.dataset(ds.QUARANTINE)
    if storage.exists(ownership_quarantine):
        quarantine.append(read_parquet(storage, ownership_quarantine).assign(partner=""))
    non_empty = [q for q in quarantine if len(q)]
    all_quarantine = pd.concat(non_empty, ignore_index=True) if non_empty else ds.empty(ds.QUARANTINE)

    in_force: dict[str, PublishedList] = {}
    for p in partners:
        listed = read_manifest_folder(storage, layout.list_folder(p)) if present(layout.manifest(p)) else None
        if listed is not None:
            in_force[p] = listed

    gate_uri = present(layout.gate)
    gate = GateResult.model_validate(read_json(storage, gate_uri)) if gate_uri else None
    decisions, ownership, links, tenants = frame(ds.DECISIONS), frame(ds.OWNERSHIP), frame(ds.LINKS), frames(ds.TENANTS)
    interests_uri = layout.dataset(ds.INTERESTS)
    exemptions_uri = present(layout.exemptions_review)
    history, problems = read_history(storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    causes = _list_causes(ctx, policy_file, gate, tenants=tenants, links=links, ownership=ownership)
    previous = _previous_run(ctx)
    billing = frames(ds.BILLING)
    return ReportInputs(
        run_id=ctx.run_id,
        logical_date=ctx.logical_date,
        policy_id=policy.id,
        policy_version=policy.version,
        decisions=decisions,
        ownership=ownership,
        links=links,
        tenants=tenants,
        interests=read_parquet(storage, interests_uri) if storage.exists(interests_uri) else None,
        exemptions=read_parquet(storage, exemptions_uri) if exemptions_uri else None,
        reconciliation=read_reconciliation(storage, layout) if present(layout.reconciliation_summary) else None,
        validation=validation,
        quarantine=all_quarantine,
        gate=gate,
        published=in_force,
        list_keys={p: list_format(ctx.partner(p)).key for p in partners},
        history=history,
        history_problems=problems,
        partners=partners,
        stopped=stopped,
        list_causes=causes,
        review_revenue=_review_revenue(decisions, billing),
        billing_period=_period(billing),
        config_uri=ctx.config.config_uri,
        max_nights=policy.review.max_nights,
        previous_decisions=previous.get(ds.DECISIONS),
        previous_interests=previous.get(ds.INTERESTS),
        sources=_source_figures(ctx, present(layout.ownership_inputs)),
    )


def _source_figures(ctx: RunContext, inputs_uri: str | None) -> dict[str, SourceFigures]:
    """The ownership sources' figures extraction recorded (none when the run did not get that far)."""
    if inputs_uri is None:
        return {}
    recorded = read_json(ctx.storage, inputs_uri).get("figures", {})
    return {key: SourceFigures.model_validate(value) for key, value in recorded.items()}


def _list_causes(
    ctx: RunContext,
    policy: Policy,
    gate: GateResult | None,
    *,
    tenants: pd.DataFrame,
    links: pd.DataFrame,
    ownership: pd.DataFrame,
) -> dict[tuple[str, str], str]:
    """Per added or lifted row of the gate's diff: the supported-list change since the list it was
    compared with, when that change flipped a jurisdiction the tenant is tied to. The entities are read
    only when the list changed at all."""
    if gate is None:
        return {}
    changes = {
        p.partner: (change, p)
        for p in gate.partners
        if p.compared_with is not None
        and (change := list_change(policy, p.compared_with.logical_date, ctx.logical_date)) is not None
    }
    entities_uri = ctx.layout.dataset(ds.ENTITIES)
    if not changes or not ctx.storage.exists(entities_uri):
        return {}
    entities = read_parquet(ctx.storage, entities_uri, ["entity_id", *ENTITY_CODE_COLUMNS])
    causes: dict[tuple[str, str], str] = {}
    for partner, (change, result) in changes.items():
        key = list_format(ctx.partner(partner)).key
        keys = [(partner, str(r.get(key, ""))) for r in (*result.added_rows, *result.lifted_rows)]
        for tenant, codes in tied_codes(keys, tenants, links, ownership, entities).items():
            flips = change.flipped(codes)
            if flips:
                causes[tenant] = formatting.list_change_cause(
                    change.after.version,
                    change.after.effective.isoformat(),
                    change.before.version,
                    [(f.jurisdiction, f.restricted_now) for f in flips],
                )
    return causes


def _previous_run(ctx: RunContext) -> dict[ds.Dataset, pd.DataFrame]:
    """The previous complete run's decisions and declared interests, as far as its workspace has them."""
    found = previous_complete_run(ctx.storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    if found is None:
        return {}
    layout = RunLayout.of(ctx.config.workspace, ctx.config.reports, found[0], found[1], {})
    out = {}
    for dataset in (ds.DECISIONS, ds.INTERESTS):
        uri = layout.dataset(dataset)
        if ctx.storage.exists(uri):
            out[dataset] = read_parquet(ctx.storage, uri)
    return out


def _period(billing: pd.DataFrame) -> tuple[str, str] | None:
    """The first and last day of the billing lines the run read: the period every money figure covers."""
    days = billing["event_date"].dropna().astype("str").str.slice(0, 10)
    days = days[days != ""]
    return (str(days.min()), str(days.max())) if len(days) else None


def _review_revenue(
    decisions: pd.DataFrame, billing: pd.DataFrame
) -> dict[tuple[str, str], dict[str, dict[str, Decimal]]]:
    """The counted billing of the tenants in review (what orders the review queue)."""
    review = decisions[decisions["decision"].astype("str") == TenantDecision.REVIEW.value]
    if review.empty or billing.empty:
        return {}
    wanted = set(zip(review["partner"].astype("str"), review["tenant_id"].astype("str"), strict=True))
    # The tenant ids first (vectorised), then the exact (partner, tenant) pairs of the few lines left.
    lines = billing[billing["tenant_id"].astype("str").isin(sorted({t for _, t in wanted}))]
    pairs = zip(lines["partner"].astype("str"), lines["tenant_id"].astype("str"), strict=True)
    return revenue_per_tenant(lines[[pair in wanted for pair in pairs]])
