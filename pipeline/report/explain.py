"""`recon explain`: why a tenant or an entity got its decision, read from one run's own outputs.

Invariant: the text is built from the run's workspace alone (decisions, links, ownership, declared
interests, tenants), through the same `Case` the HTML report uses, so the two never disagree. Values
from input data are printed with control characters made visible (`\\x1b`, `\\n`), so a hostile name
cannot rewrite the terminal or forge extra lines.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from pipeline import datasets as ds
from pipeline import formatting, jsonio
from pipeline.report.cases import Case, CaseBuilder, EntityCase, Hop, Stake, records, text
from pipeline.report.workspace import RunWorkspace
from pipeline.storage import Storage

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
LIST_LIMIT = 20  # tenants listed per entity before counting the rest


class ExplainError(LookupError):
    """Nothing in the run matches the key; the message names the key and the run."""


def _escape_controls(raw: str) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), raw)


def clean(value: Any) -> str:
    """Display text with every control character shown as an escape instead of acting."""
    return _escape_controls(text(value))


def _q(value: Any) -> str:
    return f"“{clean(value)}”" if text(value) else "(no name)"


def _rho(low: float | None, high: float | None) -> str:
    return formatting.share_range(low, high)


def _stakes(stakes: tuple[Stake, ...]) -> str:
    if not stakes:
        return "no declared interest given"
    parts = []
    for s in stakes:
        part = f"{clean(s.interest_type)} {clean(s.share)}"
        if s.direct_or_indirect:
            part += f" ({clean(s.direct_or_indirect)})"
        if s.start_date or s.end_date:
            part += f" from {clean(s.start_date) or '?'} to {clean(s.end_date) or 'open'}"
        if not s.in_force:
            part += " [not in force on the run date]"
        if s.statement_id:  # the source's own record, and the file it came from (older runs name neither)
            kind = f"{clean(s.source)} record" if s.source else "statement"
            where = f" in {clean(s.source_uri)}" if s.source_uri else ""
            part += f" ({kind} {clean(s.statement_id)}{where})"
        parts.append(part)
    return "; ".join(parts)


def _hop(h: Hop, last: bool, single: bool) -> list[str]:
    line = f"    {clean(h.entity_id)} {_q(h.name)}"
    if not h.known:
        line += " (not in this run's ownership output)"
    else:
        line += f"  {clean(h.decision) or 'unknown'}, restricted share {_rho(h.rho_low, h.rho_high)}"
    if h.root_basis:
        line += f", restricted root ({clean(h.root_basis)})"
    if last and not single:
        line += "  <- ultimate parent"
    out = [line]
    if not last:
        out.append(f"      held by the next one up: {_stakes(h.held_by)}")
    return out


def _evidence(label: str, doc: Any) -> list[str]:
    if doc in (None, "", {}, []):
        return []
    body = jsonio.document(doc) if not isinstance(doc, str) else doc
    return [f"  {label}:", *(f"    {_escape_controls(line)}" for line in body.splitlines())]


def _entity_lines(e: EntityCase) -> list[str]:
    out = [
        f"  entity: {clean(e.entity_id)} {_q(e.name)}: {clean(e.decision) or 'not in the ownership output'}, "
        f"restricted share {_rho(e.rho_low, e.rho_high)}"
    ]
    if e.explanation:
        out.append(f"    why: {clean(e.explanation)}")
    if e.rules:
        out.append(f"    rules: {', '.join(clean(r) for r in e.rules)}")
    out.append("  ownership chain (entity up to its ultimate parent):")
    for i, hop in enumerate(e.chain):
        out += _hop(hop, i == len(e.chain) - 1, len(e.chain) == 1)
    if e.cycle:
        out.append("    the majority chain runs into a cycle")
    if e.holders:
        out.append("  declared holders:")
        for h in e.holders:
            tag = f", restricted root ({clean(h.root_basis)})" if h.root_basis else ""
            who = f"{clean(h.party_id)} {_q(h.name)} {clean(h.decision) or 'unknown'}{tag}"
            out.append(f"    {who}: {_stakes(h.stakes)}")
    return out


def judgement_lines(case: Case) -> list[str]:
    """Each judgement about the case: who judged what, when and why, and whether it still applies."""
    out = []
    for j in case.judgements:
        state = "applies" if j.get("applies") else f"no longer applies: {clean(j.get('lapsed'))}"
        until = f", until {clean(j.get('expires'))}" if j.get("expires") else ""
        deciding = " (decided this case)" if text(j.get("id")) == case.judgement_id else ""
        out.append(
            f"  judgement: {clean(j.get('id'))} {clean(j.get('kind'))}{deciding}, "
            f"judged on {clean(j.get('judged_on'))} by {clean(j.get('by'))}{until}: {clean(j.get('reason'))}; {state}"
        )
    return out


def format_case(case: Case, tenant: dict[str, Any] | None = None) -> str:
    """A tenant's decision, link, entity, ownership chain with stakes, rule and policy version."""
    out = [f"Tenant {clean(case.partner)}/{clean(case.tenant_id)} {_q(case.company_name)}"]
    if tenant is not None:
        facts = [
            f"{label} {clean(tenant.get(col))}"
            for label, col in (
                ("country", "country"),
                ("tax country", "tax_country"),
                ("company country", "company_country"),
                ("tax number", "tax_registration_number"),
                ("payer", "payer_account_id"),
                ("status", "status"),
            )
            if text(tenant.get(col))
        ]
        if facts:
            out.append(f"  export: {', '.join(facts)}")
    out += [
        f"  decision: {clean(case.decision).upper() or 'NONE'}",
        f"  why: {clean(case.explanation) or '(no explanation recorded)'}",
        f"  rules: {', '.join(clean(r) for r in case.rules) or '(none recorded)'}",
        f"  policy: {clean(case.policy_id)} version {clean(case.policy_version)}",
    ]
    if case.exemption_id:
        out.append(f"  exemption: {clean(case.exemption_id)}")
    out += judgement_lines(case)
    if case.review_since:
        out.append(f"  in review since: {clean(case.review_since)}")
    if case.link is None:
        out.append("  link: no link record for this tenant")
    elif not case.entity_id:
        out.append(f"  link: no entity matched (method {clean(case.link.method) or 'none'})")
    else:
        may = "may revoke" if case.link.may_revoke else "cannot revoke on its own (review only)"
        target = f"entity {clean(case.entity_id)}" if case.entity_id else "no entity (unmatched)"
        out.append(f"  link: {clean(case.link.method)}, confidence {clean(case.link.confidence)}, {may} -> {target}")
        candidates = case.link.candidates if isinstance(case.link.candidates, list) else []
        for c in candidates:
            if isinstance(c, dict):
                matched = f", matched name {clean(c.get('matched_name'))}" if c.get("matched_name") else ""
                out.append(
                    f"    candidate {clean(c.get('entity_id'))} {clean(c.get('name'))}: {clean(c.get('method'))}, "
                    f"confidence {clean(c.get('confidence'))}{matched} (via {clean(c.get('via'))})"
                )
    if case.entity is not None:
        out += _entity_lines(case.entity)
    out += _evidence("decision evidence", case.evidence)
    return "\n".join(out)


