"""Gathering one run's outputs into `ReportInputs`: the report stage's reading edge.

Invariant: everything the report shows is read from the URIs the stages returned (and the earlier
runs' summaries under the reports root); nothing is recomputed here, so the report can never disagree
with the run's own outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pipeline import datasets as ds
from pipeline.partners import list_format
from pipeline.policy.model import load_policy_text
from pipeline.publish.gate import GateResult as PublishedGate
from pipeline.publish.lists import CHANGE, Change, tenant_view
from pipeline.publish.manifest import read_manifest_folder
from pipeline.reconcile.store import read_reconciliation
from pipeline.report.model import (
    CheckResult,
    CheckStatus,
    GateResult,
    GateStatus,
    Publication,
    PublicationStatus,
    ReportInputs,
    Severity,
)
from pipeline.report.output import read_history
from pipeline.run import RunContext
from pipeline.storage import parent
from pipeline.storage.frames import read_json, read_parquet


def _checks(doc: Any, partner: str | None) -> list[CheckResult]:
    """Quality results (pipeline.quality) as the report's check records."""
    from pipeline.quality import ValidationReport

    status = {"passed": CheckStatus.PASS, "failed": CheckStatus.FAIL}
    return [
        CheckResult(
            dataset=r.dataset,
            check=r.check,
            severity=Severity.ERROR if r.severity.value == "error" else Severity.WARN,
            status=status.get(r.outcome.value, CheckStatus.WARN),
            partner=partner,
            rows=r.checked,
            failed=r.failed,
            message=r.message,
            sample=tuple(dict(s) for s in r.samples),
        )
        for r in ValidationReport.from_json(doc).results
    ]


def _publication(ctx: RunContext, published: Mapping[str, str]) -> Publication:
    partner = published["partner"]
    outcome = read_json(ctx.storage, published["outcome"])
    listed = read_manifest_folder(ctx.storage, parent(published["manifest"]))
    if listed is None:
        return Publication(partner=partner, status=PublicationStatus.NOT_PUBLISHED)
    rows = tenant_view(listed.delta, list_format(ctx.partner(partner)))
    return Publication(
        partner=partner,
        status=PublicationStatus.UNCHANGED if outcome["noop"] else PublicationStatus.PUBLISHED,
        listed=len(listed.snapshot),
        added=rows[rows[CHANGE] == Change.ADDED.value].drop(columns=[CHANGE]).reset_index(drop=True),
        lifted=rows[rows[CHANGE] == Change.LIFTED.value].drop(columns=[CHANGE]).reset_index(drop=True),
        manifest_uri=published["manifest"],
        manifest=listed.manifest.model_dump(mode="json"),
    )


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
) -> ReportInputs:
    storage = ctx.storage
    policy = load_policy_text(storage.read_text(ctx.config.policy), ctx.config.policy)

    def frames(dataset: ds.Dataset, uris: Sequence[str]) -> pd.DataFrame:
        read = [read_parquet(storage, u) for u in uris]
        present = [f for f in read if len(f)]
        return ds.conform(pd.concat(present, ignore_index=True), dataset) if present else ds.empty(dataset)

    checks: list[CheckResult] = []
    validation_uris: list[tuple[str, str | None]] = [(p["validation"], p["partner"]) for p in partners]
    validation_uris += [(u["validation"], None) for u in (resolved, links, decisions, reconciliation)]
    workspace = ctx.workspace
    for name in ("extract_ownership", "validate"):
        validation_uris.append((f"{workspace}/validation/{name}.json", None))
    for uri, partner in validation_uris:
        checks.extend(_checks(read_json(storage, uri), partner))

    quarantine = [read_parquet(storage, p[ds.QUARANTINE.name]).assign(partner=p["partner"]) for p in partners]
    ownership_quarantine = f"{workspace}/{ds.QUARANTINE.file_name}"
    if storage.exists(ownership_quarantine):
        quarantine.append(read_parquet(storage, ownership_quarantine).assign(partner=""))
    present = [q for q in quarantine if len(q)]
    all_quarantine = pd.concat(present, ignore_index=True) if present else ds.empty(ds.QUARANTINE)

    gate_doc = PublishedGate.model_validate(read_json(storage, gated["gate"]))
    gate = GateResult(
        status=GateStatus(gate_doc.status.value),
        messages=gate_doc.messages(),
        approved_by=gate_doc.approved_by,
    )
    history, problems = read_history(storage, ctx.config.reports, ctx.logical_date, ctx.run_id)
    return ReportInputs(
        run_id=ctx.run_id,
        logical_date=ctx.logical_date,
        policy_id=policy.id,
        policy_version=policy.version,
        decisions=read_parquet(storage, decisions[ds.DECISIONS.name]),
        ownership=read_parquet(storage, resolved[ds.OWNERSHIP.name]),
        links=read_parquet(storage, links[ds.LINKS.name]),
        tenants=frames(ds.TENANTS, [p[ds.TENANTS.name] for p in partners]),
        interests=read_parquet(storage, f"{workspace}/{ds.INTERESTS.file_name}"),
        reconciliation=read_reconciliation(storage, parent(reconciliation["summary"])),
        checks=tuple(checks),
        quarantine=all_quarantine,
        gate=gate,
        publications=tuple(_publication(ctx, p) for p in published),
        history=history,
        history_problems=problems,
        partners=tuple(p["partner"] for p in partners),
    )
