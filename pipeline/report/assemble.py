"""Gathering one run's outputs into `ReportInputs`: the report stage's reading edge.

Invariant: everything the report shows is read from the URIs the stages returned (for a stopped run:
from where the stages would have written them) and from the earlier runs' summaries under the reports
root, in the producers' own record types (ValidationReport, GateResult, PublishedList); nothing is
recomputed here, so the report can never disagree with the run's own outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from pipeline import datasets as ds
from pipeline.partners import list_format
from pipeline.policy.definition import load_policy_text
from pipeline.publish.gate import GateResult
from pipeline.publish.manifest import PublishedList, read_manifest_folder
from pipeline.quality.results import ValidationReport
from pipeline.reconcile.store import read_reconciliation
from pipeline.report.output import read_history
from pipeline.report.records import ReportInputs, StopRecord, partner_of
from pipeline.run.context import RunContext
from pipeline.storage import parent
from pipeline.storage.frames import read_json, read_parquet


def _validation(ctx: RunContext, uri: str, partner: str | None) -> ValidationReport:
    report = ValidationReport.from_json(read_json(ctx.storage, uri))
    if partner and partner_of(report) != partner:
        # Shown as that partner's: the scope is what the report groups checks by.
        scoped = ValidationReport(f"partner={partner} {report.scope}".strip())
        scoped.merge(report)
        return scoped
    return report


def assemble_inputs(
    ctx: RunContext,
    *,
    partners: Sequence[Mapping[str, str]],
    resolved: Mapping[str, str],
    links: Mapping[str, str],
    decisions: Mapping[str, str],
    gated: Mapping[str, str],
    published: Sequence[Mapping[str, str]],
    reconciliation: Mapping[str, str],
    stopped: tuple[StopRecord, ...] = (),
) -> ReportInputs:
    """The report's inputs from the URIs the stages returned. For a stopped run (`stopped` non-empty) an
    output the run did not reach is simply absent: it shows as empty, never as an error."""
    storage = ctx.storage
    policy = load_policy_text(storage.read_text(ctx.config.policy), ctx.config.policy)

    def present(uri: str | None) -> str | None:
        if uri is None or (stopped and not storage.exists(uri)):
            return None
        return uri

    def frame(uri: str | None, dataset: ds.Dataset) -> pd.DataFrame:
        found = present(uri)
        return read_parquet(storage, found) if found else ds.empty(dataset)

    def frames(dataset: ds.Dataset, uris: Sequence[str | None]) -> pd.DataFrame:
        read = [frame(u, dataset) for u in uris]
        non_empty = [f for f in read if len(f)]
        return ds.conform(pd.concat(non_empty, ignore_index=True), dataset) if non_empty else ds.empty(dataset)

    validation_uris: list[tuple[str | None, str | None]] = [(p.get("validation"), p["partner"]) for p in partners]
    validation_uris += [
        (ctx.artifact_uri(f"validation/{name}.json"), None) for name in ("extract_ownership", "validate")
    ]
    validation_uris += [(u.get("validation"), None) for u in (resolved, links, decisions, reconciliation)]
    validation = tuple(_validation(ctx, found, partner) for uri, partner in validation_uris if (found := present(uri)))

    quarantine = [frame(p.get(ds.QUARANTINE.name), ds.QUARANTINE).assign(partner=p["partner"]) for p in partners]
    ownership_quarantine = ctx.dataset_uri(ds.QUARANTINE)
    if storage.exists(ownership_quarantine):
        quarantine.append(read_parquet(storage, ownership_quarantine).assign(partner=""))
    non_empty = [q for q in quarantine if len(q)]
    all_quarantine = pd.concat(non_empty, ignore_index=True) if non_empty else ds.empty(ds.QUARANTINE)

    in_force: dict[str, PublishedList] = {}
    for p in published:
        manifest = present(p.get("manifest"))
        listed = read_manifest_folder(storage, parent(manifest)) if manifest else None
        if listed is not None:
            in_force[p["partner"]] = listed

    gate_uri = present(gated.get("gate"))
    summary_uri = present(reconciliation.get("summary"))
    interests_uri = ctx.dataset_uri(ds.INTERESTS)
    history, problems = read_history(storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    return ReportInputs(
        run_id=ctx.run_id,
        logical_date=ctx.logical_date,
        policy_id=policy.id,
        policy_version=policy.version,
        decisions=frame(decisions.get(ds.DECISIONS.name), ds.DECISIONS),
        ownership=frame(resolved.get(ds.OWNERSHIP.name), ds.OWNERSHIP),
        links=frame(links.get(ds.LINKS.name), ds.LINKS),
        tenants=frames(ds.TENANTS, [p.get(ds.TENANTS.name) for p in partners]),
        interests=read_parquet(storage, interests_uri) if storage.exists(interests_uri) else None,
        reconciliation=read_reconciliation(storage, parent(summary_uri)) if summary_uri else None,
        validation=validation,
        quarantine=all_quarantine,
        gate=GateResult.model_validate(read_json(storage, gate_uri)) if gate_uri else None,
        published=in_force,
        list_keys={p["partner"]: list_format(ctx.partner(p["partner"])).key for p in partners},
        history=history,
        history_problems=problems,
        partners=tuple(p["partner"] for p in partners),
        stopped=stopped,
    )
