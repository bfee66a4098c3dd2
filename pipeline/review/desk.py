"""What `recon review` does: the open cases of a run, and recording or withdrawing a judgement.

Invariants:
- Everything is read from one run's own outputs (the latest complete run, or the latest of `--date`):
  the cases are its `review` decisions, and a judgement's evidence fingerprint is computed from its
  tenants, links, ownership and policy, exactly as a later run computes it (pipeline/review/evidence.py).
- Bad input writes nothing: an unknown partner, tenant or entity, a judgement id not in the store, an
  expiry before the run's date, a store not configured; each is one `JudgementError` naming what is wrong.
- The store is append-only (pipeline/review/store.py); the clock is read here (`recorded_at`), never in a run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from pydantic import ValidationError

from pipeline import datasets as ds
from pipeline import jsonio
from pipeline.config import RunConfig
from pipeline.nested import items
from pipeline.policy.definition import TenantDecision, load_policy_text
from pipeline.report.records import RunSummary
from pipeline.review.evidence import fingerprint, text
from pipeline.review.judgements import (
    EntityVerdict,
    JudgedDecision,
    JudgementError,
    JudgementKind,
    Withdrawal,
    build,
)
from pipeline.review.store import AnyJudgement, append, read_judgements
from pipeline.run.layout import RunLayout, summary_run
from pipeline.storage import Storage
from pipeline.storage.frames import read_parquet


@dataclass(frozen=True)
class RunOnFile:
    """A run whose outputs a reviewer looks at."""

    logical_date: dt.date
    run_id: str
    layout: RunLayout


def find_run(storage: Storage, config: RunConfig, date: dt.date | None = None) -> RunOnFile:
    """The latest complete run (of `date`, when given) whose decisions are in the workspace.

    Summaries are read newest first and only until one fits: a year of nightly runs is a year of files."""
    found = []
    for uri in storage.list(config.reports.rstrip("/") + "/"):
        dated = summary_run(uri)
        if dated is not None and (date is None or dated[0] == date):
            found.append((dated[0], dated[1], uri))
    for logical_date, _run, uri in sorted(found, reverse=True):
        try:
            summary = RunSummary.model_validate_json(storage.read_bytes(uri))
        except ValidationError:
            continue
        if summary.stopped:
            continue
        layout = RunLayout.of(config.workspace, config.reports, logical_date, summary.run_id, {})
        if storage.exists(layout.dataset(ds.DECISIONS)):
            return RunOnFile(logical_date, summary.run_id, layout)
    when = f" for {date.isoformat()}" if date else ""
    raise JudgementError(f"no complete run{when} under {config.reports}: run the pipeline first (recon run)")


def _frame(storage: Storage, run: RunOnFile, dataset: ds.Dataset, partner: str | None = None) -> pd.DataFrame:
    uri = run.layout.dataset(dataset, partner)
    return read_parquet(storage, uri) if storage.exists(uri) else ds.empty(dataset)


def _row(frame: pd.DataFrame, **match: str) -> dict[str, Any] | None:
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column].astype("str") == value
    found = frame[mask]
    return {str(k): v for k, v in found.iloc[0].items()} if len(found) else None


@dataclass(frozen=True)
class OpenCase:
    partner: str
    tenant_id: str
    name: str
    why: str
    candidate: str
    nights: int | None
    new: bool  # first night in the queue
    overdue: bool
    revenue: tuple[tuple[str, str, Decimal], ...]  # (basis, currency, amount)
    command: str

    def revenue_text(self) -> str:
        return ", ".join(f"{currency} {amount:.2f} {basis}" for basis, currency, amount in self.revenue) or "none"


def _best_candidate(link: dict[str, Any] | None) -> str:
    for c in items((link or {}).get("candidates")):
        if isinstance(c, dict) and c.get("entity_id"):
            confidence = c.get("confidence")
            shown = f" {float(confidence):.2f}" if confidence is not None else ""
            return f"{c['entity_id']} {c.get('name') or ''} ({c.get('method')}{shown})".replace("  ", " ")
    return "none"


def resolve_command(config_uri: str, partner: str, tenant: str) -> str:
    config = config_uri.removeprefix("file://")
    return (
        f"recon review decide --config {config} --partner {partner} --tenant {tenant} "
        "--decision revoke|allow --reason TEXT --by NAME"
    )


def open_cases(storage: Storage, config: RunConfig, run: RunOnFile, partner: str | None = None) -> list[OpenCase]:
    """The run's cases in review, by priority: revenue at risk (largest amount first), then age."""
    # Here, not at the top: `recon explain` finds its run through this module and must start fast.
    from pipeline.reconcile.billing import revenue_per_tenant
    from pipeline.review.apply import nights_open, priority

    decisions = _frame(storage, run, ds.DECISIONS)
    queue = decisions[decisions["decision"].astype("str") == TenantDecision.REVIEW.value]
    if partner is not None:
        config.partner(partner)
        queue = queue[queue["partner"].astype("str") == partner]
    links = _frame(storage, run, ds.LINKS)
    billing = [_frame(storage, run, ds.BILLING, p.name) for p in config.partners]
    revenue = revenue_per_tenant(pd.concat([b for b in billing if len(b)] or [ds.empty(ds.BILLING)], ignore_index=True))
    policy = load_policy_text(storage.read_text(config.policy), config.policy)
    cases = []
    for r in queue.to_dict(orient="records"):
        p, t = str(r["partner"]), str(r["tenant_id"])
        nights = nights_open(r.get("review_since"), run.logical_date)
        amounts = tuple(
            (basis, currency, amount)
            for basis, per in sorted(revenue.get((p, t), {}).items())
            for currency, amount in sorted(per.items())
        )
        cases.append(
            OpenCase(
                partner=p,
                tenant_id=t,
                name=str(r.get("company_name") or ""),
                why=str(r.get("explanation") or ""),
                candidate=_best_candidate(_row(links, partner=p, tenant_id=t)),
                nights=nights,
                new=nights == 1,
                overdue=nights is not None and nights > policy.review.max_nights,
                revenue=amounts,
                command=resolve_command(config.config_uri, p, t),
            )
        )
    cases.sort(key=lambda c: priority(revenue.get((c.partner, c.tenant_id), {}), c.nights, (c.partner, c.tenant_id)))
    return cases