def format_entity(entity: EntityCase, linked: pd.DataFrame, below: pd.DataFrame) -> str:
    """An entity's decision and chain, and the tenants linked to it or owned under it."""
    out = [f"Entity {clean(entity.entity_id)} {_q(entity.name)}"]
    out.append(f"  policy: {clean(entity.policy_id)} version {clean(entity.policy_version)}")
    out += _entity_lines(entity)
    out += _evidence("evidence", entity.evidence)
    for title, frame in (("tenants linked to it", linked), ("tenants whose ultimate parent it is", below)):
        out.append(f"  {title}: {len(frame)}")
        for r in records(frame.head(LIST_LIMIT)):
            out.append(
                f"    {clean(r['partner'])}/{clean(r['tenant_id'])} {_q(r['company_name'])}: {clean(r['decision'])}"
            )
        if len(frame) > LIST_LIMIT:
            out.append(f"    ... and {len(frame) - LIST_LIMIT} more")
    return "\n".join(out)


def explain(run_dir_uri: str, key: str, storage: Storage) -> str:
    """Explain `key` (a tenant id of any partner, or an entity id) from the run at `run_dir_uri`."""
    ws = RunWorkspace(storage, run_dir_uri)
    decisions = ws.read(ds.DECISIONS)
    ownership = ws.read_optional(ds.OWNERSHIP)
    links = ws.read_optional(ds.LINKS)
    interests = ws.read_optional(ds.INTERESTS)
    notes = [
        f"({dataset.file_name} is not in this run: {what})"
        for dataset, frame, what in (
            (ds.OWNERSHIP, ownership, "no ownership chain"),
            (ds.LINKS, links, "no link details"),
            (ds.INTERESTS, interests, "no declared stakes"),
        )
        if frame is None
    ]
    builder = CaseBuilder(
        ownership if ownership is not None else ds.empty(ds.OWNERSHIP),
        links if links is not None else ds.empty(ds.LINKS),
        interests,
        ws.logical_date,
    )
    wanted = key.strip()
    tenant_ids = decisions["tenant_id"].map(text)
    matches = decisions[tenant_ids == wanted]
    if matches.empty and wanted.isdigit() and len(wanted) < 12:
        # AWS account ids are 12 digits; a spreadsheet may have eaten the leading zeros.
        padded = wanted.zfill(12)
        matches = decisions[tenant_ids == padded]
        if not matches.empty:
            notes.append(f"(no tenant {clean(wanted)}; showing {padded}, its 12-digit AWS form)")
    header = [f"Run {clean(ws.run_uri)}", *notes]
    if not matches.empty:
        cases = builder.cases(matches.sort_values(["partner", "tenant_id"]))
        exported: dict[tuple[str, str], dict[str, Any]] = {}
        for partner in sorted({c.partner for c in cases}):
            frame = ws.read_optional(ds.TENANTS, partner)
            if frame is None:
                header.append(f"(partner={partner}/{ds.TENANTS.file_name} is not in this run: no export details)")
                continue
            rows = frame[frame["tenant_id"].map(text).isin({c.tenant_id for c in cases})]
            exported |= {(partner, text(r["tenant_id"])): r for r in records(rows)}
        body = [format_case(c, exported.get((c.partner, c.tenant_id))) for c in cases]
        return "\n\n".join(["\n".join(header), *body]) + "\n"
    in_ownership = ownership is not None and (ownership["entity_id"].map(text) == wanted).any()
    entity_ids = decisions["entity_id"].map(text)
    linked = decisions[entity_ids == wanted]
    if not in_ownership and linked.empty:
        raise ExplainError(f"{wanted!r}: no tenant or entity with this id in {ws.run_uri}")
    below = decisions[(decisions["ultimate_parent_id"].map(text) == wanted) & (entity_ids != wanted)]
    entity = builder.entities([wanted])[wanted]
    shown = format_entity(
        entity,
        linked.sort_values(["partner", "tenant_id"]),
        below.sort_values(["partner", "tenant_id"]),
    )
    return "\n\n".join(["\n".join(header), shown]) + "\n"
