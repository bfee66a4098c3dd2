"""The evidence a judgement is made on, as a fingerprint: one digest and one short summary per part.

Invariant: a part's digest is a function of the run's own rows alone (the tenant's export row, its
automatic link candidates, the resolved ownership of an entity, the policy id and version), computed the
same way when a person records a judgement (from the outputs of the run they looked at) and when a later
run applies it, so equal facts give equal digests and a judgement applies only while every part it was
made on is unchanged. Numbers are rounded before hashing (a share of 0.6 is one value, not its float
noise). A changed part is named with its summary then and now, which is what the person reads.

Parts per kind: link: tenant, candidates; decision: tenant, candidates, link, ownership, policy;
entity: ownership, policy.

Pure: rows (dicts, as `records` gives them) in, values out.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

from pipeline import jsonio
from pipeline.nested import items
from pipeline.review.judgements import EvidencePart, JudgementKind

TENANT_FIELDS = ("company_name", "country", "tax_country", "tax_registration_number", "company_number", "lei")
PARTS: dict[JudgementKind, tuple[str, ...]] = {
    JudgementKind.LINK: ("tenant", "candidates"),
    JudgementKind.DECISION: ("tenant", "candidates", "link", "ownership", "policy"),
    JudgementKind.ENTITY: ("ownership", "policy"),
}
_SUMMARY_CANDIDATES = 3


def text(value: object) -> str:
    """A cell as text: missing (None, NaN) is empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return round(float(value), 6)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _part(value: Any, summary: str) -> EvidencePart:
    digest = hashlib.sha256(jsonio.compact_bytes(value, sort_keys=True)).hexdigest()[:16]
    return EvidencePart(digest=digest, summary=summary)


def tenant_part(tenant: Mapping[str, Any] | None) -> EvidencePart:
    """What the partner's export says about the account: name, countries, registration numbers."""
    values = {f: text((tenant or {}).get(f)) for f in TENANT_FIELDS}
    shown = ", ".join(v for v in (values["company_name"], values["country"], values["tax_registration_number"]) if v)
    return _part(values, shown or "not in the export")


def candidates_part(link: Mapping[str, Any] | None) -> EvidencePart:
    """The automatic matching's candidates, with method and confidence, best first."""
    found = [
        (text(c.get("entity_id")), text(c.get("method")), _number(c.get("confidence")))
        for c in items((link or {}).get("candidates"))
        if isinstance(c, Mapping)
    ]
    shown = "; ".join(f"{e} {m} {c:.2f}" for e, m, c in found[:_SUMMARY_CANDIDATES] if c is not None)
    if len(found) > _SUMMARY_CANDIDATES:
        shown += f" (+{len(found) - _SUMMARY_CANDIDATES})"
    return _part(found, shown or "no candidate")


def link_part(link: Mapping[str, Any] | None) -> EvidencePart:
    """The link the decision stood on: entity and method (a link judgement counts as a method)."""
    entity, method = text((link or {}).get("entity_id")), text((link or {}).get("method"))
    return _part([entity, method], f"{entity or 'no entity'} by {method or 'none'}")


def _stake(value: Any) -> list[float | None]:
    stake = value if isinstance(value, Mapping) else {}
    return [_number(stake.get("low")), _number(stake.get("high"))]


def ownership_part(entity_id: str, ownership: Mapping[str, Any] | None) -> EvidencePart:
    """The resolved ownership of an entity: decision, restricted share, chain, rules and owners' stakes."""
    if not entity_id:
        return _part(None, "no entity")
    if ownership is None:
        return _part([entity_id, None], f"{entity_id} not in the ownership data")
    evidence = ownership.get("evidence")
    owners = items(evidence.get("owners")) if isinstance(evidence, Mapping) else []
    values = {
        "entity_id": entity_id,
        "decision": text(ownership.get("decision")),
        "rho": [_number(ownership.get("rho_low")), _number(ownership.get("rho_high"))],
        "ultimate_parent_id": text(ownership.get("ultimate_parent_id")),
        "chain": [text(x) for x in items(ownership.get("chain"))],
        "rules": sorted(text(x) for x in items(ownership.get("rules"))),
        "owners": sorted([text(o.get("id")), *_stake(o.get("stake"))] for o in owners if isinstance(o, Mapping)),
    }
    low, high = values["rho"]
    share = "?" if low is None else f"{low:.0%}" if low == high else f"{low:.0%}-{(high or 0):.0%}"
    return _part(values, f"{entity_id} {values['decision'] or 'undecided'}, restricted share {share}")


def policy_part(policy_id: str, policy_version: str) -> EvidencePart:
    return _part([policy_id, policy_version], f"{policy_id} version {policy_version}")


def fingerprint(
    kind: JudgementKind,
    *,
    tenant: Mapping[str, Any] | None = None,
    link: Mapping[str, Any] | None = None,
    entity_id: str = "",
    ownership: Mapping[str, Any] | None = None,
    policy: tuple[str, str] = ("", ""),
) -> dict[str, EvidencePart]:
    """The parts of the evidence a judgement of `kind` stands on (module docstring)."""
    build = {
        "tenant": lambda: tenant_part(tenant),
        "candidates": lambda: candidates_part(link),
        "link": lambda: link_part(link),
        "ownership": lambda: ownership_part(entity_id, ownership),
        "policy": lambda: policy_part(*policy),
    }
    return {name: build[name]() for name in PARTS[kind]}


def changed(before: Mapping[str, EvidencePart], now: Mapping[str, EvidencePart]) -> list[str]:
    """What differs, one item per changed part: `ownership (was E1 restricted..., now E1 clear...)`."""
    out = []
    for name, was in before.items():
        current = now.get(name)
        if current is None or current.digest != was.digest:
            shown = current.summary if current is not None else "not available"
            out.append(f"{name} (was {was.summary}; now {shown})")
    return out