def billing_period(storage: Storage, config: RunConfig, run: RunOnFile) -> str:
    """The period the revenue at risk covers: the first and last day of the billing lines the run read."""
    days = [
        d
        for p in config.partners
        for d in _frame(storage, run, ds.BILLING, p.name)["event_date"].dropna().astype("str").str.slice(0, 10)
        if d
    ]
    return f"billing dated {min(days)} to {max(days)}" if days else "no dated billing"


def _evidence(  # noqa: PLR0917 - the judgement's target, as the callers hold it
    storage: Storage, config: RunConfig, run: RunOnFile, kind: JudgementKind, partner: str, tenant: str, entity: str
) -> dict[str, Any]:
    policy = load_policy_text(storage.read_text(config.policy), config.policy)
    ownership = _frame(storage, run, ds.OWNERSHIP)
    if kind is JudgementKind.ENTITY:
        row = _row(ownership, entity_id=entity)
        return fingerprint(kind, entity_id=entity, ownership=row, policy=(policy.id, policy.version))
    tenant_row = _row(_frame(storage, run, ds.TENANTS, partner), tenant_id=tenant)
    link = _row(_frame(storage, run, ds.LINKS), partner=partner, tenant_id=tenant)
    linked = text((link or {}).get("entity_id"))
    return fingerprint(
        kind,
        tenant=tenant_row,
        link=link,
        entity_id=linked,
        ownership=_row(ownership, entity_id=linked) if linked else None,
        policy=(policy.id, policy.version),
    )


def _store(config: RunConfig) -> str:
    if not config.judgements:
        raise JudgementError(
            f"{config.config_uri}: no `judgements:` location configured: nowhere to record a judgement"
        )
    return config.judgements


def _check_tenant(storage: Storage, config: RunConfig, run: RunOnFile, partner: str, tenant: str) -> None:
    config.partner(partner)
    decisions = _frame(storage, run, ds.DECISIONS)
    if _row(decisions, partner=partner, tenant_id=tenant) is None:
        raise JudgementError(f"no tenant {tenant!r} of partner {partner!r} in run {run.run_id} ({run.logical_date})")


def _check_entity(storage: Storage, run: RunOnFile, entity: str) -> None:
    ownership = _frame(storage, run, ds.OWNERSHIP)
    if _row(ownership, entity_id=entity) is None:
        raise JudgementError(f"no entity {entity!r} in the ownership data of run {run.run_id} ({run.logical_date})")


def _check_expiry(expires: dt.date | None, run: RunOnFile) -> None:
    if expires is not None and expires < run.logical_date:
        raise JudgementError(
            f"expiry {expires.isoformat()} is in the past: the run judged on is of {run.logical_date.isoformat()}"
        )


def _judged_on_run(
    storage: Storage,
    config: RunConfig,
    run: RunOnFile,
    kind: JudgementKind,
    own: dict[str, Any],
    *,
    partner: str,
    tenant: str,
    entity: str,
    reason: str,
    by: str,
    expires: dt.date | None,
    now: dt.datetime,
) -> AnyJudgement:
    """Record a judgement made on `run`: its own fields, plus who, why, when, expiry and the evidence."""
    evidence = _evidence(storage, config, run, kind, partner, tenant, entity)
    fields = {
        "kind": kind.value,
        **own,
        "reason": reason,
        "by": by,
        "judged_on": run.logical_date.isoformat(),
        "expires": expires.isoformat() if expires else None,
        "evidence": {k: v.model_dump() for k, v in evidence.items()},
    }
    return _record(storage, config, fields, now)


def _record(storage: Storage, config: RunConfig, fields: dict[str, Any], now: dt.datetime) -> AnyJudgement:
    root = _store(config)
    judgement = build({**fields, "recorded_at": now.astimezone(dt.UTC).isoformat()})
    append(storage, root, judgement)
    return judgement


def decide(
    storage: Storage,
    config: RunConfig,
    *,
    partner: str,
    tenant: str,
    decision: JudgedDecision,
    reason: str,
    by: str,
    expires: dt.date | None = None,
    date: dt.date | None = None,
    now: dt.datetime,
) -> AnyJudgement:
    """Record that tenant `tenant` of `partner` is revoke or allow."""
    _store(config)
    run = find_run(storage, config, date)
    _check_tenant(storage, config, run, partner, tenant)
    _check_expiry(expires, run)
    return _judged_on_run(
        storage,
        config,
        run,
        JudgementKind.DECISION,
        {"partner": partner, "tenant_id": tenant, "decision": decision.value},
        partner=partner,
        tenant=tenant,
        entity="",
        reason=reason,
        by=by,
        expires=expires,
        now=now,
    )


def link(
    storage: Storage,
    config: RunConfig,
    *,
    partner: str,
    tenant: str,
    entity: str | None,
    reason: str,
    by: str,
    expires: dt.date | None = None,
    date: dt.date | None = None,
    now: dt.datetime,
) -> AnyJudgement:
    """Record that tenant `tenant` of `partner` is entity `entity` (None: none of the candidates)."""
    _store(config)
    run = find_run(storage, config, date)
    _check_tenant(storage, config, run, partner, tenant)
    if entity is not None:
        _check_entity(storage, run, entity)
    _check_expiry(expires, run)
    return _judged_on_run(
        storage,
        config,
        run,
        JudgementKind.LINK,
        {"partner": partner, "tenant_id": tenant, "entity_id": entity},
        partner=partner,
        tenant=tenant,
        entity="",
        reason=reason,
        by=by,
        expires=expires,
        now=now,
    )


def judge_entity(
    storage: Storage,
    config: RunConfig,
    *,
    entity: str,
    verdict: EntityVerdict,
    reason: str,
    by: str,
    expires: dt.date | None = None,
    date: dt.date | None = None,
    now: dt.datetime,
) -> AnyJudgement:
    """Record that entity `entity` is restricted or clear regardless of the computed result."""
    _store(config)
    run = find_run(storage, config, date)
    _check_entity(storage, run, entity)
    _check_expiry(expires, run)
    return _judged_on_run(
        storage,
        config,
        run,
        JudgementKind.ENTITY,
        {"entity_id": entity, "verdict": verdict.value},
        partner="",
        tenant="",
        entity=entity,
        reason=reason,
        by=by,
        expires=expires,
        now=now,
    )


def withdraw(
    storage: Storage, config: RunConfig, *, judgement_id: str, reason: str, by: str, now: dt.datetime
) -> AnyJudgement:
    """Record that judgement `judgement_id` no longer stands (from the latest run's date on)."""
    root = _store(config)
    judgements = read_judgements(storage, root)
    known = {j.id: j for j in judgements}
    if judgement_id not in known or isinstance(known[judgement_id], Withdrawal):
        raise JudgementError(f"no judgement {judgement_id!r} to withdraw in {root}")
    if any(isinstance(j, Withdrawal) and j.withdraws == judgement_id for j in judgements):
        raise JudgementError(f"judgement {judgement_id} is already withdrawn")
    latest = find_run(storage, config).logical_date
    judged_on = max(latest, known[judgement_id].judged_on)
    fields = {
        "kind": JudgementKind.WITHDRAWAL.value,
        "withdraws": judgement_id,
        "reason": reason,
        "by": by,
        "judged_on": judged_on.isoformat(),
    }
    return _record(storage, config, fields, now)


def standing_count(storage: Storage, config: RunConfig, as_of: dt.date) -> int:
    """How many judgements stand on `as_of` (for the list's header)."""
    from pipeline.review.apply import standing

    return len(standing(read_judgements(storage, config.judgements), as_of))


def case_lines(cases: list[OpenCase]) -> list[str]:
    """The open cases as text, one block per case."""
    out = []
    for c in cases:
        age = f"{c.nights} night{'s' if c.nights != 1 else ''}" if c.nights is not None else "age unknown"
        flags = " [new since last night]" if c.new else ""
        flags += " [OVERDUE]" if c.overdue else ""
        out += [
            f"{c.partner}/{c.tenant_id} {jsonio.compact(c.name)}: in review {age}{flags}, "
            f"revenue at risk {c.revenue_text()}",
            f"  why: {c.why}",
            f"  best candidate: {c.candidate}",
            f"  resolve: {c.command}",
        ]
    return out
